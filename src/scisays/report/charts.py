"""Charts as inline SVG (pure): the evidence pyramid, studies per year, adverse-event reports.

Every chart is a ``<figure>`` holding an ``<svg role="img">`` with a ``<title>`` and a ``<desc>``
that says in words what the chart shows, plus the numbers as a table in a ``<details>``
element, so the charts work for screen readers, for text browsers and on paper.
Colours are given by SVG presentation attributes (never ``style=""``), so a strict
Content-Security-Policy without ``'unsafe-inline'`` styles still draws them.
All text, including condition names and MedDRA terms, is escaped by ``markupsafe``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from markupsafe import Markup

from ..model import AdverseEvents, Design, Direction, Report, Verdict
from ..synthesize.grade import CONTROLLED, DESIGN_ORDER, INDIRECT, RANDOMISED, REVIEWS, UNCONTROLLED

# Colour-blind-safe palette (after Okabe & Ito), each dark enough for white text (contrast >= 4.5:1)
DIRECTION_COLOURS: dict[Direction, str] = {
    Direction.BENEFIT: "#1b7837",
    Direction.MIXED: "#8a5a00",
    Direction.COMPARISON: "#5a4fa2",
    Direction.UNCERTAIN: "#7a5c7a",
    Direction.UNCLEAR: "#5c5c7a",
    Direction.NO_EFFECT: "#0b5394",
    Direction.HARM: "#b2182b",
    Direction.NOT_ADDRESSED: "#6b6b6b",
}
DIRECTION_ORDER = (
    Direction.BENEFIT, Direction.MIXED, Direction.COMPARISON, Direction.UNCERTAIN, Direction.UNCLEAR,
    Direction.NO_EFFECT,
    Direction.HARM, Direction.NOT_ADDRESSED,
)
DIRECTION_LABELS: dict[Direction, str] = {
    Direction.BENEFIT: "benefit",
    Direction.MIXED: "mixed",
    Direction.COMPARISON: "compared with another treatment",
    Direction.UNCERTAIN: "uncertain",
    Direction.UNCLEAR: "unclear (could not be read)",
    Direction.NO_EFFECT: "no effect",
    Direction.HARM: "harm",
    Direction.NOT_ADDRESSED: "does not address it",
}

TIERS: tuple[tuple[str, tuple[Design, ...], str], ...] = (
    ("randomised (trials, meta-analyses)", RANDOMISED, "#1b4f72"),
    ("controlled observational", CONTROLLED, "#2874a6"),
    ("uncontrolled (surveys, cases, other)", UNCONTROLLED, "#9c5700"),
    ("animal and in vitro", INDIRECT, "#6c3483"),
    ("narrative reviews", REVIEWS, "#5d6d7e"),
)
_TIER_OF: dict[Design, int] = {d: i for i, (_, ds, _) in enumerate(TIERS) for d in ds}

WIDTH = 680
_FONT = 13


def _plural(n: int, one: str, many: str) -> str:
    return f"{n:,} {one if n == 1 else many}"


@dataclass(frozen=True, slots=True)
class _Segment:
    label: str
    value: int
    colour: str


def _svg_open(chart_id: str, height: int, title: str, desc: str) -> Markup:
    return Markup(
        '<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 {w} {h}" '
        'width="{w}" height="{h}" aria-labelledby="{i}-t {i}-d" preserveAspectRatio="xMinYMin meet">'
        '<title id="{i}-t">{title}</title><desc id="{i}-d">{desc}</desc>'
    ).format(w=WIDTH, h=height, i=chart_id, title=title, desc=desc)


def _legend(items: Sequence[tuple[str, str]], y: int) -> Markup:
    out = Markup()
    x = 0
    for label, colour in items:
        out += Markup(
            '<rect x="{x}" y="{y}" width="12" height="12" fill="{c}"/>'
            '<text x="{tx}" y="{ty}" class="legend">{label}</text>'
        ).format(x=x, y=y, c=colour, tx=x + 16, ty=y + 11, label=label)
        x += 30 + int(len(label) * _FONT * 0.6)
        if x > WIDTH - 120:
            x = 0
            y += 18
    return out


def _legend_height(items: Sequence[tuple[str, str]]) -> int:
    x, rows = 0, 1
    for label, _ in items:
        x += 30 + int(len(label) * _FONT * 0.6)
        if x > WIDTH - 120:
            x, rows = 0, rows + 1
    return rows * 18


def _data_table(caption: str, header: Sequence[str], rows: Sequence[Sequence[object]]) -> Markup:
    head = Markup("").join(Markup('<th scope="col">{}</th>').format(h) for h in header)
    body = Markup("").join(
        Markup("<tr>")
        + Markup('<th scope="row">{}</th>').format(r[0])
        + Markup("").join(Markup("<td>{}</td>").format(c) for c in r[1:])
        + Markup("</tr>")
        for r in rows
    )
    return Markup(
        '<details class="chart-data"><summary>The numbers behind this chart</summary>'
        '<table><caption>{}</caption><thead><tr>{}</tr></thead><tbody>{}</tbody></table></details>'
    ).format(caption, head, body)


def _figure(svg: Markup, caption: str, table: Markup, note: str = "") -> Markup:
    note_html = Markup('<p class="chart-note">{}</p>').format(note) if note else Markup()
    return Markup('<figure class="chart-figure">{}<figcaption>{}</figcaption>{}{}</figure>').format(
        svg, caption, note_html, table
    )


def _hbar_rows(
    rows: Sequence[tuple[str, Sequence[_Segment]]], *, label_width: int, centred: bool, top: int
) -> tuple[Markup, int]:
    """Horizontal stacked bars, one per row; returns the SVG and the height used."""
    row_h, gap = 22, 6
    bar_area = WIDTH - label_width - 50
    biggest = max((sum(s.value for s in segs) for _, segs in rows), default=0) or 1
    out = Markup()
    y = top
    for label, segs in rows:
        total = sum(s.value for s in segs)
        width = round(bar_area * total / biggest)
        x = label_width + ((bar_area - width) / 2 if centred else 0)
        out += Markup('<text x="{lx}" y="{ty}" class="axis" text-anchor="end">{label}</text>').format(
            lx=label_width - 8, ty=y + 15, label=label
        )
        if total == 0:
            out += Markup(
                '<line x1="{x1}" y1="{y}" x2="{x1}" y2="{y2}" stroke="#6b6b6b" stroke-dasharray="2 2"/>'
            ).format(x1=label_width + bar_area / 2 if centred else label_width, y=y + 2, y2=y + row_h - 2)
        for s in segs:
            if not s.value:
                continue
            w = bar_area * s.value / biggest
            out += Markup(
                '<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{h}" fill="{c}">'
                "<title>{title}</title></rect>"
            ).format(x=x, y=y, w=w, h=row_h, c=s.colour, title=f"{label}: {s.value} {s.label}")
            if w >= 18:
                out += Markup(
                    '<text x="{tx:.1f}" y="{ty}" class="bar-label" text-anchor="middle">{v}</text>'
                ).format(tx=x + w / 2, ty=y + 15, v=s.value)
            x += w
        out += Markup('<text x="{tx:.1f}" y="{ty}" class="axis">{n}</text>').format(
            tx=label_width + (bar_area + width) / 2 + 6 if centred else label_width + width + 6,
            ty=y + 15,
            n=total,
        )
        y += row_h + gap
    return out, y - top


def pyramid_designs(verdict: Verdict) -> list[Design]:
    """The designs a pyramid shows: the randomised and controlled tiers always (their absence
    is part of the answer), weaker designs only when present; strongest at the top."""
    present = {Design(d) for d, cell in verdict.counts.items() if sum(cell.values())}
    return [d for d in DESIGN_ORDER if d in (*RANDOMISED, *CONTROLLED) or d in present]


def evidence_pyramid(verdict: Verdict, chart_id: str) -> Markup:
    """Chart (a): studies by design (strongest at the top) and by finding for one condition."""
    designs = pyramid_designs(verdict)
    rows = []
    table_rows = []
    for d in designs:
        cell: Mapping[str, int] = verdict.counts.get(d.value, {})
        segs = [
            _Segment(DIRECTION_LABELS[dr], cell.get(dr.value, 0), DIRECTION_COLOURS[dr])
            for dr in DIRECTION_ORDER
        ]
        rows.append((d.label, segs))
        table_rows.append([d.label, *[cell.get(dr.value, 0) for dr in DIRECTION_ORDER]])
    legend_items = [(DIRECTION_LABELS[d], DIRECTION_COLOURS[d]) for d in DIRECTION_ORDER]
    lh = _legend_height(legend_items)
    bars, used = _hbar_rows(rows, label_width=190, centred=True, top=lh + 10)
    height = lh + 10 + used + 4
    condition = verdict.condition
    total = sum(sum(c.values()) for c in verdict.counts.values())
    strongest = [
        f"{sum(v for k, v in verdict.counts.get(d.value, {}).items() if k != Direction.NOT_ADDRESSED)} "
        f"{d.label}"
        for d in designs
        if any(v for k, v in verdict.counts.get(d.value, {}).items() if k != Direction.NOT_ADDRESSED)
    ]
    desc = (
        f"Evidence pyramid for {condition}: {_plural(total, 'study', 'studies')} by design, strongest "
        f"design at the top, coloured by what each concluded about {condition}. "
        f"{verdict.studies_addressing} address {condition}"
        + (": " + ", ".join(strongest) + "." if strongest else ".")
    )
    svg = _svg_open(chart_id, height, f"Evidence pyramid: {condition}", desc)
    svg += _legend(legend_items, 0) + bars + Markup("</svg>")
    table = _data_table(
        f"Studies by design and finding for {condition}",
        ["Design", *[DIRECTION_LABELS[d] for d in DIRECTION_ORDER]],
        table_rows,
    )
    return _figure(
        svg,
        f"Studies by design and by finding for {condition} (strongest design at the top).",
        table,
    )


def _columns(
    categories: Sequence[str],
    stacks: Sequence[Sequence[_Segment]],
    *,
    top: int,
    height: int = 180,
) -> Markup:
    """Vertical stacked columns over ``categories`` (e.g. years) with a y axis."""
    left, bottom_pad = 40, 22
    area_w = WIDTH - left - 10
    n = max(len(categories), 1)
    slot = area_w / n
    bar_w = max(min(slot * 0.8, 40), 1)
    biggest = max((sum(s.value for s in st) for st in stacks), default=0) or 1
    step = max(1, round(biggest / 4))
    out = Markup()
    base = top + height
    for tick in range(0, biggest + 1, step):
        y = base - height * tick / biggest
        out += Markup(
            '<line x1="{l}" y1="{y:.1f}" x2="{r}" y2="{y:.1f}" stroke="#d0d0d0"/>'
            '<text x="{tx}" y="{ty:.1f}" class="axis" text-anchor="end">{t}</text>'
        ).format(l=left, r=WIDTH - 10, y=y, tx=left - 6, ty=y + 4, t=tick)
    label_every = max(1, round(n / 12))
    for i, (cat, st) in enumerate(zip(categories, stacks, strict=True)):
        x = left + i * slot + (slot - bar_w) / 2
        y = float(base)
        for s in st:
            if not s.value:
                continue
            h = height * s.value / biggest
            y -= h
            out += Markup(
                '<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" fill="{c}">'
                "<title>{title}</title></rect>"
            ).format(x=x, y=y, w=bar_w, h=h, c=s.colour, title=f"{cat}: {s.value} {s.label}")
        if i % label_every == 0:
            out += Markup('<text x="{x:.1f}" y="{y}" class="axis" text-anchor="middle">{c}</text>').format(
                x=x + bar_w / 2, y=base + bottom_pad - 6, c=cat
            )
    out += Markup('<line x1="{l}" y1="{b}" x2="{r}" y2="{b}" stroke="#444"/>').format(
        l=left, r=WIDTH - 10, b=base
    )
    return out


def studies_per_year(report: Report, chart_id: str) -> Markup | None:
    """Chart (b): studies per year of publication, stacked by tier of design."""
    dated = [s for s in report.studies if s.record.year]
    if not dated:
        return None
    years = [s.record.year for s in dated if s.record.year]
    lo, hi = min(years), max(years)
    span = list(range(lo, hi + 1))
    per: dict[int, Counter[int]] = {y: Counter() for y in span}
    for s in dated:
        per[s.record.year or lo][_TIER_OF.get(s.appraisal.design, 2)] += 1
    tiers_present = sorted({t for c in per.values() for t in c})
    stacks = [
        [_Segment(TIERS[t][0], per[y][t], TIERS[t][2]) for t in tiers_present] for y in span
    ]
    legend_items = [(TIERS[t][0], TIERS[t][2]) for t in tiers_present]
    lh = _legend_height(legend_items)
    cols = _columns([str(y) for y in span], stacks, top=lh + 14)
    height = lh + 14 + 180 + 24
    undated = len(report.studies) - len(dated)
    busiest = max(span, key=lambda y: sum(per[y].values()))
    desc = (
        f"Studies per year of publication from {lo} to {hi}, stacked by kind of design: "
        + "; ".join(
            f"{TIERS[t][0]} {sum(per[y][t] for y in span)}" for t in tiers_present
        )
        + f". The busiest year is {busiest} with {sum(per[busiest].values())}."
    )
    svg = _svg_open(chart_id, height, "Studies per year by design", desc)
    svg += _legend(legend_items, 0) + cols + Markup("</svg>")
    table = _data_table(
        "Studies per year by kind of design",
        ["Year", *[TIERS[t][0] for t in tiers_present]],
        [[y, *[per[y][t] for t in tiers_present]] for y in span if sum(per[y].values())],
    )
    note = f"{_plural(undated, 'study has', 'studies have')} no year and are not shown." if undated else ""
    return _figure(svg, "Studies per year of publication, by kind of design.", table, note)


def adverse_event_charts(ae: AdverseEvents, chart_id: str) -> Markup:
    """Chart (c): spontaneous adverse-event reports by outcome and by year (openFDA)."""
    parts = Markup()
    colour = "#8e2c1e"
    if ae.outcomes:
        rows = [(label, [_Segment("reports", n, colour)]) for label, n in ae.outcomes]
        bars, used = _hbar_rows(rows, label_width=220, centred=False, top=4)
        desc = f"{ae.database} reports for {ae.query} by outcome: " + "; ".join(
            f"{label} {n:,}" for label, n in ae.outcomes
        ) + "."
        svg = _svg_open(f"{chart_id}-o", used + 8, f"{ae.database} reports by outcome", desc)
        svg += bars + Markup("</svg>")
        parts += _figure(
            svg,
            f"{ae.database}: adverse-event reports mentioning {ae.query}, by outcome "
            "(a report can have several).",
            _data_table(f"{ae.database} reports by outcome", ["Outcome", "Reports"], list(ae.outcomes)),
        )
    if ae.by_year:
        ys = sorted(ae.by_year)
        span = list(range(ys[0][0], ys[-1][0] + 1))
        counts = dict(ys)
        stacks = [[_Segment("reports", counts.get(y, 0), colour)] for y in span]
        cols = _columns([str(y) for y in span], stacks, top=8)
        desc = f"{ae.database} reports for {ae.query} per year received: " + "; ".join(
            f"{y} {n:,}" for y, n in ys
        ) + "."
        svg = _svg_open(f"{chart_id}-y", 8 + 180 + 24, f"{ae.database} reports per year", desc)
        svg += cols + Markup("</svg>")
        parts += _figure(
            svg,
            f"{ae.database}: adverse-event reports mentioning {ae.query}, per year.",
            _data_table(f"{ae.database} reports per year", ["Year", "Reports"], ys),
        )
    return parts


__all__ = [
    "DIRECTION_COLOURS",
    "DIRECTION_LABELS",
    "DIRECTION_ORDER",
    "TIERS",
    "adverse_event_charts",
    "evidence_pyramid",
    "pyramid_designs",
    "studies_per_year",
]
