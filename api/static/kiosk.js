/* sipas kiosk: renders the embedded questionnaire, one section per screen, for a tablet at a counter.
   Submissions are queued in localStorage and re-sent with the same id until the server acknowledges them. */
(function () {
  "use strict";
  var cfg = JSON.parse(document.getElementById("kiosk-config").textContent);
  var def = cfg.definition;
  var app = document.getElementById("app");
  var statusEl = document.getElementById("k-status");
  var QKEY = "sipas.kiosk.queue";
  var DKEY = "sipas.kiosk.device";
  var SCALES = { likert5: 1, likert4: 1, rating3: 1 };

  /* ---------- device pairing: #device=<token> (the fragment never reaches the server) ---------- */
  function pair() {
    var m = /(?:^#|&)device=([^&]+)/.exec(location.hash || "");
    if (!m) return false;
    try { localStorage.setItem(DKEY, decodeURIComponent(m[1])); } catch (e) { /* storage full */ }
    history.replaceState(history.state, "", location.pathname + location.search);
    return true;
  }
  pair();
  function device() { try { return localStorage.getItem(DKEY) || ""; } catch (e) { return ""; } }
  var unregistered = !device();
  window.addEventListener("hashchange", function () {
    if (pair()) { unregistered = false; backoff = 0; showStatus(); flush(); }
  });

  /* ---------- state ---------- */
  var lang = cfg.lang === "en" ? "en" : "vi";
  var answers = {}, screen = "start", current = null, startedAt = null, formId = null;
  var lastActivity = Date.now(), thanksAt = 0;

  function t(key, n) {
    var s = cfg.strings[key];
    var text = s ? (s[lang] || s.vi) : key;
    return n === undefined ? text : text.replace("{n}", n);
  }
  function label(obj) { return obj ? (lang === "en" && obj.en ? obj.en : obj.vi) : ""; }
  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = new Uint8Array(16); crypto.getRandomValues(b);
    b[6] = (b[6] & 15) | 64; b[8] = (b[8] & 63) | 128;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }
  function el(tag, attrs, kids) {
    var e = document.createElement(tag);
    if (attrs) Object.keys(attrs).forEach(function (k) {
      if (k === "text") e.textContent = attrs[k];
      else if (k === "cls") e.className = attrs[k];
      else e.setAttribute(k, attrs[k]);
    });
    (kids || []).forEach(function (c) { if (c) e.appendChild(c); });
    return e;
  }

  /* ---------- display logic: the same rules as the server's engine ---------- */
  function same(a, b) { return a !== null && a !== undefined && typeof a === typeof b && a === b; }
  function test(c, eff) {
    switch (c.op) {
      case "equals": return same(eff[c.item], c.value);
      case "in": return c.values.some(function (x) { return same(eff[c.item], x); });
      case "contains": return Array.isArray(eff[c.item]) && eff[c.item].indexOf(c.value) >= 0;
      case "answered": return eff[c.item] !== undefined && eff[c.item] !== null;
      case "not": return !test(c.cond, eff);
      case "all": return c.conds.every(function (x) { return test(x, eff); });
      case "any": return c.conds.some(function (x) { return test(x, eff); });
    }
    return true;
  }
  var sectionIf = {};
  def.sections.forEach(function (s) { sectionIf[s.code] = s.show_if || null; });
  function empty(v) { return v === undefined || v === null || v === "" || (Array.isArray(v) && !v.length); }
  function visibleItems(ans) {
    var eff = {}, out = [], prev = null, on = true;
    def.items.forEach(function (it) {
      if (it.section !== prev) { on = !sectionIf[it.section] || test(sectionIf[it.section], eff); prev = it.section; }
      if (!on || (it.show_if && !test(it.show_if, eff))) return;
      out.push(it.code);
      if (!empty(ans[it.code])) eff[it.code] = ans[it.code];
    });
    return out;
  }
  function visibleSections(ans) {
    var seen = {}, out = [], byCode = {};
    def.items.forEach(function (it) { byCode[it.code] = it; });
    visibleItems(ans).forEach(function (c) {
      var s = byCode[c].section;
      if (!seen[s]) { seen[s] = 1; out.push(s); }
    });
    return out;
  }
  function pruned(ans) {
    var out = {};
    visibleItems(ans).forEach(function (c) { if (!empty(ans[c])) out[c] = ans[c]; });
    return out;
  }

  /* ---------- queue ---------- */
  function loadQueue() { try { return JSON.parse(localStorage.getItem(QKEY) || "[]"); } catch (e) { return []; } }
  function saveQueue(q) { try { localStorage.setItem(QKEY, JSON.stringify(q)); } catch (e) { console.warn("kiosk: queue not saved"); } }
  function showStatus() {
    var n = loadQueue().length, parts = [];
    if (unregistered) parts.push(t("unregistered"));
    if (n) parts.push(t("pending", n));
    statusEl.textContent = parts.join(" · ");
    statusEl.hidden = !parts.length;
  }
  var flushing = false, retryTimer = null, backoff = 0;
  function schedule() {
    if (retryTimer) clearTimeout(retryTimer);
    var delay = Math.min(60000, 1000 * Math.pow(2, backoff)) * (0.75 + Math.random() / 2);
    backoff = Math.min(backoff + 1, 6);
    retryTimer = setTimeout(flush, delay);
  }
  function flush() {
    if (flushing) return;
    var q = loadQueue();
    if (!q.length) { backoff = 0; showStatus(); return; }
    flushing = true;
    var item = q[0];
    var headers = { "Content-Type": "application/json", "Accept": "application/json" };
    if (device()) headers["X-Kiosk-Device"] = device();
    fetch("/api/v1/submissions", { method: "POST", headers: headers, body: JSON.stringify(item), credentials: "omit", cache: "no-store" })
      .then(function (r) {
        if (r.status === 200 || r.status === 201) return "done";
        return r.json().catch(function () { return {}; }).then(function (p) {
          if (r.status === 409 && p.type === "urn:sipas:problem:conflict") return "done";
          if (r.status === 401) return "unauthorised";
          if (r.status === 429 || r.status >= 500) return "retry";
          console.warn("kiosk: submission dropped", r.status, p.type || "", p.detail || "");
          return "drop";
        });
      }, function () { return "retry"; })
      .then(function (outcome) {
        flushing = false;
        if (outcome === "done" || outcome === "drop") {
          var rest = loadQueue().filter(function (x) { return x.id !== item.id; });
          saveQueue(rest);
          backoff = 0;
          if (outcome === "done") unregistered = !device();
          showStatus();
          if (rest.length) setTimeout(flush, 0);
          return;
        }
        if (outcome === "unauthorised") unregistered = true;
        showStatus();
        schedule();
      });
  }
  function enqueue(body) {
    var q = loadQueue();
    if (!q.some(function (x) { return x.id === body.id; })) q.push(body);
    saveQueue(q);
    showStatus();
    backoff = 0;
    flush();
  }
  window.addEventListener("online", function () { backoff = 0; flush(); });

  /* ---------- screens ---------- */
  function bar(step) {
    var sw = el("button", { type: "button", cls: "lang", lang: lang === "en" ? "vi" : "en", id: "k-lang", text: lang === "en" ? "Tiếng Việt" : "English" });
    sw.addEventListener("click", function () { collect(); lang = lang === "en" ? "vi" : "en"; render(); });
    return el("div", { cls: "bar" }, [el("p", { cls: "progress", text: step || "" }), sw]);
  }
  function header() {
    return el("header", { cls: "top" }, [el("div", { cls: "wrap" }, [
      el("p", { cls: "agency", text: label(cfg.agency) }), el("p", { cls: "point", text: label(cfg.point) })])]);
  }
  function choicesOf(it) {
    if (SCALES[it.type]) {
      var out = def.scales[it.scale].points.map(function (p) { return { v: p.value, l: label(p.labels) }; });
      if (it.allow_dont_know) out.push({ v: 0, l: label(def.dont_know_label), dk: 1 });
      return out;
    }
    if (it.type === "yesno") return [{ v: true, l: t("yes") }, { v: false, l: t("no") }];
    var opts = (it.options || []).map(function (o) { return { v: o.code, l: label(o.labels) }; });
    if (it.type === "single" && it.allow_dont_know) opts.push({ v: "DK", l: label(def.dont_know_label), dk: 1 });
    return opts;
  }

  function renderStart() {
    document.documentElement.lang = lang;
    var go = el("button", { type: "button", cls: "primary k-big", id: "k-start", text: t("start") });
    go.addEventListener("click", function () {
      var d = document.documentElement;
      if (d.requestFullscreen && !document.fullscreenElement) d.requestFullscreen().catch(function () {});
      answers = {}; formId = uuid(); startedAt = new Date().toISOString();
      current = visibleSections(answers)[0]; screen = "section"; render();
    });
    var langs = el("div", { cls: "k-langs" }, ["vi", "en"].map(function (l) {
      var b = el("button", { type: "button", cls: "lang" + (l === lang ? " on" : ""), lang: l, "aria-pressed": String(l === lang), text: l === "vi" ? "Tiếng Việt" : "English" });
      b.addEventListener("click", function () { lang = l; render(); });
      return b;
    }));
    app.replaceChildren(header(), el("main", { cls: "wrap k-start", id: "main" }, [
      el("h1", { text: label(def.title) }), el("p", { cls: "lead", text: t("start_intro") }), go, langs]));
  }

  function itemBlock(it, errors) {
    var wrap = el("div", { cls: "q" + (errors[it.code] ? " has-error" : ""), id: "q-" + it.code, "data-code": it.code });
    var ref = it.ref ? el("span", { cls: "ref", text: it.ref + ". " }) : null;
    var opt = it.required ? null : el("span", { cls: "opt", text: " (" + t("optional") + ")" });
    var err = errors[it.code] ? el("p", { cls: "error", id: it.code + "-err", text: errors[it.code] }) : null;
    if (it.type === "text" || it.type === "number") {
      var lab = el("label", { cls: "qlabel", "for": it.code }, [ref, document.createTextNode(label(it.labels)), opt]);
      var input = it.type === "text"
        ? el("textarea", { id: it.code, rows: "3", maxlength: String(it.max_length || 2000) })
        : el("input", { id: it.code, type: "text", inputmode: "decimal", cls: "num" });
      input.value = answers[it.code] === undefined ? "" : String(answers[it.code]);
      if (err) { input.setAttribute("aria-describedby", it.code + "-err"); input.setAttribute("aria-invalid", "true"); }
      wrap.append(lab, err || "", input);
      return wrap;
    }
    var fs = el("fieldset", err ? { "aria-describedby": it.code + "-err" } : {});
    fs.appendChild(el("legend", {}, [ref, document.createTextNode(label(it.labels)), opt]));
    if (err) fs.appendChild(err);
    var box = el("div", { cls: "choices" + (choicesOf(it).length > 3 ? " many" : "") });
    choicesOf(it).forEach(function (c, i) {
      var id = it.code + "-" + i;
      var cur = answers[it.code];
      var checked = it.type === "multi" ? (Array.isArray(cur) && cur.indexOf(c.v) >= 0) : cur === c.v;
      var inp = el("input", { type: it.type === "multi" ? "checkbox" : "radio", name: it.code, id: id });
      inp.checked = checked;
      inp.addEventListener("change", function () {
        if (it.type === "multi") {
          var list = (answers[it.code] || []).filter(function (x) { return x !== c.v; });
          if (inp.checked) list.push(c.v);
          answers[it.code] = list;
        } else {
          answers[it.code] = c.v;
        }
        refreshVisibility();
      });
      box.appendChild(el("div", { cls: "choice" + (c.dk ? " dk" : "") }, [inp, el("label", { "for": id, text: c.l })]));
    });
    fs.appendChild(box);
    wrap.appendChild(fs);
    return wrap;
  }
  function collect() {
    if (screen !== "section") return;
    app.querySelectorAll("textarea, input.num").forEach(function (inp) {
      var it = def.items.filter(function (x) { return x.code === inp.id; })[0];
      var v = inp.value.trim();
      if (!v) { delete answers[it.code]; return; }
      if (it.type === "number") {
        var n = Number(v.replace(",", "."));
        answers[it.code] = isFinite(n) ? n : v;
      } else answers[it.code] = inp.value;
    });
  }
  function refreshVisibility() {
    var vis = {};
    visibleItems(answers).forEach(function (c) { vis[c] = 1; });
    app.querySelectorAll(".q[data-code]").forEach(function (q) { q.hidden = !vis[q.getAttribute("data-code")]; });
  }
  function renderSection(errors) {
    errors = errors || {};
    document.documentElement.lang = lang;
    var sections = visibleSections(answers);
    var n = sections.indexOf(current) + 1, total = sections.length;
    var sec = def.sections.filter(function (s) { return s.code === current; })[0];
    var main = el("main", { cls: "wrap", id: "main" }, [bar(t("step").replace("{n}", n).replace("{total}", total))]);
    main.appendChild(el("progress", { cls: "meter", max: String(total), value: String(n), "aria-hidden": "true" }));
    var codes = Object.keys(errors);
    if (codes.length) {
      var ul = el("ul");
      codes.forEach(function (c) {
        var it = def.items.filter(function (x) { return x.code === c; })[0], q = label(it.labels);
        if (q.length > 70) q = q.slice(0, 69) + "…";
        var a = el("a", { href: "#q-" + c, text: (it.ref ? it.ref + ". " : "") + q + " – " + errors[c] });
        a.addEventListener("click", function (ev) { ev.preventDefault(); var f = document.querySelector("#q-" + c + " input, #q-" + c + " textarea"); if (f) f.focus(); });
        ul.appendChild(el("li", {}, [a]));
      });
      main.appendChild(el("div", { cls: "error-summary", role: "alert", tabindex: "-1", id: "error-summary" }, [el("h2", { text: t("error_title") }), ul]));
    }
    main.appendChild(el("h1", { text: label(sec.title) }));
    def.items.forEach(function (it) { if (it.section === current) main.appendChild(itemBlock(it, errors)); });
    var next = el("button", { type: "button", cls: "primary", id: "k-next", text: sections.indexOf(current) === total - 1 ? t("submit") : t("next") });
    next.addEventListener("click", onNext);
    var actions = el("div", { cls: "actions" }, [next]);
    if (n > 1) {
      var back = el("button", { type: "button", cls: "secondary", id: "k-back", text: t("back") });
      back.addEventListener("click", function () { collect(); var s = visibleSections(answers); current = s[Math.max(0, s.indexOf(current) - 1)]; render(); });
      actions.appendChild(back);
    }
    main.appendChild(actions);
    app.replaceChildren(header(), main);
    refreshVisibility();
    var summary = document.getElementById("error-summary");
    if (summary) summary.focus(); else window.scrollTo(0, 0);
  }
  function onNext() {
    collect();
    var vis = visibleItems(answers), errors = {};
    def.items.forEach(function (it) {
      if (it.section !== current || vis.indexOf(it.code) < 0) return;
      var v = answers[it.code];
      if (empty(v)) { if (it.required) errors[it.code] = t("required"); return; }
      if (it.type === "number" && typeof v !== "number") errors[it.code] = t("number");
    });
    if (Object.keys(errors).length) { renderSection(errors); return; }
    var sections = visibleSections(answers), i = sections.indexOf(current);
    if (i < sections.length - 1) { current = sections[i + 1]; render(); return; }
    finish();
  }
  function body(complete) {
    var b = { id: formId, token: cfg.token, answers: pruned(answers), channel: "kiosk", language: lang,
      started_at: startedAt, submitted_at: new Date().toISOString(), questionnaire_version: cfg.version };
    if (!complete) b.complete = false;  /* break-off kept for the statistics (wave setting kiosk_idle = keep) */
    return b;
  }
  function finish() {
    enqueue(body(true));
    screen = "thanks"; thanksAt = Date.now(); render();
  }
  function renderThanks() {
    var left = Math.max(0, Math.ceil(cfg.reset - (Date.now() - thanksAt) / 1000));
    var again = el("button", { type: "button", cls: "secondary k-big", id: "k-again", text: t("again") });
    again.addEventListener("click", reset);
    app.replaceChildren(header(), el("main", { cls: "wrap", id: "main" }, [
      el("div", { cls: "message thanks", id: "k-thanks" }, [el("h1", { text: t("thanks_title") }), el("p", { text: t("thanks_body") }),
        el("p", { cls: "k-count", id: "k-count", text: t("returning", left) }), again])]));
  }
  function render() {
    if (screen === "start") renderStart();
    else if (screen === "section") renderSection();
    else renderThanks();
    showStatus();
  }
  function reset() {
    answers = {}; formId = null; current = null; screen = "start"; lang = cfg.lang === "en" ? "en" : "vi";
    hideIdle(); render();
  }

  /* ---------- idle timeout with a visible countdown near the end ---------- */
  var idleBox = null;
  function hideIdle() { if (idleBox) { idleBox.remove(); idleBox = null; } }
  function activity() { lastActivity = Date.now(); hideIdle(); }
  ["pointerdown", "keydown", "input", "touchstart"].forEach(function (ev) { document.addEventListener(ev, activity, { passive: true, capture: true }); });
  var warnFor = Math.min(15, Math.max(1, Math.floor(cfg.idle / 3)));
  setInterval(function () {
    if (screen === "thanks") {
      var left = Math.ceil(cfg.reset - (Date.now() - thanksAt) / 1000);
      if (left <= 0) { reset(); return; }
      var c = document.getElementById("k-count"); if (c) c.textContent = t("returning", left);
      return;
    }
    if (screen !== "section") return;
    var idleFor = (Date.now() - lastActivity) / 1000, remaining = Math.ceil(cfg.idle - idleFor);
    if (remaining <= 0) {
      collect();
      if (cfg.idle_policy === "keep" && Object.keys(pruned(answers)).length) enqueue(body(false));
      reset(); return;
    }
    if (remaining <= warnFor) {
      if (!idleBox) {
        var cont = el("button", { type: "button", cls: "primary k-big", id: "k-continue", text: t("idle_continue") });
        cont.addEventListener("click", activity);
        idleBox = el("div", { cls: "k-idle", id: "k-idle", role: "alertdialog", "aria-modal": "true", "aria-labelledby": "k-idle-title" }, [
          el("div", { cls: "k-idle-box" }, [el("h2", { id: "k-idle-title", text: t("idle_title") }), el("p", { id: "k-idle-count" }), cont])]);
        document.body.appendChild(idleBox); cont.focus();
      }
      document.getElementById("k-idle-count").textContent = t("idle_body", remaining);
    }
  }, 250);

  /* ---------- stay on this page: no context menu, no back navigation ---------- */
  document.addEventListener("contextmenu", function (ev) { ev.preventDefault(); });
  history.pushState({ kiosk: 1 }, "", location.href);
  window.addEventListener("popstate", function () { history.pushState({ kiosk: 1 }, "", location.href); });

  render();
  flush();
})();
