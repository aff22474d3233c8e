"""The stylesheet and script of HTML reports, as constants (no file I/O), with their CSP hashes.

The standalone report file inlines both and allows exactly these two inline blocks by hash in
its Content-Security-Policy; the web app serves the same text from its own origin.
The script only sorts, filters and hides rows: it never writes markup (no innerHTML), so
third-party text can never become code.
"""

from __future__ import annotations

import base64
import hashlib

REPORT_CSS = """\
:root{--fg:#1a1a1a;--muted:#4a4a4a;--bg:#fff;--line:#c8c8c8;--accent:#0b4f8a;--soft:#f3f5f8;
--benefit:#1b7837;--mixed:#8a5a00;--noeffect:#0b5394;--harm:#b2182b;--na:#6b6b6b}
*{box-sizing:border-box}
html{font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;
color:var(--fg);background:var(--bg)}
body{margin:0}
main,.site-header,.site-footer{max-width:72rem;margin:0 auto;padding:0 1rem}
[hidden]{display:none!important}
a{color:var(--accent)}
a:focus-visible,button:focus-visible,input:focus-visible,select:focus-visible,summary:focus-visible{
outline:3px solid #f0b400;outline-offset:2px}
h1{font-size:1.75rem;line-height:1.25;margin:1.2rem 0 .3rem}
h2{font-size:1.35rem;margin:2rem 0 .6rem;padding-bottom:.2rem;border-bottom:2px solid var(--line)}
h3{font-size:1.1rem;margin:1.2rem 0 .4rem}
.meta,.muted{color:var(--muted);font-size:.9rem}
.skip{position:absolute;left:-999px}.skip:focus{left:1rem;top:1rem;background:#fff;padding:.4rem;z-index:9}
.visually-hidden{position:absolute!important;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);
white-space:nowrap}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(16rem,1fr));gap:.8rem;margin:.8rem 0}
.card{border:1px solid var(--line);border-left:6px solid var(--na);border-radius:4px;padding:.7rem .9rem;
background:var(--soft)}
.card h3{margin:0 0 .3rem}
.card .verdict{font-size:1.2rem;font-weight:700;margin:0}
.card.v-benefit{border-left-color:var(--benefit)}.card.v-maybe{border-left-color:var(--mixed)}
.card.v-none{border-left-color:var(--noeffect)}.card.v-harm{border-left-color:var(--harm)}
.card.safety{border-left-color:var(--na)}.card.safety.rated-unsafe{border-left-color:var(--harm)}
.card.safety.rated-safe{border-left-color:var(--benefit)}
.card ul{margin:.3rem 0 0;padding-left:1.1rem}
.badge{display:inline-block;padding:0 .45rem;border-radius:3px;font-size:.85rem;color:#fff;
background:var(--na);white-space:nowrap}
.d-benefit{background:var(--benefit)}.d-mixed{background:var(--mixed)}
.d-no-effect{background:var(--noeffect)}.d-harm{background:var(--harm)}
.d-comparison{background:#5a4fa2}.d-uncertain{background:#7a5c7a}.retracted{background:#000}
.d-not-addressed{background:#fff;color:var(--muted);border:1px solid var(--line)}
.chart-figure{margin:1rem 0 1.6rem}
.chart{max-width:100%;height:auto;display:block}
.chart text{font:13px system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;fill:#1a1a1a}
.chart text.bar-label{fill:#fff;font-weight:600}
figcaption{font-weight:600;margin-top:.3rem}
.chart-note{margin:.2rem 0;color:var(--muted);font-size:.9rem}
details.chart-data{font-size:.9rem;margin-top:.3rem}
table{border-collapse:collapse;width:100%;font-size:.92rem}
caption{text-align:left;font-weight:600;padding:.3rem 0}
th,td{border-bottom:1px solid var(--line);padding:.35rem .45rem;text-align:left;vertical-align:top}
thead th{background:var(--soft);position:sticky;top:0}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
.table-wrap{overflow-x:auto}
td.study{min-width:16rem;max-width:30rem}td.study .title{display:block}td.study a{word-break:break-all}
td.support{min-width:18rem;font-size:.88rem}
th button.sort{font:inherit;font-weight:700;background:none;border:0;padding:0;cursor:pointer;color:inherit}
th[aria-sort=ascending] button.sort::after{content:" \\25B2"}
th[aria-sort=descending] button.sort::after{content:" \\25BC"}
th[aria-sort=none] button.sort::after{content:" \\21C5";color:var(--muted)}
.filters{display:flex;flex-wrap:wrap;gap:.6rem 1rem;align-items:end;margin:.6rem 0;padding:.6rem;
background:var(--soft);border:1px solid var(--line);border-radius:4px}
.filters label{display:flex;flex-direction:column;font-size:.85rem;font-weight:600}
.filters input,.filters select{font:inherit;padding:.25rem .35rem;border:1px solid #767676;border-radius:3px}
blockquote{margin:.2rem 0 .2rem .2rem;padding-left:.6rem;border-left:3px solid var(--line);color:#2b2b2b}
.quote{font-style:italic}
.not-yet{color:var(--muted);font-style:italic}
.status-bad{color:var(--harm);font-weight:600}
ol.reasons li,ul.reasons li{margin:.2rem 0}
.site-header{display:flex;gap:1rem;align-items:baseline;padding-top:.6rem;flex-wrap:wrap}
.site-header .brand{font-weight:700;text-decoration:none;font-size:1.1rem}
.site-footer{margin-top:3rem;padding-bottom:2rem;color:var(--muted);font-size:.85rem}
form.search{display:grid;gap:.8rem;max-width:36rem;margin:1rem 0}
form.search label{font-weight:600;display:flex;flex-direction:column;gap:.2rem}
form.search input[type=text]{font:inherit;padding:.4rem;border:1px solid #767676;border-radius:3px}
form.search fieldset{border:1px solid var(--line);border-radius:4px}
form.search label.check{flex-direction:row;align-items:center;gap:.4rem;font-weight:400;margin:.2rem 0}
form.search textarea{font:inherit;padding:.4rem;border:1px solid #767676;border-radius:3px;resize:vertical}
button.primary{font:inherit;font-weight:600;background:var(--accent);color:#fff;border:0;border-radius:4px;
padding:.5rem 1rem;cursor:pointer;justify-self:start}
progress{width:100%;max-width:36rem;height:1.2rem}
.error{color:var(--harm);font-weight:600}
@media print{
html{font-size:11pt}
.site-header,.site-footer,.filters,.skip,details.chart-data,th button.sort::after{display:none!important}
main{max-width:none;padding:0}
tr[hidden]{display:table-row!important}
thead th{position:static}
tr,figure,.card,blockquote{break-inside:avoid}
h2,h3{break-after:avoid}
a{color:inherit;text-decoration:none}
.badge{border:1px solid #000;color:#000;background:#fff}
.card{background:#fff}
}
"""

REPORT_JS = """\
(function () {
  "use strict";
  function key(cell) {
    var v = cell.getAttribute("data-sort");
    if (v === null) { v = cell.textContent.trim(); }
    var n = Number(v);
    return (v !== "" && !isNaN(n)) ? n : v.toLowerCase();
  }
  function compare(x, y) {
    if (typeof x === typeof y) { return x < y ? -1 : (x > y ? 1 : 0); }
    return typeof x === "number" ? -1 : 1;
  }
  Array.prototype.forEach.call(document.querySelectorAll("table.sortable"), function (table) {
    var tbody = table.tBodies[0];
    var heads = table.tHead.rows[0].cells;
    Array.prototype.forEach.call(heads, function (th, col) {
      var btn = th.querySelector("button.sort");
      if (!btn) { return; }
      btn.addEventListener("click", function () {
        var asc = th.getAttribute("aria-sort") !== "ascending";
        Array.prototype.forEach.call(heads, function (h) {
          if (h.querySelector("button.sort")) { h.setAttribute("aria-sort", "none"); }
        });
        th.setAttribute("aria-sort", asc ? "ascending" : "descending");
        var rows = Array.prototype.slice.call(tbody.rows);
        rows.sort(function (a, b) {
          var c = compare(key(a.cells[col]), key(b.cells[col]));
          return asc ? c : -c;
        });
        rows.forEach(function (r) { tbody.appendChild(r); });
      });
    });
  });
  Array.prototype.forEach.call(document.querySelectorAll("form[data-filter-for]"), function (form) {
    var table = document.getElementById(form.getAttribute("data-filter-for"));
    if (!table) { return; }
    var text = form.querySelector("input[name=q]");
    var design = form.querySelector("select[name=design]");
    var finding = form.querySelector("select[name=finding]");
    var count = form.querySelector("output");
    function apply() {
      var q = text.value.trim().toLowerCase();
      var d = design.value, f = finding.value, shown = 0, rows = table.tBodies[0].rows;
      Array.prototype.forEach.call(rows, function (r) {
        var ok = (!q || r.textContent.toLowerCase().indexOf(q) >= 0) &&
          (!d || r.getAttribute("data-design") === d) &&
          (!f || (" " + r.getAttribute("data-findings") + " ").indexOf(" " + f + " ") >= 0);
        r.hidden = !ok;
        if (ok) { shown += 1; }
      });
      count.textContent = shown + " of " + rows.length + " studies shown";
    }
    form.addEventListener("input", apply);
    form.addEventListener("change", apply);
    form.addEventListener("submit", function (e) { e.preventDefault(); });
    form.hidden = false;
    apply();
  });
})();
"""


def csp_hash(text: str) -> str:
    """The CSP source expression allowing exactly this inline block: ``'sha256-…'``."""
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


REPORT_CSS_HASH = csp_hash(REPORT_CSS)
REPORT_JS_HASH = csp_hash(REPORT_JS)

FILE_CSP = (
    "default-src 'none'; "
    f"style-src {REPORT_CSS_HASH}; "
    f"script-src {REPORT_JS_HASH}; "
    "img-src data:; base-uri 'none'; form-action 'none'"
)
"""The policy the standalone file carries in a ``<meta>`` tag (frame-ancestors is not allowed there)."""
