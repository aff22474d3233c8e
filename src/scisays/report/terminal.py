"""Render a Report for the terminal with rich. Third-party text goes in as plain Text
objects, never as console markup, so a title like "[red]x" or "<script>" shows literally."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from ..model import AdverseEvents, Direction, Report, Verdict
from .build import finding_qualifier, trial_gap
from .charts import DIRECTION_LABELS, DIRECTION_ORDER, TIERS, pyramid_designs

_VERDICT_STYLE = {
    "evidence of benefit": "bold green",
    "probably benefits": "green",
    "may benefit": "yellow",
    "uncertain (conflicting)": "yellow",
    "probably no benefit": "red",
    "evidence of harm": "bold red",
    "insufficient evidence": "bold yellow",
}
_SAFETY_STYLE = {
    "likely safe": "bold green",
    "possibly safe": "green",
    "possibly unsafe": "red",
    "likely unsafe": "bold red",
    "insufficient evidence to rate": "bold yellow",
}
_DIRECTION_STYLE = {
    Direction.BENEFIT: "green",
    Direction.NO_EFFECT: "red",
    Direction.HARM: "bold red",
    Direction.MIXED: "yellow",
    Direction.COMPARISON: "cyan",
    Direction.UNCERTAIN: "magenta",
    Direction.UNCLEAR: "magenta",
    Direction.NOT_ADDRESSED: "dim",
}


_BAR_STYLE = {
    Direction.BENEFIT: "green",
    Direction.MIXED: "yellow",
    Direction.COMPARISON: "cyan",
    Direction.UNCERTAIN: "magenta",
    Direction.UNCLEAR: "bright_magenta",
    Direction.NO_EFFECT: "blue",
    Direction.HARM: "red",
    Direction.NOT_ADDRESSED: "bright_black",
}
_TIER_STYLE = ("bold blue", "cyan", "yellow", "magenta", "bright_black")
BAR_WIDTH = 40


MAX_CITATIONS = 8  # per line; a broad question's reason can rest on hundreds of studies


def _cites(citations: tuple[str, ...]) -> str:
    """" [a; b; …]": the first ``MAX_CITATIONS``, then how many more (the files list them all)."""
    shown = "; ".join(citations[:MAX_CITATIONS])
    more = len(citations) - MAX_CITATIONS
    return f" [{shown}; … and {more} more (see --format md or json)]" if more > 0 else f" [{shown}]"


def _t(text: str, style: str = "") -> Text:
    return Text(" ".join(text.split()), style=style)


def _scaled(value: int, biggest: int) -> int:
    """Bar length in cells: proportional, at least one cell for a non-zero value."""
    if not value:
        return 0
    return max(1, round(BAR_WIDTH * value / max(biggest, 1)))


def _legend(items: list[tuple[str, str]]) -> Text:
    legend = Text("  ")
    for label, style in items:
        legend.append("█ ", style=style)
        legend.append(label + "   ")
    return legend


def pyramid_text(verdict: Verdict) -> Text:
    """The evidence pyramid as bars: one row per design (strongest first), coloured by finding."""
    designs = pyramid_designs(verdict)
    present = [d for d in designs if sum(verdict.counts.get(d.value, {}).values())]
    absent = [d for d in designs if d not in present]
    width = max((len(d.label) for d in present), default=0)
    biggest = max((sum(verdict.counts.get(d.value, {}).values()) for d in present), default=0)
    out = Text()
    for d in present:
        cell = verdict.counts.get(d.value, {})
        out.append(f"  {d.label:>{width}} ")
        for dr in DIRECTION_ORDER:
            out.append("█" * _scaled(cell.get(dr.value, 0), biggest), style=_BAR_STYLE[dr])
        out.append(f" {sum(cell.values())}")
        said = [
            f"{cell[dr.value]} {DIRECTION_LABELS[dr]}"
            for dr in DIRECTION_ORDER
            if dr is not Direction.NOT_ADDRESSED and cell.get(dr.value)
        ]
        out.append(f"  ({', '.join(said)})\n" if said else "\n", style="dim")
    if absent:
        out.append("  none: " + ", ".join(d.label for d in absent) + "\n", style="dim")
    out.append_text(_legend([(DIRECTION_LABELS[d], _BAR_STYLE[d]) for d in DIRECTION_ORDER]))
    return out


def years_text(report: Report) -> Text | None:
    """Studies per year (years with studies only), coloured by kind of design."""
    tier_of = {d: i for i, (_, ds, _) in enumerate(TIERS) for d in ds}
    per: dict[int, list[int]] = {}
    for s in report.studies:
        if s.record.year:
            per.setdefault(s.record.year, [0] * len(TIERS))[tier_of.get(s.appraisal.design, 2)] += 1
    if not per:
        return None
    biggest = max(sum(v) for v in per.values())
    out = Text()
    for year in sorted(per):
        out.append(f"  {year} ")
        for i, n in enumerate(per[year]):
            out.append("█" * _scaled(n, biggest), style=_TIER_STYLE[i])
        out.append(f" {sum(per[year])}\n")
    used = sorted({i for v in per.values() for i, n in enumerate(v) if n})
    out.append_text(_legend([(TIERS[i][0], _TIER_STYLE[i]) for i in used]))
    return out


def _charts(report: Report) -> list[RenderableType]:
    parts: list[RenderableType] = []
    for v in report.verdicts:
        parts.append(
            Panel(pyramid_text(v), title=_t(f"Studies by design and finding: {v.condition}"),
                  title_align="left")
        )
    years = years_text(report)
    if years is not None:
        parts.append(Panel(years, title="Studies per year, by kind of design", title_align="left"))
    for ae in report.adverse_events:
        if not ae.outcomes:
            continue
        biggest = max(n for _, n in ae.outcomes)
        width = max(len(label) for label, _ in ae.outcomes)
        body = Text()
        for label, n in ae.outcomes:
            body.append(f"  {' '.join(label.split()):>{width}} ")
            body.append("█" * _scaled(n, biggest), style="red")
            body.append(f" {n:,}\n")
        parts.append(
            Panel(body, title=_t(f"{ae.database} adverse-event reports by outcome ({ae.query})"),
                  title_align="left")
        )
    return parts


def render_terminal(report: Report) -> RenderableType:
    """The report as a rich renderable (print it with a rich Console)."""
    q = report.question
    parts: list[RenderableType] = []
    heading = f"What does the science say about {q.substance}"
    if q.conditions:
        heading += " for " + " and ".join(q.conditions)
    parts.append(_t(heading + "?", "bold"))
    parts.append(
        _t(
            f"{report.generator} · sources: {', '.join(report.sources)} · "
            f"{len(report.studies)} studies · searched for {', '.join(q.substance_terms)}",
            "dim",
        )
    )
    for st in report.source_status:
        if not st.ok:
            parts.append(_t(f"⚠ {st.name} {st.message}", "yellow"))
    summary = Text()
    for v in report.verdicts:
        summary.append(f"{v.condition.capitalize()}: ", "bold")
        summary.append(v.label, style=_VERDICT_STYLE.get(v.label, "bold"))
        k = v.studies_addressing
        address = "study addresses" if k == 1 else "studies address"
        summary.append(f"  certainty: {v.certainty}; {k} {address} it\n")
    summary.append("Safety rating: ", "bold")
    summary.append(report.safety.rating, _SAFETY_STYLE.get(report.safety.rating, "bold"))
    parts.append(Panel(summary, title="Verdict", title_align="left"))
    for v in report.verdicts:
        body = Text()
        for r in v.reasons:
            body.append("• ")
            body.append(" ".join(r.text.split()))
            if r.citations:
                body.append(_cites(r.citations), style="cyan")
            body.append("\n")
        parts.append(Panel(body, title=_t(f"Why: {v.condition}", "bold"), title_align="left"))
    parts.extend(_charts(report))

    if report.studies:
        table = Table(title=f"Studies ({len(report.studies)})", show_lines=False, expand=True)
        table.add_column("Study", style="cyan", overflow="fold")
        table.add_column("Year", justify="right")
        table.add_column("Design")
        table.add_column("n", justify="right")
        for c in q.conditions:
            table.add_column(_t(c))
        for s in report.studies:
            a = s.appraisal
            finding_cells: list[Text] = []
            for c in q.conditions:
                f = a.finding_for(c)
                d = f.direction if f else Direction.NOT_ADDRESSED
                finding_cells.append(_t(d.value, _DIRECTION_STYLE[d]))
            table.add_row(
                _t(s.record.citation + (" RETRACTED" if a.retracted else ""),
                   "bold red" if a.retracted else ""),
                _t(str(s.record.year or "—")),
                _t(a.design.label),
                _t(f"{a.sample_size:,}" if a.sample_size else "—"),
                *finding_cells,
            )
        parts.append(table)

        quotes = Text()
        for s in report.studies:
            for f in s.appraisal.findings:
                if f.direction is Direction.NOT_ADDRESSED:
                    continue
                note = finding_qualifier(f)
                quotes.append(f"{f.condition}: {f.direction.value}" + (f" ({note})" if note else ""),
                              _DIRECTION_STYLE[f.direction])
                quotes.append(f" — {s.appraisal.design.label}, ")
                quotes.append(s.record.citation, "cyan")
                quotes.append(" " + " ".join(s.record.title.split()) + "\n", "dim")
                for e in f.evidence:
                    quotes.append("  “" + " ".join(e.text.split()) + "”\n", "italic")
        if quotes.plain:
            parts.append(Panel(quotes, title="What the studies concluded", title_align="left"))

    if report.trials:
        parts.append(_trials_table(report))
    safety = Text()
    safety.append("Rating: ", "bold")
    safety.append(report.safety.rating + "\n", _SAFETY_STYLE.get(report.safety.rating, "bold"))
    for reason in report.safety.rating_reasons:
        safety.append("• " + " ".join(reason.text.split()))
        if reason.citations:
            safety.append(_cites(reason.citations), "cyan")
        safety.append("\n")
    for t in report.safety.topics:
        safety.append(f"{t.topic.label.capitalize()}", "bold")
        safety.append(f" — {t.describe()}\n")
        for c, e in t.mentions[:4]:
            safety.append("  “" + " ".join(e.text.split()) + "” ", "italic")
            safety.append(c + "\n", "cyan")
        if len(t.mentions) > 4:
            safety.append(f"  … and {len(t.mentions) - 4} more (see --format md or json)\n", "dim")
    if not report.safety.topics:
        safety.append("None of the studies found reports a safety signal in its abstract.")
    parts.append(Panel(safety, title="Safety", title_align="left"))
    for ae in report.adverse_events:
        parts.append(_adverse_panel(ae))

    reg = report.regulation
    regulation = Text(f"As of {reg.as_of} (scisays regulatory data v{reg.version}); later actions "
                      "are not included.\n", "dim")
    for fact in reg.facts:
        regulation.append(f"{fact.date} {fact.body}", "bold")
        regulation.append(f" ({fact.jurisdiction}, {fact.kind}): {' '.join(fact.statement.split())} ")
        regulation.append(fact.source_url + "\n", "cyan")
    if not reg.facts:
        regulation.append(f"scisays holds no regulatory facts for {q.substance}.")
    parts.append(Panel(regulation, title="Regulation", title_align="left"))

    dose = Text()
    for rng in report.dose.ranges:
        span = f"{rng.low:g}" if rng.low == rng.high else f"{rng.low:g}–{rng.high:g}"
        dose.append(f"{rng.species} studies: {span} {rng.unit} ")
        dose.append(_cites(rng.citations).lstrip() + "\n", "cyan")
    for cd in report.dose.doses:
        dose.append(f"{cd.dose.describe()}", "bold")
        dose.append(f" ({cd.design.label}) ")
        dose.append(cd.citation + "\n", "cyan")
        dose.append("  “" + " ".join(cd.dose.evidence.text.split()) + "”\n", "italic")
    for eff in report.dose.effects:
        dose.append("Effect by dose: ", "bold")
        dose.append("“" + " ".join(eff.evidence.text.split()) + "” ", "italic")
        dose.append(eff.citation + "\n", "cyan")
    if not dose.plain:
        dose.append("None of the studies states a dose of the substance in its abstract.")
    parts.append(Panel(dose, title="Dose", title_align="left"))

    gaps = Text()
    for g in report.gaps:
        gaps.append(f"{g.condition or 'safety'}: ", "bold")
        gaps.append(" ".join(g.text.split()))
        if g.citations:
            gaps.append(_cites(g.citations), "cyan")
        gaps.append("\n")
    if not gaps.plain:
        gaps.append("No gap found by scisays' rules.")
    parts.append(Panel(gaps, title="Evidence gaps", title_align="left"))
    for n in report.notes:
        parts.append(_t(n, "dim"))
    return Group(*parts)


MAX_TRIAL_ROWS = 20


def _trials_table(report: Report) -> Table:
    table = Table(title=f"Registered trials ({len(report.trials)}, ClinicalTrials.gov)", expand=True,
                  caption="Ongoing and finished-without-results trials are gaps in the evidence.")
    table.add_column("Trial", style="cyan", no_wrap=True)
    table.add_column("Status")
    table.add_column("Phase")
    table.add_column("n", justify="right")
    table.add_column("Start")
    table.add_column("Results")
    table.add_column("Title", overflow="fold")
    for t in report.trials[:MAX_TRIAL_ROWS]:
        gap = trial_gap(t)
        status = t.status.replace("_", " ").lower() or "unknown"
        table.add_row(
            _t(t.nct_id),
            _t(f"{status} ({gap})" if gap else status, "bold yellow" if gap else ""),
            _t(t.phase or "—"),
            _t(f"{t.enrollment:,}" if t.enrollment is not None else "—"),
            _t(t.start_date or "—"),
            _t("posted" if t.has_results else "none posted", "" if t.has_results else "yellow"),
            _t(t.title),
        )
    if len(report.trials) > MAX_TRIAL_ROWS:
        more = len(report.trials) - MAX_TRIAL_ROWS
        table.add_row("…", _t(f"and {more} more (see --format md or json)", "dim"), "", "", "", "", "")
    return table


def _adverse_panel(ae: AdverseEvents) -> Panel:
    def n(v: int | None) -> str:
        return "n/a" if v is None else f"{v:,}"

    body = Text()
    body.append(f"{ae.total_reports:,} reports", "bold")
    body.append(f" naming {' '.join(ae.query.split())}; serious {n(ae.serious_reports)}, "
                f"hospitalisation {n(ae.hospitalisations)}, death {n(ae.deaths)}\n")
    if ae.top_reactions:
        body.append("Top reactions: " + ", ".join(f"{t.lower()} ({c:,})" for t, c in ae.top_reactions) + "\n")
    if ae.by_year:
        body.append("By year: " + ", ".join(f"{y}: {c:,}" for y, c in ae.by_year) + "\n")
    if ae.caveat:
        body.append(" ".join(ae.caveat.split()), "italic dim")
    return Panel(body, title=f"Adverse-event reports: {ae.database} (openFDA)", title_align="left")
