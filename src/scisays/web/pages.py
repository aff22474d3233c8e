"""The web app's HTML pages (pure functions returning strings), escaped with markupsafe.

Pages load their stylesheet and scripts from the app's own origin (``/static/…``), so the
server's Content-Security-Policy needs no inline code at all.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlencode

from markupsafe import Markup

from .. import __version__
from ..report.html import question_title
from .history import HistoryEntry
from .jobs import Job
from .params import SOURCES

PROGRESS_JS = """\
(function () {
  "use strict";
  var box = document.getElementById("job");
  if (!box) { return; }
  var url = box.getAttribute("data-status");
  var step = document.getElementById("job-step");
  var bar = document.getElementById("job-progress");
  var err = document.getElementById("job-error");
  function poll() {
    fetch(url, { headers: { "Accept": "application/json" }, cache: "no-store" })
      .then(function (r) {
        if (r.status === 404) { window.location.reload(); return null; }
        return r.json();
      })
      .then(function (s) {
        if (!s) { return; }
        if (s.state === "done") {
          step.textContent = "Done; opening the report\\u2026";
          bar.value = bar.max;
          window.location.reload();
          return;
        }
        if (s.state === "failed") {
          step.textContent = "The report could not be built.";
          err.textContent = s.error || "Building the report failed.";
          err.hidden = false;
          bar.hidden = true;
          return;
        }
        var text = s.message;
        if (s.total) {
          text += " (" + s.done + " of " + s.total + ")";
          bar.max = s.total;
          bar.value = s.done;
        } else {
          bar.removeAttribute("value");
        }
        step.textContent = text + " \\u2014 " + s.elapsed.toFixed(1) + " s";
        setTimeout(poll, 250);
      })
      .catch(function () { setTimeout(poll, 1000); });
  }
  poll();
})();
"""


def report_url(query: Sequence[tuple[str, str]]) -> str:
    """``/report?substance=…&condition=…`` for a request's query parameters."""
    return "/report?" + urlencode(list(query))


_NOTHING = Markup()


def layout(title: str, main: Markup, *, scripts: Sequence[str] = (), head: Markup = _NOTHING) -> str:
    """A whole page around ``main`` (which brings its own ``<main>``)."""
    script_tags = Markup("").join(Markup('<script src="{}" defer></script>').format(s) for s in scripts)
    return str(
        Markup(
            "<!DOCTYPE html>\n"
            '<html lang="en"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            "<title>{title}</title>"
            '<link rel="icon" href="data:,"><link rel="stylesheet" href="/static/report.css">'
            "{head}{scripts}</head>"
            '<body><a class="skip" href="#main">Skip to content</a>'
            '<header class="site-header"><a class="brand" href="/">scisays</a>'
            '<nav aria-label="Site"><a href="/">Search</a> · <a href="/history">History</a> · '
            '<a href="/audit">Audit an article</a> · <a href="/docs">API</a></nav></header>'
            "{main}"
            '<footer class="site-footer"><p>scisays {version} · a summary of published research, '
            "not medical advice.</p></footer></body></html>\n"
        ).format(title=title, head=head, scripts=script_tags, main=main, version=__version__)
    )


def search_page(
    *,
    values: Mapping[str, Any] | None = None,
    error: str | None = None,
    recent: Sequence[HistoryEntry] = (),
    corpus_label: str = "",
) -> str:
    """The search form (GET /report), with an error sentence and the user's input when a
    request was refused, and the most recent reports."""
    v = values or {}
    chosen = set(v.get("sources") or SOURCES)
    sources = Markup("").join(
        Markup('<label class="check"><input type="checkbox" name="source" value="{}"{}> {}</label>').format(
            key, Markup(" checked") if key in chosen else Markup(), label + (f" ({corpus_label})"
                                                                         if key == "corpus" and corpus_label
                                                                         else "")
        )
        for key, label in SOURCES.items()
    )
    err = (
        Markup('<p class="error" role="alert" id="form-error">{}</p>').format(error) if error else Markup()
    )
    main = Markup(
        '<main id="main"><h1>What does the science say?</h1>'
        "<p>Name a substance and one or more conditions: scisays finds the studies, reads each one, "
        "grades the evidence and cites every statement.</p>{err}"
        '<form class="search" action="/report" method="get" role="search" aria-label="Ask scisays">'
        '<label for="substance">Substance<input type="text" id="substance" name="substance" required '
        'maxlength="200" placeholder="e.g. kratom, ashwagandha, melatonin" value="{substance}"{invalid}>'
        "</label>"
        '<label for="condition">Conditions (separate several with commas)<input type="text" '
        'id="condition" name="conditions" maxlength="1000" placeholder="e.g. anxiety, depression" '
        'value="{conditions}"></label>'
        "<fieldset><legend>Sources</legend>{sources}</fieldset>"
        '<button type="submit" class="primary">Ask</button></form>{recent}</main>'
    ).format(
        err=err,
        substance=v.get("substance") or "",
        invalid=Markup(' aria-invalid="true" aria-describedby="form-error"') if error else Markup(),
        conditions=", ".join(v.get("conditions") or ()),
        sources=sources,
        recent=_history_list(recent[:5], "Recent reports") if recent else Markup(),
    )
    return layout("scisays — what does the science say?", main)


def _history_list(entries: Sequence[HistoryEntry], heading: str) -> Markup:
    rows = Markup("").join(
        Markup(
            '<tr><td><a href="{url}">{q}</a></td><td>{verdicts}</td><td class="num">{n}</td>'
            '<td><time datetime="{created}">{when}</time></td><td class="num">{secs}</td></tr>'
        ).format(
            url=report_url(e.query),
            q=f"{e.substance} for {', '.join(e.conditions)}" if e.conditions else e.substance,
            verdicts="; ".join(f"{c}: {v} ({k})" for c, v, k in e.verdicts) or "—",
            n=e.studies,
            created=e.created,
            when=e.created.replace("T", " ")[:16] + " UTC",
            secs=f"{e.seconds:.1f} s",
        )
        for e in entries
    )
    return Markup(
        '<section aria-labelledby="history-h"><h2 id="history-h">{}</h2><div class="table-wrap"><table>'
        '<thead><tr><th scope="col">Question</th><th scope="col">Verdicts</th>'
        '<th scope="col" class="num">Studies</th><th scope="col">Built</th>'
        '<th scope="col" class="num">Build time</th></tr></thead>'
        "<tbody>{}</tbody></table></div></section>"
    ).format(heading, rows)


def history_page(entries: Sequence[HistoryEntry]) -> str:
    """Recent reports from the history, newest first."""
    body = (
        _history_list(entries, f"The {len(entries)} most recent reports")
        if entries
        else Markup('<p>No report has been built yet. <a href="/">Ask a question</a>.</p>')
    )
    return layout(
        "scisays — history", Markup('<main id="main"><h1>History</h1>{}</main>').format(body)
    )


def progress_page(job: Job) -> str:
    """Shown while a report is built: a live progress bar (polls the job's status), and without
    JavaScript a page that refreshes itself every two seconds."""
    req = job.request
    title = question_title_of(req.substance, req.conditions)
    main = Markup(
        '<main id="main" aria-busy="true"><h1>{title}</h1>'
        '<div id="job" data-job="{id}" data-status="/api/v1/jobs/{id}">'
        '<p id="job-step" role="status" aria-live="polite">{step}</p>'
        '<progress id="job-progress" max="100" aria-label="Progress of the report"></progress>'
        '<p id="job-error" class="error" role="alert" hidden></p></div>'
        '<p class="muted">The report appears here when it is ready; you may leave this page open.</p></main>'
    ).format(title=title, id=job.id, step=job.status()["message"] + "…")
    head = Markup('<noscript><meta http-equiv="refresh" content="2"></noscript>')
    return layout(f"Building: {title}", main, scripts=["/static/progress.js"], head=head)


def question_title_of(substance: str, conditions: Sequence[str]) -> str:
    title = f"What does the science say about {substance}"
    if conditions:
        title += " for " + " and ".join(conditions)
    return title + "?"


def report_page(job: Job) -> str:
    """The finished report: the same body as the HTML file, inside the site's frame."""
    assert job.report is not None and job.body is not None
    return layout(question_title(job.report), job.body, scripts=["/static/report.js"])


def error_page(status: int, message: str) -> str:
    main = Markup(
        '<main id="main"><h1>{}</h1><p class="error" role="alert">{}</p>'
        '<p><a href="/">Back to the search</a></p></main>'
    ).format("Something went wrong" if status >= 500 else "That did not work", message)
    return layout("scisays — error", main)


def docs_page(openapi: Mapping[str, Any]) -> str:
    """The HTTP API described from the app's own OpenAPI document (no external scripts)."""
    parts = Markup()
    for path, methods in openapi.get("paths", {}).items():
        for method, op in methods.items():
            params = Markup("").join(
                Markup(
                    "<tr><td><code>{name}</code></td><td>{where}</td><td>{req}</td><td>{type}</td>"
                    "<td>{desc}</td></tr>"
                ).format(
                    name=p.get("name", ""),
                    where=p.get("in", ""),
                    req="yes" if p.get("required") else "no",
                    type=_schema_text(p.get("schema", {})),
                    desc=p.get("description", ""),
                )
                for p in op.get("parameters", [])
            )
            responses = ", ".join(
                f"{code} {r.get('description', '')}" for code, r in op.get("responses", {}).items()
            )
            parts += Markup(
                '<section class="endpoint"><h2><code>{m} {p}</code></h2><p><strong>{s}</strong></p>'
                "<p>{d}</p>{table}<p class=\"muted\">Responses: {r}</p></section>"
            ).format(
                m=method.upper(),
                p=path,
                s=op.get("summary", ""),
                d=op.get("description", ""),
                table=Markup(
                    '<div class="table-wrap"><table><thead><tr><th scope="col">Parameter</th>'
                    '<th scope="col">In</th><th scope="col">Required</th><th scope="col">Type</th>'
                    '<th scope="col">Description</th></tr></thead><tbody>{}</tbody></table></div>'
                ).format(params)
                if params
                else Markup(),
                r=responses,
            )
    info = openapi.get("info", {})
    main = Markup(
        '<main id="main"><h1>{title} HTTP API {version}</h1><p>{desc}</p>'
        '<p>Machine-readable: <a href="/openapi.json">/openapi.json</a> (OpenAPI) and '
        '<a href="/api/v1/schema">/api/v1/schema</a> (JSON Schema of the report).</p>{parts}</main>'
    ).format(
        title=info.get("title", "scisays"),
        version=info.get("version", ""),
        desc=info.get("description", ""),
        parts=parts,
    )
    return layout("scisays — HTTP API", main)


def _schema_text(schema: Mapping[str, Any]) -> str:
    if "anyOf" in schema:
        return " or ".join(_schema_text(s) for s in schema["anyOf"])
    t = str(schema.get("type", ""))
    if t == "array":
        t = f"list of {_schema_text(schema.get('items', {}))}"
    limits = []
    for key, word in (("minLength", "min length"), ("maxLength", "max length"), ("minimum", "min"),
                      ("maximum", "max"), ("pattern", "pattern")):
        if key in schema:
            limits.append(f"{word} {schema[key]}")
    if "default" in schema:
        limits.append(f"default {schema['default']}")
    return t + (f" ({', '.join(limits)})" if limits else "")
