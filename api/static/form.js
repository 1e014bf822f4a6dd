/* Optional enhancement of the online form: same-screen show/hide, focus on errors, no double submit.
   The form works without it: the server applies the same display logic on every post. */
(function () {
  "use strict";
  var form = document.getElementById("f");
  if (!form) return;
  var js = document.createElement("input");
  js.type = "hidden"; js.name = "_js"; js.value = "1";
  form.appendChild(js);

  var known = {};
  try { known = JSON.parse(form.getAttribute("data-known") || "{}"); } catch (e) { known = {}; }

  function valueOf(code) {
    var box = form.querySelector('[data-item="' + code + '"]');
    if (!box) return Object.prototype.hasOwnProperty.call(known, code) ? known[code] : null;
    var q = box.closest(".q");
    if (q && q.hidden) return null;
    var type = box.getAttribute("data-type");
    if (type === "number") {
      var n = parseFloat(box.value.replace(",", "."));
      return isNaN(n) ? null : n;
    }
    var checked = box.querySelectorAll("input:checked");
    if (type === "multi") {
      var list = [];
      for (var i = 0; i < checked.length; i++) list.push(checked[i].value);
      return list.length ? list : null;
    }
    if (!checked.length) return null;
    var v = checked[0].value;
    if (type === "yesno") return v === "1";
    if (type === "likert5" || type === "likert4" || type === "rating3") return parseInt(v, 10);
    return v;
  }

  function same(a, b) { return a !== null && typeof a === typeof b && a === b; }

  function test(c) {
    switch (c.op) {
      case "equals": return same(valueOf(c.item), c.value);
      case "in": var v = valueOf(c.item); return c.values.some(function (x) { return same(v, x); });
      case "contains": var l = valueOf(c.item); return Array.isArray(l) && l.indexOf(c.value) >= 0;
      case "answered": return valueOf(c.item) !== null;
      case "not": return !test(c.cond);
      case "all": return c.conds.every(test);
      case "any": return c.conds.some(test);
    }
    return true;
  }

  var dependent = form.querySelectorAll("[data-show-if]");
  function refresh() {
    for (var i = 0; i < dependent.length; i++) {
      var el = dependent[i], cond;
      try { cond = JSON.parse(el.getAttribute("data-show-if")); } catch (e) { continue; }
      el.hidden = !test(cond);
    }
  }
  if (dependent.length) {
    form.addEventListener("change", refresh);
    form.addEventListener("input", refresh);
    refresh();
  }

  var summary = document.getElementById("error-summary");
  if (summary) summary.focus();

  var sent = false;
  form.addEventListener("submit", function (ev) {
    if (sent) { ev.preventDefault(); return; }
    sent = true;
    setTimeout(function () { sent = false; }, 8000);
  });
})();
