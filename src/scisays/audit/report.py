"""The audit of one article: its claims checked, its hygiene, and the verdicts used (pure).

``audit_article`` takes the article and a function that answers "what does the science say
about SUBSTANCE for CONDITIONS?" (``pipeline.ask`` with the user's sources, cache and offline
mode), so the core stays free of I/O. ``AuditReport.to_dict`` gives the versioned JSON
document (schemas/audit.schema.json).
"""

from __future__ import annotations

from collections import Counter, OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from .. import __version__
from ..model import Report, Verdict
from .article import Article
from .check import CheckedClaim, Label, check_claims
from .claims import ClaimKind, Vocabulary, extract_claims
from .hygiene import Hygiene, assess

AUDIT_SCHEMA = "scisays.audit"
AUDIT_SCHEMA_VERSION = 1

Asker = Callable[[str, Sequence[str]], Report]


@dataclass(frozen=True)
class AuditReport:
    article: Article
    substance: str  # the article's main substance ("" when none was recognised)
    claims: tuple[CheckedClaim, ...]
    hygiene: Hygiene
    reports: tuple[Report, ...]  # one per substance checked, with every condition asked
    notes: tuple[str, ...] = ()

    def counts(self) -> dict[str, int]:
        c = Counter(str(x.label) for x in self.claims)
        return {str(label): c.get(str(label), 0) for label in Label}

    def verdicts(self) -> list[tuple[str, Verdict]]:
        return [(r.question.substance, v) for r in self.reports for v in r.verdicts]

    def summary(self) -> str:
        n = len(self.claims)
        c = self.counts()
        parts = [f"{c[k]} {k}" for k in ("supported", "contradicted", "overstated", "understated",
                                         "not checkable") if c[k]]
        return (f"{n} claim{'s' if n != 1 else ''} found" + (": " + ", ".join(parts) if parts else "")
                + f"; {len(self.hygiene.flags)} hygiene flag{'s' if len(self.hygiene.flags) != 1 else ''}.")

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": AUDIT_SCHEMA,
            "schema_version": AUDIT_SCHEMA_VERSION,
            "generator": f"scisays {__version__}",
            "article": self.article.to_dict(),
            "substance": self.substance,
            "summary": {"claims": len(self.claims),
                        **{k.replace(" ", "_"): v for k, v in self.counts().items()},
                        "hygiene_flags": len(self.hygiene.flags), "text": self.summary()},
            "claims": [c.to_dict() for c in self.claims],
            "hygiene": self.hygiene.to_dict(),
            "verdicts": [{"substance": s, "condition": v.condition, "verdict": v.label,
                          "certainty": v.certainty, "reasons": [r.text for r in v.reasons]}
                         for s, v in self.verdicts()],
            "safety": [{"substance": r.question.substance, "rating": r.safety.rating} for r in self.reports],
            "notes": list(self.notes),
        }


def audit_article(article: Article, ask: Asker, *, substances: Sequence[str] = (),
                  conditions: Sequence[str] = ()) -> AuditReport:
    """Find the article's claims, ask once per substance for all the conditions its claims name
    (and any the user adds), and label every claim."""
    vocab = Vocabulary.default(substances, conditions)
    claims, main = extract_claims(article.text, article.title, vocab, substances)
    wanted: OrderedDict[str, list[str]] = OrderedDict()
    for c in claims:
        if not c.substance:
            continue
        conds = wanted.setdefault(c.substance, [])
        if c.kind is ClaimKind.EFFICACY:
            conds.extend(x for x in c.conditions if x not in conds)
    if main:
        conds = wanted.setdefault(main, [])
        conds.extend(x for x in conditions if x not in conds)
    reports = {s: ask(s, conds) for s, conds in wanted.items()}
    notes = []
    if not main:
        notes.append("No substance scisays knows was found in the article; name one with --substance "
                     "to check its claims.")
    checked = check_claims(claims, reports)
    return AuditReport(article, main, checked, assess(article, claims), tuple(reports.values()),
                       tuple(notes))
