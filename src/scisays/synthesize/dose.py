"""Doses across the studies: every stated dose with its citation, the range per unit and
species, and the sentences reporting dose-dependent effects (pure)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from ..model import CitedDose, CitedSentence, DoseRange, DoseSummary, Species, Study


def _species(study: Study) -> Species:
    return Species.HUMAN if study.appraisal.species is Species.UNKNOWN else study.appraisal.species


def dose_summary(studies: Sequence[Study]) -> DoseSummary:
    """Doses (study order), ranges (human first, then by unit) and dose-dependent effects."""
    doses: list[CitedDose] = []
    spans: dict[tuple[Species, str], list[CitedDose]] = defaultdict(list)
    effects: list[CitedSentence] = []
    for s in studies:
        c = s.record.citation
        for d in s.appraisal.doses:
            cd = CitedDose(c, s.appraisal.design, _species(s), d)
            doses.append(cd)
            spans[(cd.species, d.unit)].append(cd)
        for e in s.appraisal.dose_effects:
            effects.append(CitedSentence(c, s.appraisal.design, e))
    order = list(Species)
    ranges = tuple(
        DoseRange(
            unit=unit, species=species,
            low=min(x.dose.low for x in group), high=max(x.dose.high for x in group),
            citations=tuple(dict.fromkeys(x.citation for x in group)),
        )
        for (species, unit), group in sorted(spans.items(), key=lambda kv: (order.index(kv[0][0]), kv[0][1]))
    )
    return DoseSummary(doses=tuple(doses), ranges=ranges, effects=tuple(effects))
