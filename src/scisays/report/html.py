"""Render a Report as HTML (pure): a self-contained file, or the body the web app embeds.

One function per section (``SECTIONS``), each taking the report and returning markup, so a
new part of the report (regulation, dose, gaps, a safety rating) is one new function.
Every string that comes from a record, a source or the user passes through ``markupsafe``
(``Markup.format`` escapes its arguments), so titles such as ``<script>`` render as text.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from markupsafe import Markup, escape

from ..model import Direction, Report, Study
from ..synthesize.grade import DESIGN_ORDER
from .assets import FILE_CSP, REPORT_CSS, REPORT_JS
from .build import finding_qualifier
from .charts import adverse_event_charts, evidence_pyramid, studies_per_year

_VERDICT_CLASS = {
    "evidence of benefit": "v-benefit",
    "probably benefits": "v-benefit",
    "may benefit": "v-maybe",
    "uncertain (conflicting)": "v-maybe",
    "insufficient evidence": "v-maybe",
    "probably no benefit": "v-none",
    "evidence of harm": "v-harm",
}
_FINDING_ORDER = {
    Direction.BENEFIT: 0, Direction.MIXED: 1, Direction.COMPARISON: 2, Direction.UNCERTAIN: 3,
    Direction.UNCLEAR: 4, Direction.NO_EFFECT: 5, Direction.HARM: 6, Direction.NOT_ADDRESSED: 7,
}
_FINDING_WORDS = {
    Direction.BENEFIT: "benefit",
    Direction.MIXED: "mixed",
    Direction.COMPARISON: "compared with another treatment",
    Direction.UNCERTAIN: "uncertain",
    Direction.UNCLEAR: "could not be read with confidence",
    Direction.NO_EFFECT: "no effect",
    Direction.HARM: "harm",
    Direction.NOT_ADDRESSED: "not addressed",
}


def _text(s: str) -> str:
    """Collapse whitespace (abstracts carry newlines and runs of spaces)."""
    return " ".join(s.split())


def safe_url(url: str | None) -> str | None:
    """``url`` if it is an absolute http(s) link, else None (never a javascript: or data: URL)."""
    if not url:
        return None
    parts = urlsplit(url)
    return url if parts.scheme in ("http", "https") and parts.netloc else None


def question_title(report: Report) -> str:
    """'What does the science say about kratom for anxiety and depression?'"""
    q = report.question
    title = f"What does the science say about {q.substance}"
    if q.conditions:
        title += " for " + " and ".join(q.conditions)
    return title + "?"


@dataclass(frozen=True, slots=True)
class _Ctx:
    """Lookups shared by the sections: in-page anchors for each study by citation."""

    report: Report
    anchors: dict[str, str]

    @classmethod
    def of(cls, report: Report) -> _Ctx:
        return cls(report, {s.record.citation: f"study-{i}" for i, s in enumerate(report.studies)})

    def cite(self, citation: str) -> Markup:
        anchor = self.anchors.get(citation)
        if anchor:
            return Markup('<a href="#{}">{}</a>').format(anchor, citation)
        return escape(citation)

    def cites(self, citations: Sequence[str]) -> Markup:
        if not citations:
            return Markup()
        return Markup(" ({})").format(Markup("; ").join(self.cite(c) for c in citations))


def _external(study: Study) -> Markup:
    r = study.record
    url = safe_url(r.url)
    if url:
        return Markup('<a href="{}" rel="noopener noreferrer" target="_blank" class="ext">{}</a>').format(
            url, r.citation
        )
    return escape(r.citation)


def _section(sid: str, heading: str, body: Markup) -> Markup:
    return Markup(
        '<section id="{sid}" aria-labelledby="{sid}-h"><h2 id="{sid}-h">{h}</h2>{b}</section>'
    ).format(sid=sid, h=heading, b=body)


def _table(caption: str, headers: Sequence[str], rows: Markup) -> Markup:
    """A plain data table; a header ending in "#" is a number column (right-aligned)."""
    head = Markup("").join(
        Markup('<th scope="col" class="num">{}</th>').format(h[:-1]) if h.endswith("#")
        else Markup('<th scope="col">{}</th>').format(h)
        for h in headers
    )
    return Markup(
        '<div class="table-wrap"><table><caption>{}</caption><thead><tr>{}</tr></thead>'
        "<tbody>{}</tbody></table></div>"
    ).format(caption, head, rows)


def _not_yet(what: str) -> Markup:
    return Markup('<p class="not-yet">{}</p>').format(what)


# --- sections -----------------------------------------------------------------------------


def section_header(ctx: _Ctx) -> Markup:
    """Title, what was searched and where."""
    r = ctx.report
    q = r.question
    return Markup(
        '<header class="report-header"><h1 id="report-title">{title}</h1>'
        '<p class="meta">{gen} · sources: {sources} · {n} studies found · searched for {terms}</p></header>'
    ).format(
        title=question_title(r),
        gen=r.generator,
        sources=", ".join(r.sources),
        n=len(r.studies),
        terms=", ".join(q.substance_terms),
    )


def section_summary(ctx: _Ctx) -> Markup:
    """The answer first: verdict and certainty per condition, then the safety picture."""
    r = ctx.report
    cards = Markup()
    for v in r.verdicts:
        cards += Markup(
            '<article class="card verdict-card {cls}" data-condition="{c}">'
            '<h3>{C}</h3><p class="verdict">{label}</p>'
            "<p>Certainty: <strong>{certainty}</strong> (from {start})</p>"
            '<p class="muted">{n} of {total} studies address {c}{people}.</p></article>'
        ).format(
            cls=_VERDICT_CLASS.get(v.label, "v-maybe"),
            c=v.condition,
            C=v.condition[:1].upper() + v.condition[1:],
            label=v.label,
            certainty=v.certainty,
            start=v.start_certainty,
            n=v.studies_addressing,
            total=len(r.studies),
            people=f"; {v.total_participants:,} participants" if v.total_participants else "",
        )
    if not r.verdicts:
        cards += Markup('<p>No condition was asked about; the studies and safety signals are below.</p>')
    cards += _safety_card(ctx)
    return _section("summary", "The answer in short", Markup('<div class="cards">{}</div>').format(cards))


def _safety_card(ctx: _Ctx) -> Markup:
    r = ctx.report
    items = Markup("").join(
        Markup("<li>{}: {}</li>").format(t.topic.label.capitalize(), t.describe()) for t in r.safety.topics
    )
    for ae in r.adverse_events:
        items += Markup("<li>{}: {} adverse-event reports{}</li>").format(
            ae.database,
            f"{ae.total_reports:,}",
            f" ({ae.serious_reports:,} serious)" if ae.serious_reports is not None else "",
        )
    body = (
        Markup("<ul>{}</ul>").format(items)
        if items
        else Markup("<p>None of the studies found reports a safety signal in its abstract.</p>")
    )
    return Markup(
        '<article class="card safety {}"><h3>Safety</h3>'
        '<p class="verdict safety-rating">{}</p>'
        '<p class="muted">Signals reported in these studies:</p>'
        "{}"
        '<p><a href="#safety">Why, with quotes</a></p></article>'
    ).format("rated-safe" if r.safety.rating.endswith(" safe") else
             "rated-unsafe" if r.safety.rating.endswith("unsafe") else "", r.safety.rating, body)


def section_charts(ctx: _Ctx) -> Markup:
    """(a) evidence pyramid per condition, (b) studies per year, (c) adverse-event reports."""
    r = ctx.report
    body = Markup()
    for i, v in enumerate(r.verdicts):
        body += Markup("<h3>{}</h3>").format(f"Evidence pyramid: {v.condition}")
        body += evidence_pyramid(v, f"chart-pyramid-{i}")
    per_year = studies_per_year(r, "chart-years")
    if per_year:
        body += Markup("<h3>Studies per year</h3>") + per_year
    for i, ae in enumerate(r.adverse_events):
        if ae.outcomes or ae.by_year:
            body += Markup("<h3>{}</h3>").format(f"Adverse-event reports ({ae.database})")
            body += adverse_event_charts(ae, f"chart-ae-{i}")
    if not body:
        return Markup()
    return _section("charts", "The evidence at a glance", body)


def _supporting(study: Study, conditions: Sequence[str]) -> Markup:
    a = study.appraisal
    by_sentence: dict[str, list[str]] = {}
    noted = False
    for c in conditions:
        f = a.finding_for(c)
        if f and f.direction is not Direction.NOT_ADDRESSED and f.evidence:
            note = finding_qualifier(f)
            noted = noted or bool(note)
            by_sentence.setdefault(_text(f.evidence[0].text), []).append(c + (f" ({note})" if note else ""))
    quotes = Markup()
    for sentence, conds in by_sentence.items():
        prefix = ", ".join(conds) + ": " if len(conditions) > 1 or noted else ""
        quotes += Markup('<blockquote class="quote">{}“{}”</blockquote>').format(prefix, sentence)
    if not quotes and a.conclusion:
        quotes = Markup('<blockquote class="quote">“{}”</blockquote>').format(_text(a.conclusion[0].text))
    return quotes


def section_studies(ctx: _Ctx) -> Markup:
    """The sortable, filterable table of studies (works without JavaScript, as a plain table)."""
    r = ctx.report
    if not r.studies:
        return _section("studies", "Studies", Markup("<p>No study was found.</p>"))
    conds = r.question.conditions
    head = Markup("")
    columns = [("Study", False), ("Design", False), ("Year", True), ("n", True), ("Species", False)]
    columns += [(f"Finding: {c}", False) for c in conds]
    for label, numeric in columns:
        head += Markup(
            '<th scope="col" aria-sort="none"{cls}><button type="button" class="sort">{}</button></th>'
        ).format(label, cls=Markup(' class="num"') if numeric else Markup())
    head += Markup('<th scope="col">Supporting sentence</th>')
    rows = Markup()
    for i, s in enumerate(r.studies):
        a = s.appraisal
        tokens = []
        cells = Markup()
        for ci, c in enumerate(conds):
            f = a.finding_for(c)
            d = f.direction if f else Direction.NOT_ADDRESSED
            tokens.append(f"c{ci}-{d.value}")
            cells += Markup('<td data-sort="{k}"><span class="badge d-{d}">{w}</span></td>').format(
                k=_FINDING_ORDER[d], d=d.value, w=_FINDING_WORDS[d]
            )
        rows += Markup(
            '<tr id="study-{i}" data-design="{design}" data-findings="{tokens}">'
            '<td class="study" data-sort="{i}">{retracted}<span class="title">{title}</span> {link}</td>'
            '<td data-sort="{dorder}">{dlabel}</td>'
            '<td class="num" data-sort="{year}">{year_text}</td>'
            '<td class="num" data-sort="{n}">{n_text}</td>'
            '<td>{species}</td>{cells}<td class="support">{quote}</td></tr>'
        ).format(
            i=i,
            design=a.design.value,
            tokens=" ".join(tokens),
            link=_external(s),
            dorder=DESIGN_ORDER.index(a.design),
            dlabel=a.design.label,
            year=s.record.year or "",
            year_text=s.record.year or "—",
            n=a.sample_size or "",
            n_text=f"{a.sample_size:,}" if a.sample_size else "—",
            species=str(a.species),
            cells=cells,
            quote=_supporting(s, conds),
            title=_text(s.record.title),
            retracted=Markup('<span class="badge retracted" title="{}">RETRACTED</span> ').format(
                f"Retracted ({a.retracted}): left out of the grade") if a.retracted else "",
        )
    designs = [d for d in DESIGN_ORDER if any(s.appraisal.design is d for s in r.studies)]
    design_opts = Markup("").join(
        Markup('<option value="{}">{}</option>').format(d.value, d.label) for d in designs
    )
    finding_opts = Markup("").join(
        Markup('<option value="c{}-{}">{}: {}</option>').format(ci, d.value, c, _FINDING_WORDS[d])
        for ci, c in enumerate(conds)
        for d in _FINDING_ORDER
    )
    filters = Markup(
        '<form class="filters" data-filter-for="study-table" role="search" '
        'aria-label="Filter the studies" hidden>'
        '<label>Search the table<input type="search" name="q" autocomplete="off"></label>'
        '<label>Design<select name="design"><option value="">any design</option>{}</select></label>'
        '<label>Finding<select name="finding"><option value="">any finding</option>{}</select></label>'
        '<output aria-live="polite"></output></form>'
    ).format(design_opts, finding_opts)
    table = Markup(
        '<div class="table-wrap"><table id="study-table" class="sortable">'
        "<caption>{cap}</caption><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table></div>"
    ).format(
        cap=f"{len(r.studies)} studies, strongest design first; select a column heading to sort.",
        head=head,
        rows=rows,
    )
    return _section("studies", f"Studies ({len(r.studies)})", filters + table)


def section_trials(ctx: _Ctx) -> Markup:
    """Registered trials (ClinicalTrials.gov), when a live source supplied them."""
    r = ctx.report
    if not r.trials:
        return Markup()
    rows = Markup("").join(
        Markup(
            '<tr><td><a href="{url}" rel="noopener noreferrer" target="_blank">{id}</a></td><td>{title}</td>'
            '<td>{status}</td><td>{phase}</td><td class="num">{n}</td><td>{start}</td><td>{end}</td>'
            "<td>{results}</td></tr>"
        ).format(
            url=t.url,
            id=t.nct_id,
            title=_text(t.title),
            status=t.status.replace("_", " ").lower() or "—",
            phase=t.phase or "—",
            n=f"{t.enrollment:,}" if t.enrollment is not None else "—",
            start=t.start_date or "—",
            end=t.completion_date or "—",
            results="yes" if t.has_results else "no",
        )
        for t in r.trials
    )
    table = _table(
        f"{len(r.trials)} registered trials (ClinicalTrials.gov)",
        ("Trial", "Title", "Status", "Phase", "Enrolment#", "Start", "Completion", "Results posted"),
        rows,
    )
    return _section("trials", "Registered trials", table)


def section_safety(ctx: _Ctx) -> Markup:
    """Safety signals by topic with the quoted sentences, then adverse-event report counts."""
    r = ctx.report
    reasons = Markup("").join(
        Markup("<li>{}{}</li>").format(_text(x.text), _ref_cites(ctx, x.citations))
        for x in r.safety.rating_reasons
    )
    body = Markup('<p>Safety rating: <strong class="safety-rating">{}</strong></p><ul class="reasons">{}</ul>'
                  ).format(r.safety.rating, reasons)
    if not r.safety.topics:
        body += Markup("<p>None of the studies found reports a safety signal in its abstract.</p>")
    for t in r.safety.topics:
        quotes = Markup("").join(
            Markup('<li><blockquote class="quote">“{}”</blockquote> — {}</li>').format(
                _text(e.text), ctx.cite(c)
            )
            for c, e in t.mentions
        )
        body += Markup("<h3>{} — {}</h3><ul>{}</ul>").format(
            t.topic.label.capitalize(), t.describe(), quotes
        )
    for ae in r.adverse_events:
        facts = [f"{ae.total_reports:,} reports in all"]
        for label, value in (
            ("serious", ae.serious_reports), ("hospitalisations", ae.hospitalisations), ("deaths", ae.deaths)
        ):
            if value is not None:
                facts.append(f"{value:,} {label}")
        reactions = Markup(", ").join(
            Markup("{} ({})").format(term, f"{n:,}") for term, n in ae.top_reactions
        )
        body += Markup("<h3>{}</h3><p>{}.</p>{}{}").format(
            f"Adverse-event reports: {ae.database} ({ae.query})",
            "; ".join(facts),
            Markup("<p>Most reported reactions: {}.</p>").format(reactions) if reactions else Markup(),
            Markup('<p class="muted">{}</p>').format(
                ae.caveat or "Spontaneous reports are neither verified nor complete and have no denominator: "
                "they are not a measure of how often harm happens."
            ),
        )
    return _section("safety", "Safety", body)


def _ref_cites(ctx: _Ctx, citations: Sequence[str]) -> Markup:
    """Citations of studies as in-page links; source URLs as external links."""
    if not citations:
        return Markup()
    parts = []
    for c in citations:
        url = safe_url(c)
        if url:
            parts.append(
                Markup('<a href="{}" rel="noopener noreferrer" target="_blank">source</a>').format(url)
            )
        else:
            parts.append(ctx.cite(c))
    return Markup(" ({})").format(Markup("; ").join(parts))


def section_regulation(ctx: _Ctx) -> Markup:
    """Regulators' dated statements from the curated file, with its as-of date."""
    reg = ctx.report.regulation
    body = Markup('<p class="muted">Regulatory facts as of {} (scisays regulatory data v{}); later '
                  "actions are not included.</p>").format(reg.as_of, reg.version)
    if not reg.facts:
        body += Markup("<p>scisays holds no regulatory facts for {}. That is not a statement that none "
                       "exist.</p>").format(ctx.report.question.substance)
        return _section("regulation", "Regulation", body)
    rows = Markup("").join(
        Markup('<tr><td>{date}</td><td>{body}</td><td>{where}</td><td>{kind}</td><td>{what}</td>'
               "<td>{link}</td></tr>").format(
            date=f.date, body=f.body, where=f.jurisdiction, kind=f.kind, what=f.statement,
            link=(Markup('<a href="{}" rel="noopener noreferrer" target="_blank">source</a>').format(u)
                  if (u := safe_url(f.source_url)) else Markup("—")),
        )
        for f in reg.facts
    )
    body += _table(
        f"{len(reg.facts)} statements by regulators, newest first",
        ("Date", "Body", "Jurisdiction", "Kind", "What it says", "Source"),
        rows,
    )
    return _section("regulation", "Regulation", body)


def section_dose(ctx: _Ctx) -> Markup:
    """Doses the studies state (ranges, each dose with its sentence) and dose-dependent effects."""
    d = ctx.report.dose
    if not d.doses and not d.effects:
        return _section("dose", "Dose", Markup(
            "<p>None of the studies states a dose of the substance in its abstract.</p>"))
    ranges = Markup("").join(
        Markup("<li>{} studies: {} {}{}</li>").format(
            str(r.species), f"{r.low:g}" if r.low == r.high else f"{r.low:g}–{r.high:g}", r.unit,
            ctx.cites(r.citations))
        for r in d.ranges
    )
    doses = Markup("").join(
        Markup('<li><strong>{}</strong> ({}) — {}<blockquote class="quote">“{}”</blockquote></li>').format(
            cd.dose.describe(), cd.design.label, ctx.cite(cd.citation), _text(cd.dose.evidence.text))
        for cd in d.doses
    )
    body = Markup("<ul>{}</ul><h3>Doses stated</h3><ul>{}</ul>").format(ranges, doses)
    if d.effects:
        body += Markup("<h3>Effects that differ by dose</h3><ul>{}</ul>").format(Markup("").join(
            Markup('<li><blockquote class="quote">“{}”</blockquote> — {}, {}</li>').format(
                _text(e.evidence.text), e.design.label, ctx.cite(e.citation))
            for e in d.effects
        ))
    return _section("dose", "Dose", body)


def section_gaps(ctx: _Ctx) -> Markup:
    """What kind of study is missing, per condition and for safety."""
    gaps = ctx.report.gaps
    if not gaps:
        return _section("gaps", "Evidence gaps", Markup("<p>No gap found by scisays' rules.</p>"))
    items = Markup("").join(
        Markup("<li><strong>{}</strong>: {}{}</li>").format(
            g.condition or "safety", g.text, ctx.cites(g.citations))
        for g in gaps
    )
    return _section("gaps", "Evidence gaps", Markup('<ul class="gaps">{}</ul>').format(items))


def section_grading(ctx: _Ctx) -> Markup:
    """How each verdict was reached: the rule, then the reasons with their citations."""
    r = ctx.report
    body = Markup(
        "<p>GRADE-style: the grade rests on the strongest tier of design that addresses the condition "
        "(randomised evidence starts at high certainty, non-randomised studies with a comparison at low, "
        "everything else at very low), then goes down a level for each serious concern about risk of "
        "bias, inconsistency, indirectness, imprecision or publication bias. Each step is listed below "
        "with the studies it rests on; the rules are in docs/grading.md.</p>"
    )
    for v in r.verdicts:
        reasons = Markup("").join(
            Markup("<li>{}{}</li>").format(_text(x.text), ctx.cites(x.citations)) for x in v.reasons
        )
        body += Markup('<h3>{}: {} (certainty: {})</h3><ul class="reasons">{}</ul>').format(
            v.condition[:1].upper() + v.condition[1:], v.label, v.certainty, reasons
        )
    return _section("grading", "Why: how the grade was reached", body)


def section_sources(ctx: _Ctx) -> Markup:
    """Which sources answered, which failed (never hidden), and the notes."""
    r = ctx.report
    body = Markup()
    if r.source_status:
        items = Markup("").join(
            Markup("<li>{name}: {state}{items}{cache}{msg}</li>").format(
                name=s.name,
                state=Markup("ok") if s.ok else Markup('<span class="status-bad">failed</span>'),
                items=f", {s.items:,} items" if s.items else "",
                cache=" (from cache)" if s.from_cache else "",
                msg=f" — {s.message}" if s.message else "",
            )
            for s in r.source_status
        )
        body += Markup("<h3>Sources</h3><ul>{}</ul>").format(items)
    else:
        body += Markup("<p>Sources: {}.</p>").format(", ".join(r.sources))
    body += Markup("<h3>Notes</h3><ul>{}</ul>").format(
        Markup("").join(Markup("<li>{}</li>").format(n) for n in r.notes)
    )
    return _section("sources", "Sources and notes", body)


Section = Callable[[_Ctx], Markup]

SECTIONS: tuple[Section, ...] = (
    section_header,
    section_summary,
    section_grading,
    section_charts,
    section_studies,
    section_trials,
    section_safety,
    section_regulation,
    section_dose,
    section_gaps,
    section_sources,
)


def render_html_body(report: Report) -> Markup:
    """The report's content (no ``<html>``/``<head>``): every section in order, in a ``<main>``."""
    ctx = _Ctx.of(report)
    content = Markup("").join(section(ctx) for section in SECTIONS)
    return Markup('<main id="main" aria-labelledby="report-title">{}</main>').format(content)


def render_html(report: Report) -> str:
    """The report as one self-contained HTML file: inline CSS and SVG and a small inline script
    (allowed by hash in a CSP meta tag); it needs no network to view or print."""
    return str(
        Markup(
            "<!DOCTYPE html>\n"
            '<html lang="en"><head><meta charset="utf-8">'
            '<meta http-equiv="Content-Security-Policy" content="{csp}">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            '<meta name="generator" content="{gen}">'
            "<title>{title}</title><style>{css}</style></head>"
            '<body><a class="skip" href="#summary">Skip to the answer</a>{body}'
            "<script>{js}</script></body></html>\n"
        ).format(
            csp=FILE_CSP,
            gen=report.generator,
            title=question_title(report),
            css=Markup(REPORT_CSS),
            body=render_html_body(report),
            js=Markup(REPORT_JS),
        )
    )
