"""Render a Report as Markdown. Third-party text is escaped: it can never become markup."""

from __future__ import annotations

import re

from ..model import Direction, Report, Study

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

    out.append("## Notes\n")
    for n in report.notes:
        out.append(f"- {md_escape(n)}")
    out.append("")
    return "\n".join(out)
