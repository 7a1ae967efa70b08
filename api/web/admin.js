// Admin pages: users and tokens, posts, the audit trail, and the outcome report. Each page is built with
// h() and textContent like app.js; the charts are SVG built element by element, no library.
"use strict";

// Everything is inside one function so that no name here meets another page file's.
(() => {
i18nFiles.push("/static/admin.i18n.json");

const roleNames = ["shelter", "officer", "reviewer", "admin"];
const postKinds = ["rpf", "grp", "childline", "shelter", "police", "jab", "ngo", "control_room"];

// list splits a comma-separated field into its trimmed, non-empty parts.
function commaList(s) { return s.split(",").map((x) => x.trim()).filter(Boolean); }

function dateOnly(s) { return s ? new Date(s).toISOString().slice(0, 10) : ""; }

// nextDay is the day after a YYYY-MM-DD date: the end of a range that includes that day.
function nextDay(d) {
  const t = new Date(d + "T00:00:00Z");
  t.setUTCDate(t.getUTCDate() + 1);
  return t.toISOString().slice(0, 10);
}

function adminTable(cls, heads, rows) {
  return h("div", {class: "scroll"}, h("table", {class: "list " + cls},
    h("thead", {}, h("tr", {}, heads.map((k) => h("th", {text: t(k)})))),
    h("tbody", {}, rows)));
}

// ---- Users and tokens ----

async function usersView() {
  const data = await api("GET", "/v1/users");
  const tokenBox = h("div", {class: "token-slot"});
  const issue = async (u) => {
    try {
      const tok = await api("POST", "/v1/users/" + u.id + "/tokens");
      const secret = h("input", {readonly: true, value: tok.token, class: "secret", "aria-label": t("adm_token")});
      tokenBox.replaceChildren(h("div", {class: "card warn token", role: "status"},
        h("h3", {text: t("adm_token_for", {name: u.name})}), secret,
        h("p", {text: t("adm_token_once")}),
        h("p", {class: "muted small", text: t("adm_token_id", {id: tok.id})})));
      secret.select();
    } catch (err) {
      tokenBox.replaceChildren(h("p", {class: "field-error", role: "alert", text: err.message}));
    }
  };
  const rows = data.users.map((u) => h("tr", {},
    h("td", {text: u.name}), h("td", {text: u.organisation || "—"}),
    h("td", {text: u.roles.map((r) => t("role_" + r)).join(", ")}), h("td", {text: dateOnly(u.created_at)}),
    h("td", {}, h("button", {type: "button", class: "issue", onclick: () => issue(u), text: t("adm_issue")}))));

  const name = h("input", {name: "name", required: true});
  const org = h("input", {name: "organisation"});
  const boxes = roleNames.map((r) => h("label", {class: "check"}, h("input", {type: "checkbox", name: "roles", value: r}), " " + t("role_" + r)));
  const create = h("form", {class: "card"}, h("h3", {text: t("adm_new_user")}), h("div", {class: "form-error-slot"}),
    h("label", {}, h("span", {text: t("adm_name")}), name), h("label", {}, h("span", {text: t("adm_org")}), org),
    h("fieldset", {}, h("legend", {text: t("adm_roles")}), h("div", {class: "checks", "data-field": "roles"}, boxes)),
    h("button", {type: "submit", class: "primary", text: t("adm_create")}));
  create.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const roles = boxes.map((b) => b.querySelector("input")).filter((i) => i.checked).map((i) => i.value);
    try {
      await api("POST", "/v1/users", {name: name.value, organisation: org.value, roles});
      route();
    } catch (err) { showError(create, err); }
  });

  const tokenID = h("input", {name: "token_id", required: true, placeholder: t("adm_token_id_ph")});
  const revoke = h("form", {class: "card"}, h("h3", {text: t("adm_revoke")}), h("div", {class: "form-error-slot"}),
    h("label", {}, h("span", {text: t("adm_token_id_label")}), tokenID),
    h("button", {type: "submit", class: "reject", text: t("adm_revoke_btn")}));
  revoke.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    try {
      const tok = await api("DELETE", "/v1/tokens/" + encodeURIComponent(tokenID.value.trim()));
      revoke.querySelector(".form-error-slot").replaceChildren(h("p", {class: "ok", role: "status", text: t("adm_revoked", {id: tok.id})}));
    } catch (err) { showError(revoke, err); }
  });
  return h("div", {},
    h("div", {class: "card"}, h("h2", {text: t("title_users")}), tokenBox,
      data.users.length ? adminTable("users", ["adm_name", "adm_org", "adm_roles", "adm_created", "adm_token"], rows) :
        h("p", {class: "muted", text: t("adm_no_users")})),
    h("div", {class: "two"}, create, revoke));
}

// ---- Posts ----

function areaWords(a) {
  if (a.all) return t("adm_area_all");
  return [...(a.states || []), ...(a.districts || []), ...(a.stations || [])].join(", ") || "—";
}

function postForm(p, done) {
  const name = h("input", {name: "name", required: true, value: p ? p.name : ""});
  const kind = h("select", {name: "kind"}, postKinds.map((k) => h("option", {value: k, text: t("post_" + k)})));
  kind.value = p ? p.kind : "police";
  const area = (p && p.area) || {};
  const states = h("input", {name: "area.states", value: (area.states || []).join(", ")});
  const districts = h("input", {name: "area.districts", value: (area.districts || []).join(", ")});
  const stations = h("input", {name: "area.stations", value: (area.stations || []).join(", "), placeholder: "BPL, ET"});
  const all = h("input", {type: "checkbox", name: "area.all"});
  all.checked = !!area.all;
  const hooks = h("textarea", {name: "webhooks", rows: 2, placeholder: t("adm_webhooks_ph")});
  const form = h("form", {class: "card post-form"}, h("h3", {text: p ? t("adm_edit_post", {name: p.name}) : t("adm_new_post")}),
    h("div", {class: "form-error-slot"}),
    h("label", {}, h("span", {text: t("adm_name")}), name), h("label", {}, h("span", {text: t("adm_kind")}), kind),
    h("fieldset", {}, h("legend", {text: t("adm_area")}),
      h("label", {}, h("span", {text: t("adm_states")}), states), h("label", {}, h("span", {text: t("adm_districts")}), districts),
      h("label", {}, h("span", {text: t("adm_stations")}), stations),
      h("label", {class: "check"}, all, " " + t("adm_area_all"))),
    h("label", {}, h("span", {text: p ? t("adm_webhooks_keep", {n: (p.webhooks || []).length}) : t("adm_webhooks")}), hooks),
    h("div", {class: "buttons"}, h("button", {type: "submit", class: "primary", text: p ? t("adm_save") : t("adm_create")}),
      p ? h("button", {type: "button", onclick: () => route(), text: t("adm_cancel")}) : null));
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const body = {name: name.value, kind: kind.value,
      area: {states: commaList(states.value), districts: commaList(districts.value), stations: commaList(stations.value), all: all.checked}};
    // A webhook a line: its URL, then its signing secret. Left empty when editing, the webhooks stay.
    const lines = hooks.value.split("\n").map((l) => l.trim()).filter(Boolean);
    if (lines.length || !p) body.webhooks = lines.map((l) => { const [url, secret] = l.split(/\s+/); return {url, secret}; });
    try {
      if (p) await api("PATCH", "/v1/posts/" + p.id, body); else await api("POST", "/v1/posts", body);
      done();
    } catch (err) { showError(form, err); }
  });
  return form;
}

async function postsView() {
  const data = await api("GET", "/v1/posts");
  const slot = h("div");
  const showForm = (p) => { slot.replaceChildren(postForm(p, () => route())); slot.scrollIntoView(); };
  const remove = async (p, cell) => {
    if (!confirm(t("adm_delete_confirm", {name: p.name}))) return;
    try {
      await api("DELETE", "/v1/posts/" + p.id);
      route();
    } catch (err) { cell.append(h("p", {class: "field-error", role: "alert", text: err.message})); }
  };
  const rows = data.posts.map((p) => {
    const cell = h("td");
    cell.append(h("div", {class: "buttons"},
      h("button", {type: "button", class: "edit", onclick: () => showForm(p), text: t("adm_edit")}),
      h("button", {type: "button", class: "reject", onclick: () => remove(p, cell), text: t("adm_delete")})));
    return h("tr", {}, h("td", {text: p.name}), h("td", {text: t("post_" + p.kind)}), h("td", {text: areaWords(p.area)}),
      h("td", {text: String((p.webhooks || []).length)}), cell);
  });
  slot.replaceChildren(postForm(null, () => route()));
  return h("div", {},
    h("div", {class: "card"}, h("h2", {text: t("title_posts")}),
      data.posts.length ? adminTable("posts", ["adm_name", "adm_kind", "adm_area", "adm_webhooks_n", "adm_actions"], rows) :
        h("p", {class: "muted", text: t("adm_no_posts")})),
    slot);
}

// ---- Audit search ----

async function auditView(parts, query) {
  const q = new URLSearchParams(query);
  const monthAgo = new Date(Date.now() - 30 * 864e5).toISOString().slice(0, 10);
  const caseID = h("input", {name: "case", value: q.get("case") || "", placeholder: t("adm_case_ph")});
  const user = h("input", {name: "user", value: q.get("user") || "", placeholder: t("adm_user_ph")});
  const since = h("input", {name: "since", type: "date", value: q.get("since") || monthAgo});
  const until = h("input", {name: "until", type: "date", value: q.get("until") || ""});
  const apiQ = new URLSearchParams({limit: 100, since: since.value});
  if (caseID.value) apiQ.set("case", caseID.value.trim());
  if (user.value) apiQ.set("user", user.value.trim());
  if (until.value) apiQ.set("until", nextDay(until.value));
  if (q.get("cursor")) apiQ.set("cursor", q.get("cursor"));
  const go = (extra) => {
    const p = new URLSearchParams({case: caseID.value.trim(), user: user.value.trim(), since: since.value, until: until.value, ...extra});
    for (const [k, v] of [...p]) if (!v) p.delete(k);
    location.hash = "#/audit?" + p;
  };
  const form = h("form", {class: "filters"},
    h("label", {}, h("span", {text: t("adm_case")}), caseID), h("label", {}, h("span", {text: t("adm_user")}), user),
    h("label", {}, h("span", {text: t("adm_since")}), since), h("label", {}, h("span", {text: t("adm_until")}), until),
    h("button", {type: "submit", text: t("btn_filter")}));
  form.addEventListener("submit", (ev) => { ev.preventDefault(); go({}); });
  let body;
  try {
    const [page, users] = await Promise.all([api("GET", "/v1/audit?" + apiQ), api("GET", "/v1/users")]);
    const names = Object.fromEntries(users.users.map((u) => [u.id, u.name]));
    // Ids begin with their time, so the same day's ids share their first digits: the last ones tell them apart.
    const short = (id) => id.length > 12 ? "…" + id.slice(-8) : id;
    const rows = page.events.map((e) => h("tr", {},
      h("td", {text: when(e.at)}),
      h("td", {}, h("a", {href: "#/audit?user=" + encodeURIComponent(e.actor), title: e.actor, text: names[e.actor] || e.actor})),
      h("td", {title: e.action, text: actionWords(e.action)}),
      h("td", {}, (e.cases || []).map((c) => h("a", {href: "#/audit?case=" + c, class: "mono", title: c, text: short(c)}))),
      objectCell(e.action, e.object || "", short)));
    body = [
      page.events.length ? adminTable("audit", ["adm_when", "adm_who", "adm_action", "adm_cases", "adm_object"], rows) :
        h("p", {class: "muted", text: page.next_cursor ? t("adm_audit_none_yet") : t("adm_audit_none")}),
      page.next_cursor ? h("button", {type: "button", class: "next", onclick: () => go({cursor: page.next_cursor}), text: t("btn_next")}) : null];
  } catch (err) {
    body = h("p", {class: "field-error", role: "alert", text: err.message});
  }
  return h("div", {class: "card"}, h("h2", {text: t("title_audit")}), form, body);
}

// ---- Outcomes ----

const svgNS = "http://www.w3.org/2000/svg";

function svgEl(tag, attrs, ...children) {
  const el = document.createElementNS(svgNS, tag);
  for (const [k, v] of Object.entries(attrs || {})) el.setAttribute(k, v);
  for (const c of children.flat()) if (c) el.append(c);
  return el;
}

function svgText(x, y, text, attrs) { const el = svgEl("text", {x, y, ...attrs}); el.textContent = text; return el; }

const series = [["missing", "#cf222e"], ["found", "#1f6feb"], ["matched", "#d4a72c"], ["reunited", "#1a7f37"]];

// barChart draws the month-by-month counts as groups of bars, one colour a measure.
function barChart(months) {
  const W = 720, H = 260, L = 40, B = 40, T = 14;
  const top = Math.max(1, ...months.flatMap((m) => series.map(([k]) => m[k])));
  const max = top < 2 ? 2 : 2 * Math.ceil(top / 2); // even, so the middle line is a whole number
  const slot = (W - L - 8) / Math.max(1, months.length), bar = Math.max(2, (slot - 6) / series.length);
  const y = (v) => T + (H - T - B) * (1 - v / max);
  const svg = svgEl("svg", {viewBox: `0 0 ${W} ${H}`, class: "chart bars", role: "img", "aria-label": t("out_chart_bars")});
  for (const v of [0, max / 2, max]) {
    svg.append(svgEl("line", {x1: L, x2: W, y1: y(v), y2: y(v), class: "grid"}), svgText(L - 4, y(v) + 4, String(Math.round(v)), {"text-anchor": "end", class: "axis"}));
  }
  months.forEach((m, i) => {
    const x0 = L + 4 + i * slot;
    series.forEach(([k, colour], j) => {
      const r = svgEl("rect", {x: x0 + j * bar, y: y(m[k]), width: bar - 1, height: Math.max(0, H - B - y(m[k])), fill: colour});
      r.append(svgEl("title", {}, document.createTextNode(m.month + " · " + t("out_" + k) + ": " + m[k])));
      svg.append(r);
    });
    svg.append(svgText(x0 + slot / 2, H - B + 16, m.month, {"text-anchor": "middle", class: "axis"}));
  });
  return svg;
}

// lineChart draws the median days from report to match, month by month (months without a match skipped).
function lineChart(months) {
  const W = 720, H = 200, L = 40, B = 36, T = 14;
  const pts = months.map((m, i) => [i, m.median_days_to_match]).filter(([, d]) => d > 0);
  const max = Math.max(1, ...pts.map(([, d]) => d));
  const slot = (W - L - 8) / Math.max(1, months.length); // the bar chart's months, so the two line up
  const x = (i) => L + 4 + i * slot + slot / 2, y = (v) => T + (H - T - B) * (1 - v / max);
  const svg = svgEl("svg", {viewBox: `0 0 ${W} ${H}`, class: "chart line", role: "img", "aria-label": t("out_chart_line")});
  for (const v of [0, max / 2, max]) {
    svg.append(svgEl("line", {x1: L, x2: W, y1: y(v), y2: y(v), class: "grid"}), svgText(L - 4, y(v) + 4, v.toFixed(1), {"text-anchor": "end", class: "axis"}));
  }
  months.forEach((m, i) => svg.append(svgText(x(i), H - B + 16, m.month, {"text-anchor": "middle", class: "axis"})));
  if (pts.length) {
    svg.append(svgEl("polyline", {points: pts.map(([i, d]) => x(i) + "," + y(d)).join(" "), class: "median"}));
    for (const [i, d] of pts) {
      const c = svgEl("circle", {cx: x(i), cy: y(d), r: 4, class: "median"});
      c.append(svgEl("title", {}, document.createTextNode(months[i].month + ": " + d.toFixed(1))));
      svg.append(c);
    }
  }
  return svg;
}

function legend() {
  return h("p", {class: "legend"}, series.map(([k, colour]) => {
    const sw = h("span", {class: "swatch"});
    sw.style.background = colour; // through the CSSOM: the Content-Security-Policy refuses style attributes
    return h("span", {}, sw, t("out_" + k));
  }));
}

async function outcomesView(parts, query) {
  const q = new URLSearchParams(query);
  const state = h("input", {name: "state", value: q.get("state") || ""});
  const district = h("input", {name: "district", value: q.get("district") || ""});
  const since = h("input", {name: "since", type: "date", value: q.get("since") || ""});
  const until = h("input", {name: "until", type: "date", value: q.get("until") || ""});
  const apiQ = new URLSearchParams();
  for (const [k, el] of [["state", state], ["district", district], ["since", since]]) if (el.value) apiQ.set(k, el.value.trim());
  if (until.value) apiQ.set("until", nextDay(until.value));
  const form = h("form", {class: "filters"},
    h("label", {}, h("span", {text: t("adm_states_one")}), state), h("label", {}, h("span", {text: t("adm_district")}), district),
    h("label", {}, h("span", {text: t("adm_since")}), since), h("label", {}, h("span", {text: t("adm_until")}), until),
    h("button", {type: "submit", text: t("btn_filter")}));
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const p = new URLSearchParams({state: state.value.trim(), district: district.value.trim(), since: since.value, until: until.value});
    for (const [k, v] of [...p]) if (!v) p.delete(k);
    location.hash = "#/outcomes?" + p;
  });
  const allQ = new URLSearchParams(apiQ);
  allQ.set("by", "all");
  const [places, total] = await Promise.all([api("GET", "/v1/stats?" + apiQ), api("GET", "/v1/stats?" + allQ)]);
  const sum = total.stats[0];
  const csvQ = new URLSearchParams(apiQ);
  csvQ.set("format", "csv");
  const num = (n) => h("td", {class: "num", text: String(n)});
  const days = (d) => h("td", {class: "num", text: d ? d.toFixed(1) : "—"});
  const rows = places.stats.map((g) => h("tr", {},
    h("td", {text: g.state || t("unknown")}), h("td", {text: g.district || t("unknown")}),
    num(g.missing), num(g.found), num(g.matched), num(g.reunited), days(g.median_days_to_match)));
  const heads = ["adm_states_one", "adm_district", "out_missing", "out_found", "out_matched", "out_reunited", "out_median"];
  return h("div", {},
    h("div", {class: "card"}, h("h2", {text: t("title_outcomes")}), form,
      sum ? h("p", {class: "totals"}, t("out_totals", {missing: sum.missing, found: sum.found, matched: sum.matched,
        reunited: sum.reunited, days: sum.median_days_to_match ? sum.median_days_to_match.toFixed(1) : "—"})) :
        h("p", {class: "muted", text: t("out_none")}),
      h("a", {href: "/v1/stats?" + csvQ, download: "childmatch-outcomes.csv", class: "button csv", text: t("out_csv")})),
    sum ? h("div", {class: "card"}, h("h3", {text: t("out_chart_bars")}), legend(), h("div", {class: "scroll"}, barChart(sum.months)),
      h("h3", {text: t("out_chart_line")}), h("div", {class: "scroll"}, lineChart(sum.months))) : null,
    places.stats.length ? h("div", {class: "card"}, h("h3", {text: t("out_by_place")}), adminTable("outcomes", heads, rows)) : null);
}

addPage({name: "outcomes", nav: "nav_outcomes", roles: ["admin"], view: outcomesView});
addPage({name: "audit", nav: "nav_audit", roles: ["admin"], view: auditView});
addPage({name: "users", nav: "nav_users", roles: ["admin"], view: usersView});
addPage({name: "posts", nav: "nav_posts", roles: ["admin"], view: postsView});
})();

// actionWords says an audit event's action in the chosen language (its code in the cell's title); an action
// this page has no words for is shown as its code.
function actionWords(action) {
  return known("act_" + action.replace(/\./g, "_"), action);
}

// objectWords are the words of the audit actions whose object is a code of the domain: the outcome a case was
// closed with, why it was erased, the answer given to an alert, the deliveries listed.
const objectWords = {"case.close": "outcome_", "case.delete": "del_", "alert.ack": "ack_", "delivery.list": "delivery_"};

// objectCell shows an audit event's object: in words when it is such a code, else as the id it is.
function objectCell(action, object, short) {
  const words = objectWords[action] && known(objectWords[action] + object, "");
  return words ? h("td", {title: object, text: words}) : h("td", {class: "mono", title: object, text: short(object)});
}
