// childmatch web app: plain JavaScript, no framework. Every element is built with textContent, never
// innerHTML, so nothing typed into a case can become markup.
"use strict";

let dict = {};
let lang = localStorage.getItem("cm_lang") || "en";
let me = null;

// Pages other scripts add (each page's own file, with its own i18n file): addPage({name, nav, roles,
// view, badge}) puts #/name in the menu for users with one of roles; view(parts, query) builds it.
const pages = [];
const i18nFiles = ["/static/i18n.json"];
function addPage(p) { pages.push(p); }

// t is key's words in the chosen language, {name} filled from vars; with vars.n of 1, the key's "_one"
// form where there is one ("1 post", not "1 posts").
function t(key, vars) {
  if (vars && vars.n === 1 && ((dict[lang] && dict[lang][key + "_one"]) || (dict.en && dict.en[key + "_one"]))) key += "_one";
  let s = (dict[lang] && dict[lang][key]) || (dict.en && dict.en[key]) || key;
  for (const [k, v] of Object.entries(vars || {})) s = s.replace("{" + k + "}", v);
  return s;
}

// known is key's words when the dictionary has them, or else is (a code the server sent that has none).
function known(key, orElse) {
  return dict.en && dict.en[key] ? t(key) : orElse;
}

// when is a time as people in India write it, in the chosen language (day before month: 1/12/2026 is the
// first of December), never in the browser's own locale, which may put the month first.
function when(ts) {
  return ts ? new Date(ts).toLocaleString(lang === "hi" ? "hi-IN" : "en-IN") : "";
}

// h builds an element: h("div", {class: "x", onclick: f}, child, "text", ...).
function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "text") el.textContent = v;
    else el.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

function csrf() {
  const m = document.cookie.match(/(?:^|; )cm_csrf=([^;]*)/);
  return m ? m[1] : "";
}

// errorWords says a server error in the user's language: the server writes its messages in English, so
// other languages say what the error's code means, with the server's words only where they name the field.
function errorWords(body, status) {
  const e = (body && body.error) || {};
  if (lang === "en" || !e.code || !(dict[lang] && dict[lang]["err_" + e.code])) {
    return e.message || ("HTTP " + status);
  }
  return t("err_" + e.code, {msg: e.field || ""});
}

class APIError extends Error {
  // retryAfter is the Retry-After of a 429: the seconds to wait, said in the user's language.
  constructor(status, body, retryAfter) {
    super(status === 429 ? t("err_too_many", {secs: retryAfter || "60"}) : errorWords(body, status));
    this.status = status;
    this.field = body && body.error && body.error.field;
  }
}

async function api(method, path, body) {
  const opts = {method, headers: {"X-CSRF-Token": csrf()}, credentials: "same-origin"};
  if (body !== undefined) {
    opts.headers["Content-Type"] = "application/json";
    opts.body = JSON.stringify(body);
  }
  const resp = await fetch(path, opts);
  const data = resp.status === 204 ? null : await resp.json().catch(() => null);
  if (resp.status === 401 && path !== "/web/signin") {
    me = null;
    location.hash = "#/signin";
  }
  if (!resp.ok) throw new APIError(resp.status, data, resp.headers.get("Retry-After"));
  return data;
}

// upload posts a multipart form with progress, since fetch cannot report upload progress.
function upload(path, form, bar) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", path);
    xhr.setRequestHeader("X-CSRF-Token", csrf());
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) bar.value = e.loaded / e.total;
    };
    xhr.onload = () => {
      let data = null;
      try { data = JSON.parse(xhr.responseText); } catch (e) { /* not JSON */ }
      if (xhr.status >= 200 && xhr.status < 300) resolve(data);
      else reject(new APIError(xhr.status, data, xhr.getResponseHeader("Retry-After")));
    };
    xhr.onerror = () => reject(new APIError(0, {error: {message: t("err_network")}}));
    xhr.send(form);
  });
}

function has(...roles) {
  return !!me && me.roles.some((r) => r === "admin" || roles.includes(r));
}

// showError puts a server error next to the field it names, or at the top of the form.
function showError(form, err) {
  form.querySelectorAll(".field-error").forEach((e) => e.remove());
  const msg = err.message || String(err);
  const input = err.field && form.querySelector('[name="' + err.field + '"]');
  const where = input ? input.closest("label") || input : form.querySelector(".form-error-slot");
  where.append(h("p", {class: "field-error", role: "alert", text: msg}));
}

// evidenceWords says how strong a candidate is, in words: the level the service computed for this pair's
// age and time between the photos, and how often a stranger of that age comes this close.
function evidenceWords(e, distance) {
  const words = [t("ev_" + e.level)];
  if (e.false_match_rate > 0) {
    const n = Number((1 / e.false_match_rate).toPrecision(2)); // a rate, not a count: two figures are all it knows
    words.push(t("fmr", {n: n.toLocaleString(lang === "hi" ? "hi-IN" : "en-IN")}));
  }
  return words.join(" · ") + " (" + distance.toFixed(2) + ")";
}

function strong(e) { return e.level === "strong" || e.level === "moderate"; }

function candidateList(cands) {
  if (!cands || cands.length === 0) return h("p", {class: "muted", text: t("no_candidates")});
  return h("ol", {class: "candidates"}, cands.map((c) =>
    h("li", {class: strong(c.evidence) ? "cand near" : "cand"},
      h("img", {src: c.thumbnail_url, alt: t("face_chip"), loading: "lazy"}),
      h("div", {},
        h("a", {href: "#/case/" + c.case.id}, c.case.name || t("name_unknown")),
        h("div", {class: "muted"}, [t("kind_" + c.case.kind), c.case.age ? t("age_years", {n: c.case.age}) : "",
          t("gender_" + c.case.gender), c.case.sighting.district || ""].filter(Boolean).join(" · ")),
        h("div", {class: "dist"}, evidenceWords(c.evidence, c.distance))))));
}

// retakePrompt asks for the photo again while the child is still there, saying in words what to change:
// for every face the service says is too small, blurred or turned for a useful match (quality.retake and
// its reason codes), or when it found no face. onPhoto gets the new photo; null when nothing needs a retake.
function retakePrompt(faces, onPhoto) {
  const reasons = faces.length === 0 ? [t("retake_no_face")] : faces.flatMap((f, i) =>
    f.face.quality && f.face.quality.retake ? (f.face.quality.reasons || []).map((r) =>
      (faces.length > 1 ? t("face_n", {n: i + 1}) + ": " : "") + t("retake_" + r)) : []);
  if (reasons.length === 0) return null;
  const photo = photoInput();
  photo.required = false;
  photo.addEventListener("change", () => { if (photo.files[0]) onPhoto(photo.files[0]); });
  return h("div", {class: "warn retake", role: "alert"},
    h("p", {}, h("strong", {text: t("retake_title")})),
    h("ul", {}, reasons.map((r) => h("li", {text: r}))),
    h("label", {}, h("span", {text: t("btn_retake")}), photo));
}

function facesResult(res, onRetake) {
  const faces = res.faces || [];
  return h("section", {class: "result"},
    h("h3", {text: t("faces_found", {n: faces.length})}),
    retakePrompt(faces, onRetake),
    faces.map((f, i) => h("div", {class: "face-result"},
      faces.length > 1 ? h("h4", {text: t("face_n", {n: i + 1})}) : null,
      candidateList(f.candidates))));
}

function field(name, key, input) {
  input.setAttribute("name", name);
  return h("label", {}, h("span", {text: t(key)}), input);
}

function photoInput() {
  return h("input", {type: "file", accept: "image/*", capture: "environment", required: true});
}

function caseForm(kind) {
  const photo = photoInput();
  const bar = h("progress", {max: 1, value: 0, hidden: true});
  const out = h("div");
  const gender = h("select", {}, ["unknown", "female", "male", "other"].map((g) => h("option", {value: g, text: t("gender_" + g)})));
  const form = h("form", {class: "card"},
    h("h2", {text: t(kind === "found" ? "title_found" : "title_missing")}),
    h("div", {class: "form-error-slot"}),
    h("fieldset", {}, h("legend", {text: t("sec_child")}),
      field("child.name", "f_name", h("input", {autocomplete: "off"})),
      field("child.age", "f_age", h("input", {type: "number", min: 0, max: 25, inputmode: "numeric"})),
      kind === "found" ? field("child.age_estimated", "f_age_estimated", h("input", {type: "checkbox", checked: true})) : null,
      field("child.gender", "f_gender", gender),
      field("child.languages", "f_languages", h("input", {placeholder: t("ph_languages")})),
      field("child.description", "f_description", h("textarea", {rows: 2})),
      field("child.identifying_marks", "f_marks", h("textarea", {rows: 2}))),
    h("fieldset", {}, h("legend", {text: t(kind === "found" ? "sec_found_where" : "sec_missing_where")}),
      field("sighting.place", "f_place", h("input")),
      field("sighting.station", "f_station", h("input")),
      field("sighting.district", "f_district", h("input")),
      field("sighting.state", "f_state", h("input")),
      field("sighting.time", "f_time", h("input", {type: "datetime-local"}))),
    kind === "missing" ? h("fieldset", {}, h("legend", {text: t("sec_refs")}),
      field("references.fir", "f_fir", h("input")),
      field("references.gd", "f_gd", h("input")),
      field("references.childline", "f_childline", h("input")),
      field("references.cwc", "f_cwc", h("input"))) : null,
    h("fieldset", {}, h("legend", {text: t("sec_reporter")}),
      field("reporter.name", "f_reporter_name", h("input")),
      field("reporter.organisation", "f_reporter_org", h("input", {value: me.organisation || ""})),
      field("reporter.phone", "f_reporter_phone", h("input", {type: "tel"}))),
    h("label", {}, h("span", {text: t("f_photo")}), photo),
    bar,
    h("button", {type: "submit", class: "primary", text: t("btn_save_match")}));
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const v = (n) => form.querySelector('[name="' + n + '"]');
    const text = (n) => (v(n) ? v(n).value.trim() : "");
    const body = {
      kind,
      child: {name: text("child.name"), age: Number(text("child.age") || 0), gender: text("child.gender"),
        age_estimated: kind === "found" && v("child.age_estimated").checked,
        languages: text("child.languages").split(",").map((s) => s.trim()).filter(Boolean),
        description: text("child.description"), identifying_marks: text("child.identifying_marks")},
      sighting: {place: text("sighting.place"), station: text("sighting.station"), district: text("sighting.district"),
        state: text("sighting.state")},
      references: {fir: text("references.fir"), gd: text("references.gd"), childline: text("references.childline"),
        cwc: text("references.cwc")},
      reporter: {name: text("reporter.name"), organisation: text("reporter.organisation"), phone: text("reporter.phone")},
    };
    if (text("sighting.time")) body.sighting.time = new Date(text("sighting.time")).toISOString();
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      // Without network the report waits on the phone and is sent when the network returns (offline.js).
      if (window.offlineSubmit && await offlineSubmit(body, photo.files[0], out)) return;
      const c = await api("POST", "/v1/cases", body);
      const fd = new FormData();
      fd.append("photo", photo.files[0]);
      bar.hidden = false;
      let res;
      try {
        res = await upload("/v1/cases/" + c.id + "/photos", fd, bar);
      } catch (err) {
        err.field = "photo";
        showError(form, err);
        out.replaceChildren(h("p", {}, h("a", {href: "#/case/" + c.id, text: t("case_saved_no_photo")})));
        return;
      }
      // A photo taken again is added to the same case, and its answer replaces the first one's.
      const show = (res, added) => {
        out.replaceChildren(h("p", {class: "ok"}, t(added ? "retake_added" : "case_saved"), " ",
          h("a", {href: "#/case/" + c.id, text: t("open_case")})),
        facesResult(res, async (file) => {
          const again = new FormData();
          again.append("photo", file);
          bar.hidden = false;
          try {
            show(await upload("/v1/cases/" + c.id + "/photos", again, bar), true);
          } catch (err) {
            err.field = "photo";
            showError(form, err);
          } finally {
            bar.hidden = true;
          }
        }));
        out.scrollIntoView({behavior: "smooth"});
      };
      show(res, false);
    } catch (err) {
      showError(form, err);
    } finally {
      button.disabled = false;
      bar.hidden = true;
    }
  });
  return h("div", {}, form, out);
}

function checkView() {
  const photo = photoInput();
  photo.setAttribute("name", "photo");
  const bar = h("progress", {max: 1, value: 0, hidden: true});
  const kind = h("select", {name: "kind"}, ["missing", "found", "any"].map((k) => h("option", {value: k, text: t("search_" + k)})));
  const out = h("div");
  const form = h("form", {class: "card"},
    h("h2", {text: t("title_check")}),
    h("p", {class: "muted", text: t("check_help")}),
    h("div", {class: "form-error-slot"}),
    h("label", {}, h("span", {text: t("f_photo")}), photo),
    h("label", {}, h("span", {text: t("f_search_in")}), kind),
    bar,
    h("button", {type: "submit", class: "primary", text: t("btn_check")}));
  const check = async (file) => {
    const fd = new FormData();
    fd.append("photo", file);
    fd.append("kind", kind.value);
    bar.hidden = false;
    try {
      out.replaceChildren(facesResult(await upload("/v1/search", fd, bar), check));
    } catch (err) {
      showError(form, err);
    } finally {
      bar.hidden = true;
    }
  };
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    check(photo.files[0]);
  });
  return h("div", {}, form, out);
}

function summary(s) {
  return h("dl", {class: "summary"},
    h("dt", {text: t("f_name")}), h("dd", {text: s.name || t("name_unknown")}),
    h("dt", {text: t("f_age")}), h("dd", {text: s.age ? t("age_years", {n: s.age}) : t("unknown")}),
    h("dt", {text: t("f_gender")}), h("dd", {text: t("gender_" + s.gender)}),
    h("dt", {text: t("f_where")}), h("dd", {text: [s.sighting.station, s.sighting.district, s.sighting.state].filter(Boolean).join(", ") || t("unknown")}),
    h("dt", {text: t("f_status")}), h("dd", {text: t("status_" + s.status)}));
}

async function reviewsView() {
  const data = await api("GET", "/v1/reviews?state=pending");
  const items = data.reviews;
  let i = 0;
  const box = h("div");
  const render = () => {
    if (items.length === 0) {
      box.replaceChildren(h("div", {class: "card"}, h("h2", {text: t("title_reviews")}), h("p", {text: t("queue_empty")})));
      return;
    }
    const r = items[i];
    const note = h("textarea", {rows: 2, name: "note", placeholder: t("ph_note")});
    const errSlot = h("div", {class: "form-error-slot"});
    const decide = async (state) => {
      try {
        await api("POST", "/v1/reviews/" + r.id + "/decision", {state, note: note.value});
        items.splice(i, 1);
        i = Math.min(i, Math.max(0, items.length - 1));
        render();
      } catch (err) {
        errSlot.replaceChildren(h("p", {class: "field-error", role: "alert", text: err.message}));
      }
    };
    const side = (label, s, photo, caseURL) => h("div", {class: "side"},
      h("h3", {text: label}),
      h("img", {class: "orig", src: photo, alt: t("original_photo"), loading: "lazy"}),
      summary(s),
      h("a", {href: "#/case/" + caseURL.split("/").pop(), text: t("open_case")}));
    box.replaceChildren(h("div", {class: "card review"},
      h("h2", {text: t("title_reviews") + " · " + (i + 1) + " / " + items.length}),
      h("p", {class: "type", text: t("type_" + r.type)}),
      (r.notes || []).filter((n) => n.warning).map((n) => h("p", {class: "warn", role: "note", text: t("note_" + n.kind) + ": " + n.message})),
      (r.notes || []).filter((n) => !n.warning).map((n) => h("p", {class: "muted", text: n.message})),
      h("p", {class: "dist big"}, evidenceWords(r.evidence, r.distance) + " · " + t("support", {n: r.support})),
      r.reason ? h("p", {class: "muted", text: t("reason_" + r.reason)}) : null,
      h("div", {class: "chips"},
        h("figure", {}, h("img", {src: r.chip_a_url, alt: t("face_chip")}), h("figcaption", {text: t("type_" + r.type + "_a")})),
        h("figure", {}, h("img", {src: r.chip_b_url, alt: t("face_chip")}), h("figcaption", {text: t("type_" + r.type + "_b")}))),
      h("div", {class: "pair"},
        side(t("type_" + r.type + "_a"), r.case_a_summary, r.photo_a_url, r.case_a_url),
        side(t("type_" + r.type + "_b"), r.case_b_summary, r.photo_b_url, r.case_b_url)),
      h("label", {}, h("span", {text: t("f_note")}), note),
      errSlot,
      h("div", {class: "buttons"},
        h("button", {class: "confirm", onclick: () => decide("confirmed"), text: t("btn_confirm")}),
        h("button", {class: "reject", onclick: () => decide("rejected"), text: t("btn_reject")}),
        h("button", {onclick: () => decide("unsure"), text: t("btn_unsure")})),
      h("p", {class: "muted small", text: t("shortcuts")})));
    box.onkey = (k) => {
      if (k === "c") decide("confirmed");
      if (k === "r") decide("rejected");
      if (k === "u") decide("unsure");
      if (k === "j" && i < items.length - 1) { i++; render(); }
      if (k === "k" && i > 0) { i--; render(); }
    };
  };
  render();
  return box;
}

function photoWithBoxes(p) {
  const fig = h("figure", {class: "boxed"}, h("img", {src: p.url, alt: t("original_photo"), loading: "lazy"}));
  for (const f of p.faces) {
    // Boxes are in the photo's pixels; as percentages they follow the displayed size. Set through the
    // CSSOM: the Content-Security-Policy refuses inline style attributes.
    const b = f.box;
    const box = h("span", {class: f.quality.low ? "facebox low" : "facebox"});
    Object.assign(box.style, {left: (100 * b.min.x / p.width) + "%", top: (100 * b.min.y / p.height) + "%",
      width: (100 * (b.max.x - b.min.x) / p.width) + "%", height: (100 * (b.max.y - b.min.y) / p.height) + "%"});
    fig.append(box);
  }
  return fig;
}

async function caseView(id) {
  const c = await api("GET", "/v1/cases/" + id);
  const rows = [
    ["f_kind", t("kind_" + c.kind)], ["f_status", t("status_" + c.status)], ["f_name", c.child.name],
    ["f_age", c.child.age ? t("age_years", {n: c.child.age}) + (c.child.age_estimated ? " " + t("estimated") : "") : ""],
    ["f_gender", t("gender_" + c.child.gender)], ["f_languages", (c.child.languages || []).join(", ")],
    ["f_description", c.child.description], ["f_marks", c.child.identifying_marks],
    ["f_where", [c.sighting.place, c.sighting.station, c.sighting.district, c.sighting.state].filter(Boolean).join(", ")],
    ["f_time", c.sighting.time && !c.sighting.time.startsWith("0001") ? when(c.sighting.time) : ""],
    ["f_fir", c.references.fir], ["f_gd", c.references.gd], ["f_childline", c.references.childline], ["f_cwc", c.references.cwc],
    ["f_reporter_name", c.reporter.name], ["f_reporter_org", c.reporter.organisation], ["f_reporter_phone", c.reporter.phone],
  ].filter(([, v]) => v);
  const page = h("div", {},
    h("div", {class: "card"},
      h("h2", {text: (c.child.name || t("name_unknown")) + " · " + t("kind_" + c.kind)}),
      h("dl", {class: "summary"}, rows.map(([k, v]) => [h("dt", {text: t(k)}), h("dd", {text: v})])),
      c.outcome ? h("p", {class: "ok", text: t("closed_as", {o: t("outcome_" + c.outcome.kind)})}) : null,
      (c.links || []).map((l) => h("p", {}, t("linked_" + l.type) + " ", h("a", {href: "#/case/" + l.case, text: t("open_case")})))),
    h("div", {class: "card"}, h("h3", {text: t("sec_photos")}),
      c.photos.length ? h("div", {class: "photos"}, c.photos.map(photoWithBoxes)) : h("p", {class: "muted", text: t("no_photos")})),
    h("div", {class: "card"}, h("h3", {text: t("sec_candidates")}), candidateList(c.candidates)));
  if (window.caseAlert) page.append(await caseAlert(c)); // its alert, card and share (alerts.js)
  if (has("reviewer")) {
    const hist = await api("GET", "/v1/reviews?case=" + id);
    const decision = (d) => h("li", {class: "muted",
      text: when(d.at) + " · " + t("state_" + d.state) + (d.note ? " · " + d.note : "")});
    const item = (r) => h("li", {},
      t("type_" + r.type) + " · " + t("state_" + r.state) + " · " + t("ev_" + r.evidence.level) + " (" + r.distance.toFixed(2) + ")",
      h("ul", {}, r.history.map(decision)));
    page.append(h("div", {class: "card"}, h("h3", {text: t("sec_history")}),
      hist.reviews.length === 0 ? h("p", {class: "muted", text: t("no_history")}) : h("ul", {}, hist.reviews.map(item))));
  }
  if (has("officer", "reviewer") && c.status !== "closed") {
    const outcome = h("select", {name: "outcome"}, ["reunited", "transferred", "other"].map((o) => h("option", {value: o, text: t("outcome_" + o)})));
    const note = h("input", {name: "note"});
    const form = h("form", {class: "card"}, h("h3", {text: t("sec_close")}), h("div", {class: "form-error-slot"}),
      h("label", {}, h("span", {text: t("f_outcome")}), outcome), h("label", {}, h("span", {text: t("f_note")}), note),
      h("button", {type: "submit", text: t("btn_close")}));
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      try {
        await api("POST", "/v1/cases/" + id + "/close", {outcome: outcome.value, note: note.value});
        route();
      } catch (err) {
        showError(form, err);
      }
    });
    page.append(form);
  }
  return page;
}

async function casesView(params) {
  const q = new URLSearchParams(params);
  const kind = h("select", {name: "kind", "aria-label": t("f_kind")}, ["", "missing", "found"].map((k) => h("option", {value: k, text: t(k ? "kind_" + k : "all")})));
  const status = h("select", {name: "status", "aria-label": t("f_status")}, ["", "open", "matched", "closed"].map((s) => h("option", {value: s, text: t(s ? "status_" + s : "all")})));
  const state = h("input", {name: "state", placeholder: t("f_state"), "aria-label": t("f_state")});
  const text = h("input", {name: "q", type: "search", placeholder: t("ph_search"), "aria-label": t("ph_search")});
  kind.value = q.get("kind") || "";
  status.value = q.get("status") || "";
  state.value = q.get("state") || "";
  text.value = q.get("q") || "";
  // The filters run on the server, over every case, so a page holds what they select.
  const api_q = new URLSearchParams({limit: 50});
  for (const [k, el] of [["kind", kind], ["status", status], ["state", state], ["q", text]]) if (el.value.trim()) api_q.set(k, el.value.trim());
  if (q.get("cursor")) api_q.set("cursor", q.get("cursor"));
  const page = await api("GET", "/v1/cases?" + api_q);
  const apply = (extra) => {
    const p = new URLSearchParams({kind: kind.value, status: status.value, state: state.value.trim(), q: text.value.trim(), ...extra});
    for (const [k, v] of [...p]) if (!v) p.delete(k);
    location.hash = "#/cases?" + p;
  };
  const chip = (c) => {
    const f = c.photos.flatMap((p) => p.faces).find((x) => x.chip_url);
    return f ? h("img", {class: "chip", src: f.chip_url, alt: t("face_chip"), loading: "lazy"}) : h("span", {class: "chip none", "aria-hidden": "true"});
  };
  const filters = h("form", {class: "filters"}, kind, status, state, text, h("button", {type: "submit", text: t("btn_filter")}));
  filters.addEventListener("submit", (ev) => { ev.preventDefault(); apply({}); });
  return h("div", {class: "card"}, h("h2", {text: t("title_cases")}), filters,
    page.cases.length === 0 ? h("p", {class: "muted", text: t("no_cases")}) :
      h("table", {class: "cases"},
        h("thead", {}, h("tr", {}, ["face_chip", "f_name", "f_kind", "f_status", "f_state", "f_created"].map((k) => h("th", {text: t(k)})))),
        h("tbody", {}, page.cases.map((c) => h("tr", {},
          h("td", {}, chip(c)),
          h("td", {}, h("a", {href: "#/case/" + c.id, text: c.child.name || t("name_unknown")})),
          h("td", {text: t("kind_" + c.kind)}), h("td", {text: t("status_" + c.status)}),
          h("td", {text: [c.sighting.district, c.sighting.state].filter(Boolean).join(", ")}), h("td", {text: c.created_at.slice(0, 10)}))))),
    page.next_cursor ? h("button", {onclick: () => apply({cursor: page.next_cursor}), text: t("btn_next")}) : null);
}

function signInView() {
  const token = h("input", {type: "password", name: "token", autocomplete: "current-password", required: true});
  const form = h("form", {class: "card narrow"},
    h("h2", {text: t("title_signin")}),
    h("p", {class: "muted", text: t("signin_help")}),
    h("div", {class: "form-error-slot"}),
    h("label", {}, h("span", {text: t("f_token")}), token),
    h("button", {type: "submit", class: "primary", text: t("btn_signin")}));
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    try {
      me = await api("POST", "/web/signin", {token: token.value});
      location.hash = home();
    } catch (err) {
      showError(form, err);
    }
  });
  return form;
}

function home() {
  if (has("reviewer")) return "#/reviews";
  if (has("officer")) return "#/check";
  return "#/found";
}

function nav() {
  const links = [
    ["#/found", "nav_found", has("shelter", "officer")],
    ["#/missing", "nav_missing", has("officer")],
    ["#/check", "nav_check", has("officer")],
    ["#/reviews", "nav_reviews", has("reviewer")],
    ["#/cases", "nav_cases", has("shelter", "officer", "reviewer")],
    ...pages.filter((p) => p.nav).map((p) => ["#/" + p.name, p.nav, has(...p.roles), p.badge]),
  ].filter(([, , ok]) => ok);
  const el = document.getElementById("nav");
  // A page's badge() is a count to show beside its link (the alerts not yet answered); 0 shows none.
  el.replaceChildren(...links.map(([href, key, , badge]) => {
    const n = badge ? badge() : 0;
    return h("a", {href, class: location.hash.startsWith(href) ? "active" : null}, t(key), n ? h("span", {class: "badge", text: n}) : null);
  }));
  document.getElementById("who").textContent = me ? me.name + (me.organisation ? " · " + me.organisation : "") : "";
  document.getElementById("signout").hidden = !me;
}

let keyHandler = null;
let routing = 0; // the latest route(): an earlier one still loading does not overwrite its page

async function route() {
  const ticket = ++routing;
  const main = document.getElementById("main");
  const hash = location.hash;
  const [path, query] = (hash.slice(1) || "/").split("?");
  const parts = path.split("/").filter(Boolean);
  if (!me && parts[0] !== "signin") {
    try { me = await api("GET", "/web/me"); } catch (e) { location.hash = "#/signin"; return; }
  }
  nav();
  keyHandler = null;
  let view;
  try {
    switch (parts[0]) {
      case "signin": view = signInView(); break;
      case "found": view = caseForm("found"); break;
      case "missing": view = caseForm("missing"); break;
      case "check": view = checkView(); break;
      case "reviews": view = await reviewsView(); keyHandler = view; break;
      case "case": view = await caseView(parts[1]); break;
      case "cases": view = await casesView(query || ""); break;
      default: {
        const p = pages.find((x) => x.name === parts[0]);
        if (!p) { location.hash = home(); return; }
        view = await p.view(parts, query || "");
      }
    }
  } catch (err) {
    view = h("div", {class: "card"}, h("p", {class: "field-error", role: "alert", text: err.message}));
  }
  if (ticket !== routing) return;
  main.replaceChildren(view);
  document.title = t("app_name");
}

// translateStatic fills every element of the page shell marked data-i18n.
function translateStatic() {
  document.documentElement.lang = lang;
  document.querySelectorAll("[data-i18n]").forEach((el) => { el.textContent = t(el.dataset.i18n); });
}

document.addEventListener("keydown", (ev) => {
  if (!keyHandler || !keyHandler.onkey || ev.ctrlKey || ev.metaKey || ev.altKey) return;
  if (["INPUT", "TEXTAREA", "SELECT"].includes(document.activeElement.tagName)) return;
  keyHandler.onkey(ev.key);
});

async function start() {
  dict = {};
  for (const part of await Promise.all(i18nFiles.map(async (f) => (await fetch(f)).json()))) {
    for (const [l, words] of Object.entries(part)) dict[l] = Object.assign(dict[l] || {}, words);
  }
  const picker = document.getElementById("lang");
  picker.value = lang;
  picker.addEventListener("change", () => {
    lang = picker.value;
    localStorage.setItem("cm_lang", lang);
    translateStatic();
    route();
  });
  document.getElementById("signout").addEventListener("click", async () => {
    await api("POST", "/web/signout").catch(() => null);
    me = null;
    location.hash = "#/signin";
  });
  translateStatic();
  window.addEventListener("hashchange", route);
  route();
}

// Page scripts load after this one (all deferred), so start once the document is parsed.
document.addEventListener("DOMContentLoaded", start);
