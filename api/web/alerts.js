// Alerts in the web app: the alerts page (newest first, the count of those the user's posts have not
// answered as a badge in the menu), an alert's page (the child, the card, which posts got it and what they
// answered, one-tap answers, share), kept live by GET /v1/alerts/stream, and Web Push on this phone
// through the service worker (/sw.js). Events name an alert, never a child: the page reads the alert.
"use strict";

i18nFiles.push("/static/alerts.i18n.json");

const ACK_STATES = ["seen", "searching", "not_here", "found"];

// live is the stream of this tab and what the badge shows. cases and cards keep what the pages read of
// each alert's case (a promise per case), so a page drawn again on every event reads nothing twice and
// the audit trail gets one opening per case, not one per event; an update of the alert drops its case.
const live = {user: null, source: null, unanswered: 0, posts: null, view: null, cases: new Map(), cards: new Map(),
  badgeTimer: null};

// myPosts are the posts the user belongs to, read once per sign-in.
async function myPosts() {
  if (!live.posts) live.posts = (await api("GET", "/v1/me/posts")).posts;
  return live.posts;
}

// answersOf is the last answer of each of the posts, by post id.
function answersOf(a) {
  const last = {};
  for (const k of a.acks || []) last[k.post] = k;
  return last;
}

// unanswered: an active alert that reached one of the user's posts, none of which has answered it.
function unanswered(a, mine) {
  const reached = mine.filter((p) => a.recipients.some((r) => r.post === p.id));
  const last = answersOf(a);
  return a.status === "active" && reached.length > 0 && !reached.some((p) => last[p.id]);
}

// refreshBadge counts again, once for a burst of events.
function refreshBadge() {
  clearTimeout(live.badgeTimer);
  live.badgeTimer = setTimeout(countUnanswered, 500);
}

// countUnanswered counts over the newest page of active alerts at its largest (MaxPageSize in limits.go):
// only an active alert waits for an answer, so every one is counted while fewer than 200 are active.
async function countUnanswered() {
  try {
    const [data, mine] = await Promise.all([api("GET", "/v1/alerts?active=true&limit=200"), myPosts()]);
    const n = data.alerts.filter((a) => unanswered(a, mine)).length;
    if (n !== live.unanswered) {
      live.unanswered = n;
      nav();
    }
  } catch (e) { /* the next event or reconnection tries again */ }
}

function stopLive() {
  if (live.source) live.source.close();
  clearTimeout(live.badgeTimer);
  Object.assign(live, {user: null, source: null, unanswered: 0, posts: null, view: null, cases: new Map(), cards: new Map()});
}

// ensureLive opens the tab's stream once the user is known. EventSource reconnects by itself; each
// (re)connection reads the list again, so nothing said while it was away is missed.
function ensureLive() {
  if (!me || !has("shelter", "officer", "reviewer")) return;
  if (live.user !== me.id) stopLive();
  if (live.source || typeof EventSource === "undefined") return;
  live.user = me.id;
  live.source = new EventSource("/v1/alerts/stream");
  live.source.onopen = () => refreshBadge();
  live.source.onmessage = (m) => {
    let ev;
    try { ev = JSON.parse(m.data); } catch (e) { return; }
    if (ev.type !== "alert.acknowledged") {
      live.cases.delete(ev.case_id);
      live.cards.delete(ev.case_id);
    }
    refreshBadge();
    if (live.view && live.view.el.isConnected) live.view.fn(ev);
  };
}

// watch makes the page el hear the stream's events while it is shown.
function watch(el, fn) { live.view = {el, fn}; }

window.addEventListener("hashchange", () => { if (!me) stopLive(); });

function base64urlBytes(s) {
  const b = atob(s.replace(/-/g, "+").replace(/_/g, "/") + "=".repeat((4 - s.length % 4) % 4));
  return Uint8Array.from(b, (c) => c.charCodeAt(0));
}

// pushControl turns push messages on this phone on or off.
function pushControl() {
  const box = h("div", {class: "push-control"});
  const supported = "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;
  const say = (key, button) => box.replaceChildren(h("span", {class: "muted", text: t(key)}), button || "");
  if (!supported) {
    say("push_unsupported");
    return box;
  }
  const render = async () => {
    const reg = await navigator.serviceWorker.getRegistration("/");
    const sub = reg && await reg.pushManager.getSubscription();
    if (Notification.permission === "denied") say("push_blocked");
    else if (sub) say("push_on", h("button", {type: "button", onclick: off, text: t("btn_push_off")}));
    else say("push_off", h("button", {type: "button", class: "push-on", onclick: on, text: t("btn_push_on")}));
  };
  const fail = (err) => box.append(h("p", {class: "field-error", role: "alert", text: err.message || String(err)}));
  const on = async () => {
    try {
      if (await Notification.requestPermission() !== "granted") return render();
      const reg = await navigator.serviceWorker.register("/sw.js", {scope: "/"});
      await navigator.serviceWorker.ready;
      const key = (await api("GET", "/v1/push/key")).public_key;
      const sub = await reg.pushManager.subscribe({userVisibleOnly: true, applicationServerKey: base64urlBytes(key)});
      await api("POST", "/v1/push/subscriptions", sub.toJSON());
      render();
    } catch (err) { fail(err); }
  };
  const off = async () => {
    try {
      const reg = await navigator.serviceWorker.getRegistration("/");
      const sub = reg && await reg.pushManager.getSubscription();
      if (sub) {
        await api("DELETE", "/v1/push/subscriptions", {endpoint: sub.endpoint});
        await sub.unsubscribe();
      }
      render();
    } catch (err) { fail(err); }
  };
  render().catch(fail);
  return box;
}

// remembered answers what live keeps of a case, reading it the first time; what could not be read (null)
// is read again next time.
function remembered(map, id, read) {
  if (!map.has(id)) {
    map.set(id, read(id).then((v) => {
      if (v === null) map.delete(id);
      return v;
    }));
  }
  return map.get(id);
}

// caseOf reads an alert's case, or null when the user may not open it.
function caseOf(id) {
  return remembered(live.cases, id, (id) => api("GET", "/v1/cases/" + id).catch(() => null));
}

function childLine(c) {
  if (!c) return "";
  return [c.child.age ? t("age_years", {n: c.child.age}) : "", t("gender_" + c.child.gender),
    [c.sighting.station, c.sighting.district, c.sighting.state].filter(Boolean).join(", ")].filter(Boolean).join(" · ");
}

// reasonWords says why a message was sent, for the reasons the app knows; another is shown as it is.
function reasonWords(r) {
  return known("reason_msg_" + r, r);
}

function tags(a) {
  return [
    a.exercise ? h("span", {class: "tag exercise", text: t("alert_exercise")}) : null,
    h("span", {class: "tag " + a.status, text: t("alert_status_" + a.status)}),
  ];
}

// alertsView shows a page of 50 alerts, newest first (each row reads its case); #/alerts?cursor= is the
// page after the one whose next_cursor it is.
async function alertsView(parts, query) {
  const cursor = new URLSearchParams(query).get("cursor");
  const list = new URLSearchParams({limit: 50});
  if (cursor) list.set("cursor", cursor);
  const [data, mine] = await Promise.all([api("GET", "/v1/alerts?" + list), myPosts()]);
  const shown = data.alerts;
  const cases = await Promise.all(shown.map((a) => caseOf(a.case_id)));
  const row = (a, c) => {
    const last = answersOf(a);
    const mineReached = mine.filter((p) => a.recipients.some((r) => r.post === p.id));
    const answered = mineReached.map((p) => last[p.id] ? p.name + ": " + t("ack_" + last[p.id].state) : "").filter(Boolean);
    return h("li", {class: "alert-row" + (unanswered(a, mine) ? " unanswered" : "") + (a.exercise ? " exercise" : "")},
      h("a", {href: "#/alert/" + a.id},
        h("div", {class: "alert-title"}, h("strong", {text: (c && c.child.name) || t("name_unknown")}), tags(a)),
        h("div", {class: "muted", text: childLine(c)}),
        h("div", {class: "muted small", text: [t("raised_at", {at: when(a.created_at)}),
          t("posts_reached", {n: a.recipients.length}), ...answered].join(" · ")}),
        unanswered(a, mine) ? h("div", {class: "small needs", text: t("needs_answer")}) : null));
  };
  const page = h("div", {class: "card"},
    h("h2", {text: t("title_alerts")}),
    pushControl(),
    shown.length === 0 ? h("p", {class: "muted", text: t("no_alerts")}) :
      h("ul", {class: "alerts"}, shown.map((a, i) => row(a, cases[i]))),
    cursor || data.next_cursor ? h("p", {class: "pager"},
      cursor ? h("a", {href: "#/alerts", text: t("btn_newest_alerts")}) : null,
      data.next_cursor ? h("button", {type: "button", class: "older", text: t("btn_older_alerts"),
        onclick: () => { location.hash = "#/alerts?cursor=" + encodeURIComponent(data.next_cursor); }}) : null) : null);
  watch(page, () => route());
  return page;
}

// cardOf fetches the alert card once: shown on the page and shared from the same bytes.
function cardOf(caseID) {
  return remembered(live.cards, caseID, async (id) => {
    const resp = await fetch("/v1/cases/" + id + "/card.png", {credentials: "same-origin"});
    return resp.ok ? resp.blob() : null;
  });
}

function shareButton(blob, name) {
  const file = new File([blob], name, {type: "image/png"});
  if (navigator.canShare && navigator.canShare({files: [file]})) {
    return h("button", {type: "button", class: "share", text: t("btn_share"),
      onclick: () => navigator.share({files: [file], title: t("share_title")}).catch(() => null)});
  }
  return h("a", {class: "share", href: URL.createObjectURL(blob), download: name, text: t("btn_download_card")});
}

// deliveriesOf reads the whole delivery log, page after page at the largest (MaxPageSize in limits.go), when
// the server has one (the outbox); nothing otherwise, and nothing when a page fails, rather than a part
// that would read as deliveries never made. Each post gets a delivery per message and channel, so an
// alert to a hundred posts that is stood down already fills two pages.
async function deliveriesOf(id) {
  const all = [];
  let cursor = "";
  try {
    for (;;) {
      const page = await api("GET", "/v1/alerts/" + id + "/deliveries?limit=200" + (cursor ? "&cursor=" + encodeURIComponent(cursor) : ""));
      all.push(...(page.deliveries || []));
      if (!page.next_cursor || page.next_cursor === cursor) return all;
      cursor = page.next_cursor;
    }
  } catch (e) {
    return null;
  }
}

async function alertView(parts) {
  const id = parts[1];
  const [a, mine] = await Promise.all([api("GET", "/v1/alerts/" + id), myPosts()]);
  const [c, card, deliveries] = await Promise.all([caseOf(a.case_id), cardOf(a.case_id), deliveriesOf(id)]);
  const last = answersOf(a);
  const errSlot = h("div", {class: "form-error-slot"});
  const answer = async (post, state) => {
    try {
      await api("POST", "/v1/alerts/" + id + "/ack", {post, state});
      route();
    } catch (err) {
      errSlot.replaceChildren(h("p", {class: "field-error", role: "alert", text: err.message}));
    }
  };
  const reachedMine = mine.filter((p) => a.recipients.some((r) => r.post === p.id));
  const rows = c ? [
    ["f_age", c.child.age ? t("age_years", {n: c.child.age}) : ""], ["f_gender", t("gender_" + c.child.gender)],
    ["f_languages", (c.child.languages || []).join(", ")], ["f_description", c.child.description],
    ["f_marks", c.child.identifying_marks],
    ["f_where", [c.sighting.place, c.sighting.station, c.sighting.district, c.sighting.state].filter(Boolean).join(", ")],
    ["f_time", c.sighting.time && !c.sighting.time.startsWith("0001") ? when(c.sighting.time) : ""],
    ["f_reporter_org", c.reporter.organisation],
  ].filter(([, v]) => v) : [];
  const phone = c && c.reporter.phone;
  const byPost = {};
  for (const d of deliveries || []) (byPost[d.post] = byPost[d.post] || []).push(d);
  const page = h("div", {class: "alert-page"},
    h("div", {class: "card alert-head"},
      h("div", {class: "alert-title"}, h("h2", {text: (c && c.child.name) || t("name_unknown")}), tags(a)),
      a.status === "cancelled" ? h("p", {class: "ok big", text: t("stood_down")}) : null,
      h("div", {class: "alert-body"},
        card ? h("figure", {class: "alert-card"}, h("img", {src: URL.createObjectURL(card), alt: t("card_alt")}),
          h("figcaption", {}, shareButton(card, "alert-" + a.case_id + ".png"))) : null,
        h("div", {},
          h("dl", {class: "summary"}, rows.map(([k, v]) => [h("dt", {text: t(k)}), h("dd", {text: v})])),
          phone ? h("p", {}, h("a", {class: "call", href: "tel:" + phone, text: t("btn_call", {phone})})) : null,
          h("p", {}, h("a", {href: "#/case/" + a.case_id, text: t("open_case")}))))),
    reachedMine.length ? h("div", {class: "card"},
      h("h3", {text: t("sec_answer")}), errSlot,
      reachedMine.map((p) => h("div", {class: "answer"},
        h("p", {}, h("strong", {text: p.name}), " · ",
          last[p.id] ? t("answered", {state: t("ack_" + last[p.id].state), at: when(last[p.id].at)}) : t("not_answered")),
        h("div", {class: "buttons acks"}, ACK_STATES.map((s) => h("button", {type: "button", class: "ack ack-" + s,
          "aria-pressed": last[p.id] && last[p.id].state === s ? "true" : "false", "data-post": p.id, "data-state": s,
          onclick: () => answer(p.id, s), text: t("ack_" + s)})))))) : null,
    h("div", {class: "card"},
      h("h3", {text: t("sec_posts", {n: a.recipients.length})}),
      h("table", {class: "posts"},
        h("thead", {}, h("tr", {}, ["col_post", "col_got", "col_answer", deliveries ? "col_delivery" : null].filter(Boolean)
          .map((k) => h("th", {text: t(k)})))),
        h("tbody", {}, a.recipients.map((r) => h("tr", {},
          h("td", {}, h("strong", {text: r.name}), h("div", {class: "muted small", text: t("post_" + r.kind)})),
          h("td", {text: when(r.at)}),
          h("td", {}, (a.acks || []).filter((k) => k.post === r.post).map((k) =>
            h("div", {class: "ack-" + k.state, text: t("ack_" + k.state) + " · " + when(k.at)})),
          (a.acks || []).some((k) => k.post === r.post) ? null : h("span", {class: "muted", text: t("not_answered")})),
          deliveries ? h("td", {}, (byPost[r.post] || []).map((d) =>
            h("div", {class: "small delivery-" + d.status, text: d.channel + ": " + t("delivery_" + d.status)}))) : null))))),
    h("div", {class: "card"},
      h("h3", {text: t("sec_messages")}),
      h("ol", {class: "messages"}, a.messages.map((m) =>
        h("li", {text: t("msg_" + m.msg_type) + " · " + when(m.at) + (m.reason ? " · " + reasonWords(m.reason) : "")})))));
  watch(page, (ev) => { if (ev.alert_id === id) route(); });
  return page;
}

// caseAlert is the case page's part about the case's alert, if it has one the user sees: where it stands,
// how many posts answered, the card to share, and the way to the alert's page.
async function caseAlert(c) {
  if (c.kind !== "missing" || !has("shelter", "officer", "reviewer")) return "";
  let a;
  try { a = await api("GET", "/v1/alerts/" + c.id); } catch (e) { return ""; }
  const card = await cardOf(c.id);
  const answered = new Set((a.acks || []).map((k) => k.post)).size;
  return h("div", {class: "card"},
    h("div", {class: "alert-title"}, h("h3", {text: t("sec_case_alert")}), tags(a)),
    h("p", {text: t("case_alert_answers", {n: answered, of: a.recipients.length})}),
    card ? h("figure", {class: "alert-card"}, h("img", {src: URL.createObjectURL(card), alt: t("card_alt")}),
      h("figcaption", {}, shareButton(card, "alert-" + c.id + ".png"))) : null,
    h("p", {}, h("a", {href: "#/alert/" + a.id, text: t("open_alert")})));
}

addPage({name: "alerts", nav: "nav_alerts", roles: ["shelter", "officer", "reviewer"], view: alertsView,
  badge: () => { ensureLive(); return live.unanswered; }});
addPage({name: "alert", roles: ["shelter", "officer", "reviewer"], view: alertView});

if ("serviceWorker" in navigator) navigator.serviceWorker.register("/sw.js", {scope: "/"}).catch(() => null);
