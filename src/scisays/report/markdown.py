"""Render a Report as Markdown. Third-party text is escaped: it can never become markup."""

from __future__ import annotations

import re

from ..model import AdverseEvents, Direction, Report, Study
from .build import finding_qualifier, trial_gap

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
            f"- **{md_escape(v.condition.capitalize())}: {v.label}** — certainty: **{v.certainty}** "
            f"({v.studies_addressing} of {len(report.studies)} "
            f"{'studies address' if v.studies_addressing != 1 else 'studies addresses'} it)"
        )
    out.append(f"- **Safety rating: {report.safety.rating}**")
    if report.regulation.facts:
        out.append(
            f"- Regulators: {len(report.regulation.facts)} dated statements (see Regulation; "
            f"as of {md_escape(report.regulation.as_of)})"
        )
    out.append("")
    out.append("## Why\n")
    for v in report.verdicts:
        terms = ", ".join(q.terms_for(v.condition))
        out.append(
            f"### {md_escape(v.condition.capitalize())}: {v.label} (certainty: {v.certainty})\n"
        )
        out.append(
            f"{v.studies_addressing} of {len(report.studies)} studies address "
            f"{md_escape(v.condition)} (searched as: {md_escape(terms)}). The grade starts at "
            f"**{v.start_certainty}** and ends at **{v.certainty}** — the rules are in docs/grading.md.\n"
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
                ("**RETRACTED** " if a.retracted else "") + md_escape(s.record.title),
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
                note = finding_qualifier(f)
                out.append(
                    f"- **{md_escape(f.condition)}: {f.direction.value}**"
                    + (f" ({md_escape(note)})" if note else "")
                    + f" — {s.appraisal.design.label}, {cite(s)}; confidence {f.confidence:.2f}"
                )
                for e in f.evidence:
                    out.append(f"  > {md_escape(e.text)} _({e.role.value.lower()})_")
            out.append("")

    if report.trials:
        out.extend(_trials(report))
    out.append("## Safety\n")
    out.append(f"**Safety rating: {report.safety.rating}**\n")
    for r in report.safety.rating_reasons:
        out.append(f"- {md_escape(r.text)}{_cites(report, r.citations)}")
    out.append("")
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

    out.extend(_regulation(report))
    out.extend(_dose(report, by_cite))
    out.extend(_gaps(report))

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


def _regulation(report: Report) -> list[str]:
    reg = report.regulation
    out = ["## Regulation\n"]
    out.append(
        f"_Regulatory facts as of {md_escape(reg.as_of)} (scisays regulatory data v{reg.version}); "
        "later actions are not included._\n"
    )
    if not reg.facts:
        out.append(
            f"scisays holds no regulatory facts for {md_escape(report.question.substance)}. "
            "That is not a statement that none exist.\n"
        )
    for f in reg.facts:
        out.append(
            f"- **{md_escape(f.date)} — {md_escape(f.body)}** ({md_escape(f.jurisdiction)}, "
            f"{md_escape(f.kind)}): {md_escape(f.statement)} [source]({f.source_url})"
        )
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


def _dose(report: Report, by_cite: dict[str, Study]) -> list[str]:
    d = report.dose
    out = ["## Dose\n"]
    if not d.doses and not d.effects:
        out.append("None of the studies states a dose of the substance in its abstract.\n")
        return out
    for r in d.ranges:
        span = f"{r.low:g}" if r.low == r.high else f"{r.low:g}–{r.high:g}"
        out.append(
            f"- {r.species} studies: {span} {md_escape(r.unit)}{_cites(report, r.citations)}"
        )
    out.append("")
    for cd in d.doses:
        ref = cite(by_cite[cd.citation]) if cd.citation in by_cite else md_escape(cd.citation)
        out.append(
            f"- **{md_escape(cd.dose.describe())}** ({cd.design.label}, {cd.species}) — {ref}\n"
            f"  > {md_escape(cd.dose.evidence.text)}"
        )
    if d.effects:
        out.append("\n### Effects that differ by dose\n")
        for e in d.effects:
            ref = cite(by_cite[e.citation]) if e.citation in by_cite else md_escape(e.citation)
            out.append(f"- > {md_escape(e.evidence.text)} — {e.design.label}, {ref}")
    out.append("")
    return out


def _gaps(report: Report) -> list[str]:
    out = ["## Evidence gaps\n"]
    if not report.gaps:
        out.append("No gap found by scisays' rules.\n")
    for g in report.gaps:
        head = f"**{md_escape(g.condition)}**: " if g.condition else "**safety**: "
        out.append(f"- {head}{md_escape(g.text)}{_cites(report, g.citations)}")
    out.append("")
    return out
