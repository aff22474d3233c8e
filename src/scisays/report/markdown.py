"""Render a Report as Markdown. Third-party text is escaped: it can never become markup."""

from __future__ import annotations

import re

from ..model import AdverseEvents, Direction, Report, Study
from .build import trial_gap

_MD_SPECIAL = re.compile(r"([\\`*_\[\]|])")


def md_escape(text: str) -> str:
    """Escape Markdown and HTML so quoted text shows literally."""
    text = " ".join(text.split())
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MD_SPECIAL.sub(r"\\\1", text)


def cite(study: Study) -> str:
    r = study.record
    label = md_escape(r.citation)
    return f"[{label}]({r.url})" if r.url else label


def _cites(report: Report, citations: tuple[str, ...]) -> str:
    if not citations:
        return ""
    by_cite = {s.record.citation: s for s in report.studies}
    shown = [cite(by_cite[c]) if c in by_cite else md_escape(c) for c in citations]
    return " (" + "; ".join(shown) + ")"


def render_markdown(report: Report) -> str:
    """The report as a Markdown document."""
    q = report.question
    out: list[str] = []
    title = f"What does the science say about {q.substance}"
    if q.conditions:
        title += " for " + " and ".join(q.conditions)
    out.append(f"# {md_escape(title)}?\n")
    out.append(
        f"_{md_escape(report.generator)} · sources: {md_escape(', '.join(report.sources))} · "
        f"{len(report.studies)} studies found · searched for "
        f"{md_escape(', '.join(q.substance_terms))}_\n"
    )
    if report.source_status:
        out.append("## Sources\n")
        for st in report.source_status:
            line = f"{md_escape(st.name)}: {md_escape(st.message)}" if st.ok else (
                f"**{md_escape(st.name)} {md_escape(st.message)}**"
            )
            out.append(f"- {line}")
        out.append("")
    out.append("## Verdict\n")
    if not report.verdicts:
        out.append("No condition was asked about; the studies and safety signals are below.\n")
    for v in report.verdicts:
        out.append(
            f"### {md_escape(v.condition.capitalize())}: **{v.label}** "
            f"(certainty: {v.certainty})\n"
        )
        terms = ", ".join(q.terms_for(v.condition))
        out.append(
            f"{v.studies_addressing} of {len(report.studies)} studies address "
            f"{md_escape(v.condition)} (searched as: {md_escape(terms)}).\n"
        )
        for r in v.reasons:
            out.append(f"- {md_escape(r.text)}{_cites(report, r.citations)}")
        out.append("")

    if report.studies:
        out.append(f"## Studies ({len(report.studies)})\n")
        header = ["Study", "Year", "Design", "n", "Species", *[c for c in q.conditions], "Title"]
        out.append("| " + " | ".join(md_escape(h) for h in header) + " |")
        out.append("|" + "---|" * len(header))
        for s in report.studies:
            a = s.appraisal
            cells = [
                cite(s),
                str(s.record.year or "—"),
                a.design.label,
                f"{a.sample_size:,}" if a.sample_size else "—",
                str(a.species),
                *[
                    (f.direction.value if (f := a.finding_for(c)) else "—")
                    for c in q.conditions
                ],
                md_escape(s.record.title),
            ]
            out.append("| " + " | ".join(cells) + " |")
        out.append("")

        addressing = [
            (s, f)
            for s in report.studies
            for f in s.appraisal.findings
            if f.direction is not Direction.NOT_ADDRESSED
        ]
        if addressing:
            out.append("## What the studies concluded\n")
            for s, f in addressing:
                out.append(
                    f"- **{md_escape(f.condition)}: {f.direction.value}** — "
                    f"{s.appraisal.design.label}, {cite(s)}; confidence {f.confidence:.2f}"
                )
                for e in f.evidence:
                    out.append(f"  > {md_escape(e.text)} _({e.role.value.lower()})_")
            out.append("")

    if report.trials:
        out.extend(_trials(report))
    out.append("## Safety signals in these studies\n")
    if not report.safety.topics:
        out.append("None of the studies found reports a safety signal in its abstract.\n")
    by_cite = {s.record.citation: s for s in report.studies}
    for t in report.safety.topics:
        out.append(f"### {t.topic.label.capitalize()} — {md_escape(t.describe())}\n")
        for c, e in t.mentions:
            ref = cite(by_cite[c]) if c in by_cite else md_escape(c)
            out.append(f"- > {md_escape(e.text)} — {ref}")
        out.append("")

    for ae in report.adverse_events:
        out.extend(_adverse_events(ae))
    out.append("## Notes\n")
    for n in report.notes:
        out.append(f"- {md_escape(n)}")
    out.append("")
    return "\n".join(out)


TRIALS_NOTE = (
    "Ongoing trials, and finished trials that have posted no results, are gaps in the evidence: "
    "what they found is not yet known."
)


def _trials(report: Report) -> list[str]:
    out = [f"## Registered trials ({len(report.trials)}, ClinicalTrials.gov)\n", TRIALS_NOTE + "\n"]
    out.append("| Trial | Status | Phase | Enrolment | Start | Completion | Results | Title |")
    out.append("|---|---|---|---|---|---|---|---|")
    for t in report.trials:
        gap = trial_gap(t)
        results = "posted" if t.has_results else "none posted"
        status = md_escape(t.status.replace("_", " ").lower() or "unknown")
        cells = [
            f"[{md_escape(t.nct_id)}]({t.url})",
            f"**{status} ({md_escape(gap)})**" if gap else status,
            md_escape(t.phase or "—"),
            f"{t.enrollment:,}" if t.enrollment is not None else "—",
            md_escape(t.start_date or "—"),
            md_escape(t.completion_date or "—"),
            results,
            md_escape(t.title),
        ]
        out.append("| " + " | ".join(cells) + " |")
    out.append("")
    return out


def _count(n: int | None) -> str:
    return "not available" if n is None else f"{n:,}"


def _adverse_events(ae: AdverseEvents) -> list[str]:
    out = [f"## Adverse-event reports: {md_escape(ae.database)} (openFDA)\n"]
    out.append(
        f"{ae.total_reports:,} reports naming {md_escape(ae.query)}; serious: {_count(ae.serious_reports)}; "
        f"with hospitalisation: {_count(ae.hospitalisations)}; with death: {_count(ae.deaths)}"
        + (f" (retrieved {md_escape(ae.retrieved)})" if ae.retrieved else "")
        + ".\n"
    )
    if ae.top_reactions:
        out.append(
            "Most reported reactions: "
            + ", ".join(f"{md_escape(term.lower())} ({n:,})" for term, n in ae.top_reactions)
            + ".\n"
        )
    if ae.by_year:
        out.append("Reports by year: " + ", ".join(f"{y}: {n:,}" for y, n in ae.by_year) + ".\n")
    if ae.caveat:
        out.append(f"_{md_escape(ae.caveat)}_\n")
    return out
