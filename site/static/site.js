/* kratom-status: progressive enhancement only. Without this file every page is complete:
   the maps are inline SVG with links and titles, the tables list everything, and the
   yearly snapshots are static pages. With it: sortable and filterable tables, a tooltip
   on hover and keyboard focus, the year slider, and the change log's region filter. */
(function () {
  "use strict";
  var STATUS_ORDER = { banned: 0, restricted: 1, legal: 2, unknown: 3 };

  function $all(selector, root) {
    return Array.prototype.slice.call((root || document).querySelectorAll(selector));
  }

  /* Previewing from the file system: folder links open their index.html. */
  function fileLinks() {
    if (location.protocol !== "file:") return;
    $all("a[href]").forEach(function (a) {
      var h = a.getAttribute("href");
      if (h && !/^[a-z]+:/i.test(h) && /\/(#.*)?$/.test(h)) {
        a.setAttribute("href", h.replace(/\/(#.*)?$/, "/index.html$1"));
      }
    });
  }

  /* Tables: a text filter, a status filter and sortable columns. */
  function tables() {
    $all(".table-block").forEach(function (block) {
      var table = block.querySelector("table");
      var tools = block.querySelector(".table-tools");
      if (!table || !tools) return;
      tools.hidden = false;
      var text = tools.querySelector(".filter-text");
      var status = tools.querySelector(".filter-status");
      var shown = tools.querySelector(".shown");
      var rows = $all("tbody tr", table);
      function apply() {
        var q = (text.value || "").trim().toLowerCase();
        var s = status.value;
        var n = 0;
        rows.forEach(function (tr) {
          var name = tr.querySelector("th").textContent.toLowerCase();
          var ok = (!q || name.indexOf(q) !== -1) && (!s || tr.getAttribute("data-status") === s);
          tr.hidden = !ok;
          if (ok) n += 1;
        });
        shown.textContent = n + " of " + rows.length + " shown";
      }
      text.addEventListener("input", apply);
      status.addEventListener("change", apply);
      apply();
      block.refilter = apply;
      sortable(table);
    });
  }

  function cellValue(tr, index, kind) {
    var cell = tr.children[index];
    var value = cell.getAttribute("data-value");
    if (value === null) value = cell.textContent.trim().toLowerCase();
    if (kind === "status") return String(STATUS_ORDER[value] === undefined ? 9 : STATUS_ORDER[value]);
    return value;
  }

  function sortable(table) {
    var heads = $all("thead th", table);
    heads.forEach(function (th, index) {
      var kind = th.getAttribute("data-sort");
      if (!kind) return;
      var button = document.createElement("button");
      button.type = "button";
      button.textContent = th.textContent;
      th.textContent = "";
      th.appendChild(button);
      button.addEventListener("click", function () {
        var ascending = th.getAttribute("aria-sort") !== "ascending";
        heads.forEach(function (h) { h.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        var body = table.tBodies[0];
        var rows = $all("tr", body);
        rows.sort(function (a, b) {
          var x = cellValue(a, index, kind), y = cellValue(b, index, kind);
          if (x === y) return 0;
          if (x === "") return 1;
          if (y === "") return -1;
          return (x < y ? -1 : 1) * (ascending ? 1 : -1);
        });
        rows.forEach(function (tr) { body.appendChild(tr); });
      });
    });
  }

  /* The map's tooltip: the status of what the pointer or the keyboard is on. */
  function tooltip() {
    var tip = document.createElement("div");
    tip.className = "tooltip";
    tip.setAttribute("role", "tooltip");
    tip.id = "map-tooltip";
    tip.hidden = true;
    document.body.appendChild(tip);
    $all("a.area").forEach(function (a) {
      var title = a.querySelector("title");
      if (title) a.removeChild(title); /* the tooltip replaces the browser's own */
    });
    function show(a, x, y) {
      tip.textContent = a.getAttribute("aria-label");
      tip.hidden = false;
      tip.style.left = Math.min(x + 14, window.innerWidth - tip.offsetWidth - 8) + "px";
      tip.style.top = Math.max(y - tip.offsetHeight - 10, 8) + "px";
    }
    $all("svg.map").forEach(function (svg) {
      svg.addEventListener("mousemove", function (e) {
        var a = e.target.closest && e.target.closest("a.area");
        if (a) show(a, e.clientX, e.clientY); else tip.hidden = true;
      });
      svg.addEventListener("mouseleave", function () { tip.hidden = true; });
      svg.addEventListener("focusin", function (e) {
        var a = e.target.closest && e.target.closest("a.area");
        if (!a) return;
        var box = a.getBoundingClientRect();
        show(a, box.left + box.width / 2, box.top);
      });
      svg.addEventListener("focusout", function () { tip.hidden = true; });
    });
  }

  /* Time travel: recolour maps, tables and counts from the yearly snapshots. */
  function timeTravel() {
    var data = document.getElementById("timeline-data");
    var slider = document.getElementById("as-of-slider");
    if (!data || !slider) return;
    var t = JSON.parse(data.textContent);
    var output = document.getElementById("as-of-output");
    slider.closest(".slider").hidden = false;
    var areas = {};
    $all("a.area[data-code]").forEach(function (a) {
      var code = a.getAttribute("data-code");
      (areas[code] = areas[code] || []).push(a);
    });
    var rows = {};
    $all(".table-block[data-table] tbody tr[data-code]").forEach(function (tr) {
      var code = tr.getAttribute("data-code");
      (rows[code] = rows[code] || []).push(tr);
    });
    function badge(status) {
      return '<span class="badge s-' + status + '"><svg class="swatch s-' + status +
        '" width="14" height="14" viewBox="0 0 14 14" aria-hidden="true" focusable="false">' +
        '<rect class="fill" width="14" height="14"/></svg><span class="word">' + status + "</span></span>";
    }
    function setStatus(el, status) {
      el.setAttribute("class", el.getAttribute("class").replace(/\bs-[a-z]+\b/, "s-" + status));
    }
    function show(index) {
      var latest = index === t.labels.length - 1;
      Object.keys(t.at).forEach(function (code) {
        var i = t.at[code][index];
        var rec = i >= 0 ? t.records[code][i] : null;
        var status = rec ? rec[0] : "unknown";
        var since = rec && rec[1] ? " since " + rec[1] : "";
        (areas[code] || []).forEach(function (a) {
          setStatus(a, status);
          var words = a.getAttribute("data-name") + ": " + status + since;
          a.setAttribute("aria-label", latest ? (a.getAttribute("data-now") || words) : words + " (as of " + t.titles[index] + ")");
        });
        (rows[code] || []).forEach(function (tr) {
          tr.setAttribute("data-status", status);
          var cells = tr.querySelectorAll("td");
          var statusCell = tr.querySelector(".status-cell");
          if (latest && tr.nowHTML) {
            statusCell.innerHTML = tr.nowHTML[0];
            tr.querySelector(".since-cell").textContent = tr.nowHTML[1];
            tr.querySelector(".law-cell").textContent = tr.nowHTML[2];
          } else if (cells.length) {
            statusCell.innerHTML = badge(status);
            tr.querySelector(".since-cell").textContent = rec ? (rec[1] || "start not known") : "—";
            tr.querySelector(".law-cell").textContent = rec ? (rec[2] || "—") : "—";
          }
          statusCell.setAttribute("data-value", status);
        });
      });
      $all(".table-block[data-table]").forEach(function (block) {
        var key = block.getAttribute("data-table");
        var counts = { banned: 0, restricted: 0, legal: 0, unknown: 0 };
        $all("tbody tr[data-code]", block).forEach(function (tr) {
          counts[tr.getAttribute("data-status")] += 1;
        });
        Object.keys(counts).forEach(function (s) {
          var el = document.querySelector('[data-count="' + key + "-" + s + '"]');
          if (el) el.textContent = counts[s];
        });
        if (block.refilter) block.refilter();
      });
      $all(".pending-marks").forEach(function (g) {  /* live bills are today's news */
        g.style.display = latest ? "" : "none";
      });
      output.textContent = t.titles[index];
      slider.setAttribute("aria-valuetext", t.titles[index]);
    }
    Object.keys(rows).forEach(function (code) {
      rows[code].forEach(function (tr) {
        tr.nowHTML = [tr.querySelector(".status-cell").innerHTML,
          tr.querySelector(".since-cell").textContent, tr.querySelector(".law-cell").textContent];
      });
    });
    Object.keys(areas).forEach(function (code) {
      areas[code].forEach(function (a) { a.setAttribute("data-now", a.getAttribute("aria-label")); });
    });
    slider.addEventListener("input", function () { show(Number(slider.value)); });
    document.getElementById("as-of-reset").addEventListener("click", function () {
      slider.value = t.labels.length - 1;
      show(t.labels.length - 1);
    });
  }

  /* The change log: show one region's changes. */
  function regionFilter() {
    var box = document.querySelector(".region-filter");
    if (!box) return;
    box.hidden = false;
    var select = box.querySelector("select");
    var shown = box.querySelector(".shown");
    var rows = $all("#changes-list tbody tr[data-regions]");
    function apply() {
      var slug = select.value;
      var n = 0;
      rows.forEach(function (tr) {
        var ok = !slug || (" " + tr.getAttribute("data-regions") + " ").indexOf(" " + slug + " ") !== -1;
        tr.hidden = !ok;
        if (ok) n += 1;
      });
      shown.textContent = n + " of " + rows.length + " shown";
    }
    select.addEventListener("change", apply);
    apply();
  }

  function start() {
    fileLinks();
    tables();
    tooltip();
    timeTravel();
    regionFilter();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
