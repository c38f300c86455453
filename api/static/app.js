// Progressive enhancement: every form works without this file; with it, staff get live feedback.
(function () {
  "use strict";
  var csrf = document.querySelector('meta[name="csrf-token"]');
  csrf = csrf ? csrf.content : "";

  // ---- the supply form: catalog filter, add lines, live policy feedback with one-click swaps
  var form = document.getElementById("supply-form");
  if (form) {
    var lines = Array.prototype.slice.call(form.querySelectorAll(".line"));
    var addButton = document.getElementById("add-line");
    var swapLabel = (document.getElementById("swap-label") || {}).innerHTML || "Swap to";
    // Show two rows at first; "Add a line" reveals the others.
    lines.forEach(function (row, n) {
      var used = row.querySelector(".item").value || row.querySelector(".qty").value;
      if (n > 1 && !used) { row.hidden = true; }
    });
    addButton.hidden = false;
    addButton.addEventListener("click", function () {
      var next = lines.filter(function (r) { return r.hidden; })[0];
      if (next) { next.hidden = false; next.querySelector(".item").focus(); }
      if (!lines.some(function (r) { return r.hidden; })) { addButton.hidden = true; }
    });

    var search = document.getElementById("catalog-search");
    var category = document.getElementById("catalog-category");
    function filterOptions() {
      var q = (search.value || "").toLowerCase(), c = category.value;
      form.querySelectorAll("select.item option[data-category]").forEach(function (o) {
        var show = (!c || o.dataset.category === c) && (!q || o.textContent.toLowerCase().indexOf(q) >= 0);
        o.hidden = !show;
      });
    }
    search.addEventListener("input", filterOptions);
    category.addEventListener("change", filterOptions);

    var timer = null;
    function evaluate() {
      var data = new FormData();
      var rows = lines.filter(function (r) { return r.querySelector(".item").value && r.querySelector(".qty").value; });
      rows.forEach(function (r) {
        data.append("item_id", r.querySelector(".item").value);
        data.append("quantity", r.querySelector(".qty").value);
        data.append("swapped_from_item_id", r.querySelector(".swapped").value);
      });
      lines.forEach(function (r) { r.querySelector(".feedback").textContent = ""; });
      if (!rows.length) { return; }
      fetch(form.dataset.evaluate, { method: "POST", body: data, headers: { "X-CSRFToken": csrf }, credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (result) {
          (result.findings || []).forEach(function (f) {
            if (f.outcome === "pass" || f.line === null || f.line === undefined) { return; }
            var row = rows[f.line];
            if (!row) { return; }
            var box = row.querySelector(".feedback");
            var p = document.createElement("p");
            p.className = "finding " + f.outcome;
            p.textContent = f.rule_id + ": " + f.message + " ";
            (f.suggestions || []).forEach(function (s) {
              var b = document.createElement("button");
              b.type = "button";
              b.className = "swap";
              b.textContent = swapLabel + " " + (document.documentElement.lang === "zh-CN" && s.name_zh ? s.name_zh : s.name);
              b.addEventListener("click", function () {
                var select = row.querySelector(".item");
                row.querySelector(".swapped").value = select.value;
                select.value = String(s.item_id);
                evaluate();
              });
              p.appendChild(b);
            });
            box.appendChild(p);
          });
        });
    }
    form.addEventListener("change", function (e) {
      if (e.target.matches(".item, .qty")) { clearTimeout(timer); timer = setTimeout(evaluate, 150); }
    });
    evaluate();
  }

  // ---- the trip form: distance from common destinations, green-travel advice before submitting
  var trip = document.getElementById("trip-form");
  if (trip) {
    var dest = document.getElementById("destination_id");
    var km = document.getElementById("distance_km");
    var advice = document.getElementById("green-advice");
    function advise() {
      var d = parseFloat(km.value);
      var text = "";
      if (d < parseFloat(trip.dataset.walk)) { text = document.getElementById("advice-walk").innerHTML; }
      else if (d < parseFloat(trip.dataset.cycle)) { text = document.getElementById("advice-cycle").innerHTML; }
      else if (d < parseFloat(trip.dataset.transit)) { text = document.getElementById("advice-transit").innerHTML; }
      advice.textContent = text;
    }
    dest.addEventListener("change", function () {
      var o = dest.options[dest.selectedIndex];
      if (o && o.dataset.km) { km.value = o.dataset.km; }
      advise();
    });
    km.addEventListener("input", advise);
    advise();
  }

  // ---- bulk approval asks once more before sending
  var bulk = document.getElementById("bulk");
  if (bulk) {
    bulk.addEventListener("submit", function (e) {
      var n = bulk.querySelectorAll('input[name="item"]:checked').length;
      if (!n) { e.preventDefault(); }
    });
  }
})();
