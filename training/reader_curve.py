"""The agreement-versus-overstatement curve of the reader, out-of-fold, as an SVG for docs/grading.md.

    python training/reader.py readings                    # build/reader/oof-readings-CAP.jsonl
    for cap in 0 0.005 0.01 0.02 0.05 1; do
      scisays eval verdicts ../shared/data/verdicts/cases.jsonl --json \\
        --readings build/reader/oof-readings-$cap.jsonl > build/reader/eval-$cap.json
    done
    scisays eval verdicts ../shared/data/verdicts/cases.jsonl --reader rules --json \
      > build/reader/eval-rules.json
    python training/reader_curve.py                        # -> docs/reader-curve.svg

Each point is the whole pipeline (ingest + offline ask) on the 1,880 Cochrane cases, every record
read by the model of the fold that did not train on it, with thresholds chosen on the other four
folds to keep the reader's own overstatement under the cap; the rules are one more point.
"""

from __future__ import annotations

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / "build" / "reader"
CAPS = ("0", "0.005", "0.01", "0.02", "0.05", "1")


def figures(path: Path) -> tuple[float, float]:
    s = json.loads(path.read_text())["summary"]["by_kind"]["cochrane"]
    return 100 * s["overstated"] / s["conditions"], 100 * s["agreed"] / s["conditions"]


def svg(points: list[tuple[str, float, float]], rules: tuple[float, float], shipped: str) -> str:
    w, h, left, bottom, top, right = 560, 360, 60, 50, 20, 20
    xmax, ymin, ymax = 16.0, 40.0, 80.0

    def x(v: float) -> float:
        return left + (w - left - right) * min(v, xmax) / xmax

    def y(v: float) -> float:
        return h - bottom - (h - bottom - top) * (v - ymin) / (ymax - ymin)

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" font-family="sans-serif" '
           'font-size="12" role="img" aria-label="Agreement versus overstatement, out-of-fold">',
           f'<rect width="{w}" height="{h}" fill="white"/>']
    for v in range(0, int(xmax) + 1, 2):
        out.append(f'<line x1="{x(v):.1f}" x2="{x(v):.1f}" y1="{top}" y2="{h - bottom}" stroke="#ddd"/>')
        out.append(f'<text x="{x(v):.1f}" y="{h - bottom + 16}" text-anchor="middle">{v}%</text>')
    for v in range(int(ymin), int(ymax) + 1, 10):
        out.append(f'<line x1="{left}" x2="{w - right}" y1="{y(v):.1f}" y2="{y(v):.1f}" stroke="#ddd"/>')
        out.append(f'<text x="{left - 6}" y="{y(v) + 4:.1f}" text-anchor="end">{v}%</text>')
    out.append(f'<line x1="{x(1):.1f}" x2="{x(1):.1f}" y1="{top}" y2="{h - bottom}" stroke="#b2182b" '
               'stroke-dasharray="4 3"/>')
    out.append(f'<text x="{x(1) + 4:.1f}" y="{top + 12}" fill="#b2182b">1% target</text>')
    path = " ".join(f"{'M' if i == 0 else 'L'}{x(o):.1f},{y(a):.1f}" for i, (_, o, a) in enumerate(points))
    points = sorted(points, key=lambda p: -p[2])  # labels from the top down
    out.append(f'<path d="{path}" fill="none" stroke="#0b5394" stroke-width="2"/>')
    last = -1e9
    for cap, o, a in points:
        fill = "#0b5394" if cap != shipped else "#1b7837"
        r = 6 if cap == shipped else 4
        out.append(f'<circle cx="{x(o):.1f}" cy="{y(a):.1f}" r="{r}" fill="{fill}"/>')
        label = f"cap {float(cap) * 100:g}%" if cap != "1" else "no cap"
        ty = max(y(a) + 4, last + 14) if y(a) + 4 > last - 14 else y(a) + 4  # labels never overlap
        ty = min(ty, y(a) + 4) if ty - (y(a) + 4) > 30 else ty
        last = ty
        out.append(f'<text x="{x(o) + 10:.1f}" y="{ty:.1f}">{label}: {a:.1f}% agreed / {o:.2f}% '
                   "overstated</text>")
    out.append(f'<rect x="{x(rules[0]) - 4:.1f}" y="{y(rules[1]) - 4:.1f}" width="8" height="8" '
               'fill="#8a5a00"/>')
    out.append(f'<text x="{x(rules[0]) - 8:.1f}" y="{y(rules[1]) - 8:.1f}" text-anchor="end">rules: '
               f'{rules[1]:.1f}% / {rules[0]:.1f}%</text>')
    out.append(f'<text x="{(left + w - right) / 2:.0f}" y="{h - 12}" text-anchor="middle">overstated '
               '(Cochrane dev cases, out-of-fold)</text>')
    out.append(f'<text transform="translate(16,{(top + h - bottom) / 2:.0f}) rotate(-90)" '
               'text-anchor="middle">agreed</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def main() -> None:
    points = sorted(((cap, *figures(BUILD / f"eval-{cap}.json")) for cap in CAPS), key=lambda p: p[1])
    rules = figures(BUILD / "eval-rules.json")
    (ROOT / "docs" / "reader-curve.svg").write_text(svg(points, rules, "0.005"))
    for cap, o, a in points:
        print(f"cap {cap}: agreed {a:.1f}%, overstated {o:.2f}%")
    print(f"rules: agreed {rules[1]:.1f}%, overstated {rules[0]:.2f}%")


if __name__ == "__main__":
    main()
