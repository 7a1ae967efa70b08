// childmatch service worker: keeps the app's own files for use without network, shows Web Push messages
// (push/service.go's Message) and opens the alert's page from a notification. It never stores anything
// the API answers: children's data stays out of every cache.
"use strict";

const SHELL = "childmatch-shell-v1";
const FILES = ["/app/", "/static/app.js", "/static/style.css", "/static/i18n.json", "/static/alerts.js",
  "/static/alerts.i18n.json", "/static/alerts.css", "/static/offline.js", "/static/offline.i18n.json", "/static/icon-192.png"];

self.addEventListener("install", (ev) => {
  ev.waitUntil(caches.open(SHELL).then((c) => c.addAll(FILES)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (ev) => {
  ev.waitUntil(caches.keys()
    .then((keys) => Promise.all(keys.filter((k) => k !== SHELL).map((k) => caches.delete(k))))
    .then(() => self.clients.claim()));
});

// The app's files: from the network when there is one (kept for later), from the phone when not.
// Anything else (the API) is not touched.
self.addEventListener("fetch", (ev) => {
  const url = new URL(ev.request.url);
  if (ev.request.method !== "GET" || url.origin !== location.origin) return;
  const page = url.pathname.startsWith("/app/");
  if (!page && !url.pathname.startsWith("/static/")) return;
  const key = page ? "/app/" : url.pathname;
  ev.respondWith(fetch(ev.request).then((resp) => {
    if (resp.ok) {
      const copy = resp.clone();
      caches.open(SHELL).then((c) => c.put(key, copy));
    }
    return resp;
  }).catch(() => caches.match(key).then((hit) => hit || Response.error())));
});

self.addEventListener("push", (ev) => {
  let m = {};
  try { m = ev.data ? ev.data.json() : {}; } catch (e) { m = {body: ev.data ? ev.data.text() : ""}; }
  const title = m.title || "childmatch";
  ev.waitUntil(self.registration.showNotification(title, {
    body: m.body || "",
    tag: m.alert_id || "childmatch", // the alert's next message replaces its last, never piles up
    renotify: true,
    requireInteraction: m.msg_type === "alert" && !m.exercise,
    icon: "/static/icon-192.png",
    badge: "/static/icon-192.png",
    data: {url: m.url || "/app/#/alerts"},
  }));
});

self.addEventListener("notificationclick", (ev) => {
  ev.notification.close();
  const url = new URL(ev.notification.data && ev.notification.data.url || "/app/#/alerts", location.origin).href;
  ev.waitUntil(self.clients.matchAll({type: "window", includeUncontrolled: true}).then((wins) => {
    const open = wins.find((w) => new URL(w.url).pathname.startsWith("/app/"));
    if (open) return open.focus().then(() => open.navigate(url)).catch(() => self.clients.openWindow(url));
    return self.clients.openWindow(url);
  }));
});
