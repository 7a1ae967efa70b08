// Reports made without network. A missing report or a found child's intake submitted while the phone is
// offline is kept on the phone (IndexedDB: the details and the photo) and sent when the network returns,
// its state shown on the queue page and as a badge in the menu: queued, sending, sent, failed. Once sent,
// the details and the photo leave the phone; only the case's id stays, for the link. Loads after alerts.js
// (it uses when()).
"use strict";

i18nFiles.push("/static/offline.i18n.json");

const OUTBOX_DB = "childmatch-offline";
const OUTBOX = "reports";
const queue = {pending: 0, flushing: false, started: false};

function idb(r) {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
}

let outboxDB = null;
async function outbox(mode) {
  if (!outboxDB) {
    const open = indexedDB.open(OUTBOX_DB, 1);
    open.onupgradeneeded = () => open.result.createObjectStore(OUTBOX, {keyPath: "id", autoIncrement: true});
    outboxDB = await idb(open);
  }
  return outboxDB.transaction(OUTBOX, mode).objectStore(OUTBOX);
}

const queued = async () => idb((await outbox("readonly")).getAll());
const keep = async (item) => idb((await outbox("readwrite")).put(item));
const forget = async (id) => idb((await outbox("readwrite")).delete(id));

// offlineSubmit keeps a report on the phone when there is no network, and says so in out; it answers
// whether it did (app.js's form then stops there).
async function offlineSubmit(body, photo, out) {
  if (navigator.onLine) return false;
  await keep({kind: body.kind, body, photo: photo || null, state: "queued", created: new Date().toISOString(), user: me && me.id});
  out.replaceChildren(h("p", {class: "warn queued", role: "status"}, t("offline_queued"), " ",
    h("a", {href: "#/queue", text: t("open_queue")})));
  await queueChanged();
  return true;
}

// send sends one report: the case, then its photo; a report whose case was made already sends the photo.
async function send(item) {
  item.state = "sending";
  await keep(item);
  await queueChanged();
  try {
    if (!item.case_id) {
      item.case_id = (await api("POST", "/v1/cases", item.body)).id;
      await keep(item);
    }
    if (item.photo) {
      const form = new FormData();
      form.append("photo", item.photo);
      const resp = await fetch("/v1/cases/" + item.case_id + "/photos",
        {method: "POST", body: form, headers: {"X-CSRF-Token": csrf()}, credentials: "same-origin"});
      if (!resp.ok) throw new APIError(resp.status, await resp.json().catch(() => null), resp.headers.get("Retry-After"));
    }
    await keep({id: item.id, kind: item.kind, state: "sent", case_id: item.case_id, created: item.created,
      sent: new Date().toISOString(), user: item.user});
  } catch (err) {
    if (err instanceof TypeError || !navigator.onLine) {
      item.state = "queued"; // the network went again: the next return sends it
    } else {
      Object.assign(item, {state: "failed", error: err.message});
    }
    await keep(item);
  }
}

// flush sends every queued report of the signed-in user, one at a time, in the order they were made.
async function flush() {
  if (queue.flushing || !navigator.onLine || !me || typeof indexedDB === "undefined") return;
  queue.flushing = true;
  try {
    for (const item of await queued()) {
      if ((item.state === "queued" || item.state === "sending") && (!item.user || item.user === me.id)) await send(item);
    }
  } finally {
    queue.flushing = false;
    await queueChanged();
  }
}

// queueChanged counts what waits for the menu's badge and redraws the queue page if it is shown.
async function queueChanged() {
  const items = await queued();
  const n = items.filter((i) => i.state !== "sent").length;
  const shown = location.hash.startsWith("#/queue");
  if (n !== queue.pending || shown) {
    queue.pending = n;
    if (shown) route(); else nav();
  }
}

async function queueView() {
  const items = (await queued()).reverse();
  const again = async (item) => {
    Object.assign(item, {state: "queued", error: undefined});
    await keep(item);
    flush();
  };
  const remove = async (item) => { await forget(item.id); queueChanged(); };
  const row = (item) => h("li", {class: "queue-item q-" + item.state},
    h("div", {class: "alert-title"},
      h("strong", {text: t("kind_" + item.kind) + (item.body && item.body.child.name ? " · " + item.body.child.name : "")}),
      h("span", {class: "tag q-" + item.state, text: t("q_" + item.state)})),
    h("div", {class: "muted small", text: t("q_made", {at: when(item.created)}) + (item.sent ? " · " + t("q_sent_at", {at: when(item.sent)}) : "")}),
    item.error ? h("p", {class: "field-error", text: item.error}) : null,
    h("div", {class: "buttons"},
      item.case_id && item.state === "sent" ? h("a", {href: "#/case/" + item.case_id, text: t("open_case")}) : null,
      item.state === "failed" ? h("button", {type: "button", onclick: () => again(item), text: t("btn_retry")}) : null,
      item.state === "failed" || item.state === "sent" ? h("button", {type: "button", onclick: () => remove(item), text: t("btn_remove")}) : null));
  return h("div", {class: "card"},
    h("h2", {text: t("title_queue")}),
    h("p", {class: "muted", text: t(navigator.onLine ? "queue_online" : "queue_offline")}),
    items.length === 0 ? h("p", {class: "muted", text: t("queue_empty_offline")}) : h("ul", {class: "queue"}, items.map(row)));
}

// The badge is drawn once the user is known: the first drawing sends what waited since the last visit.
addPage({name: "queue", nav: "nav_queue", roles: ["shelter", "officer"], view: queueView, badge: () => {
  if (!queue.started) {
    queue.started = true;
    flush();
  }
  return queue.pending;
}});

window.addEventListener("online", flush);
window.addEventListener("offline", () => { if (location.hash.startsWith("#/queue")) route(); });
window.addEventListener("hashchange", flush);
