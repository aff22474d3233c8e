"""Safety profile: the safety mentions of all retrieved studies grouped by topic, and a safety
rating (Natural Medicines' scale) with its reasons. Rules in docs/grading.md, section 5."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Sequence

from ..model import (
    AdverseEvents,
    Design,
    Evidence,
    Reason,
    Regulation,
    SafetyProfile,
    SafetyTopic,
    SafetyTopicSummary,
    Species,
    Study,
)
from .grade import design_name

SERIOUS = (
    SafetyTopic.DEPENDENCE, SafetyTopic.WITHDRAWAL, SafetyTopic.LIVER, SafetyTopic.SEIZURE,
    SafetyTopic.OVERDOSE_DEATH,
)
CAUTIONS = (SafetyTopic.DRUG_INTERACTION, SafetyTopic.OTHER_ADVERSE)
TRIALS = (Design.RCT, Design.META_ANALYSIS, Design.SYSTEMATIC_REVIEW)
#: designs that report a harm as a signal (one patient, an opinion), not as a rate among many
SIGNALS = (Design.CASE_REPORT, Design.CASE_SERIES, Design.NARRATIVE_REVIEW, Design.OTHER,
           Design.QUALITATIVE)
_TOLERATED = re.compile(
    r"\bwell[- ]tolerated\b|\bno serious adverse (?:events?|effects?|reactions?)\b|"
    r"\badverse (?:events?|effects?) (?:were|was) (?:mild|rare|infrequent|transient|similar|"
    r"comparable)\b|\bsafe and (?:well[- ]tolerated|effective)\b|\bgood safety profile\b",
    re.IGNORECASE,
)
NOT_RATED = "insufficient evidence to rate"


def _human(s: Study) -> bool:
    return s.appraisal.design not in (Design.ANIMAL, Design.IN_VITRO) and s.appraisal.species not in (
        Species.ANIMAL, Species.IN_VITRO)


def _n(k: int, one: str, many: str) -> str:
    return f"{k} {one if k == 1 else many}"


def safety_rating(
    studies: Sequence[Study],
    adverse_events: Sequence[AdverseEvents] = (),
    regulation: Regulation | None = None,
) -> tuple[str, tuple[Reason, ...]]:
    """(rating, reasons): likely unsafe / possibly unsafe / likely safe / possibly safe /
    insufficient evidence to rate, each reason citing the studies or sources it rests on."""
    human = [s for s in studies if _human(s)]
    by_topic: dict[SafetyTopic, list[Study]] = defaultdict(list)
    for s in human:
        for t in dict.fromkeys(m.topic for m in s.appraisal.safety):
            by_topic[t].append(s)
    serious = {t: by_topic[t] for t in SERIOUS if by_topic.get(t)}
    serious_studies = {s.record.key for group in serious.values() for s in group}
    reasons: list[Reason] = []
    for t, group in serious.items():
        kinds = Counter(s.appraisal.design for s in group)
        reasons.append(Reason(
            f"{t.label}: reported by {_n(len(group), 'human study', 'human studies')} ("
            + ", ".join(design_name(d, n) for d, n in kinds.most_common()) + ")",
            tuple(s.record.citation for s in group),
        ))
    for t in CAUTIONS:
        if by_topic.get(t) and t is not SafetyTopic.TOLERABILITY:
            reasons.append(Reason(
                f"caution — {t.label}: reported by {_n(len(by_topic[t]), 'human study', 'human studies')}",
                tuple(s.record.citation for s in by_topic[t]),
            ))
    ae_deaths = sum(a.deaths or 0 for a in adverse_events)
    for a in adverse_events:
        parts = [f"{a.total_reports:,} reports"]
        if a.serious_reports is not None:
            parts.append(f"{a.serious_reports:,} serious")
        if a.deaths is not None:
            parts.append(f"{a.deaths:,} with a death")
        reasons.append(Reason(
            f"{a.database} adverse-event reports for {a.query}: " + ", ".join(parts)
            + " (spontaneous reports: not verified, no denominator)",
            (f"openFDA {a.database}",),
        ))
    bans = [f for f in (regulation.facts if regulation else ()) if f.kind == "ban"]
    for f in bans:
        reasons.append(Reason(f"{f.body} ({f.jurisdiction}, {f.date}): {f.statement}", (f.source_url,)))

    trials = [s for s in human if s.appraisal.design in TRIALS]
    tolerated = [s for s in trials if _TOLERATED.search(s.record.abstract)
                 or any(m.topic is SafetyTopic.TOLERABILITY for m in s.appraisal.safety)]
    trial_n = sum(s.appraisal.sample_size or 0 for s in trials if s.appraisal.design is Design.RCT)
    trial_n = max(trial_n, max((s.appraisal.sample_size or 0 for s in trials
                                if s.appraisal.design is not Design.RCT), default=0))
    # Who reports a harm, and how: a trial, cohort or review measures how often it happens; a
    # survey or poison-centre series counts it among users; a case report is a signal, not a rate.
    measured = {t: [s for s in g if s.appraisal.design not in SIGNALS] for t, g in serious.items()}
    backed = {t for t, g in measured.items() if g}
    tolerated_by_trials = len(tolerated) >= 2 and trial_n >= 200

    if bans or (
        len(serious) >= 3
        and (SafetyTopic.LIVER in serious or SafetyTopic.OVERDOSE_DEATH in serious)
        and len(serious_studies) >= 3
        and len(backed) >= 2
        and not tolerated_by_trials
    ):
        rating = "likely unsafe"
        why = ("a national regulator has banned it" if bans and len(serious) < 3 else
               f"serious harms in {len(serious)} areas from {len(serious_studies)} human studies, "
               f"{len(backed)} of them measured in studies of many people")
    elif (backed or ae_deaths) and not tolerated_by_trials:
        # spontaneous adverse-event reports, like case reports, have no denominator: deaths among
        # them weigh against a substance unless randomised trials show it is tolerated
        rating = "possibly unsafe"
        why = ("serious harms reported in human studies" if backed
               else "adverse-event reports record deaths")
    elif serious and not tolerated:
        rating = "possibly unsafe"
        why = "serious harms reported in case reports or reviews, and no trial shows it is tolerated"
    elif len(trials) >= 4 and trial_n >= 1000 and len(tolerated) >= 2 and not backed:
        rating = "likely safe"
        why = (f"{len(trials)} randomised trials or reviews ({trial_n:,} participants), tolerability "
               "stated" + (" — the serious harms above are single reports or measured against "
                           "that tolerability" if serious else ", no serious harm reported"))
    elif len(trials) >= 2 and tolerated:
        rating = "possibly safe"
        why = (f"{len(trials)} randomised trials or reviews with tolerability stated"
               + ("; serious harms appear only in case reports or are outweighed by the trials"
                  if serious else " and no serious harm reported"))
    else:
        rating = NOT_RATED
        why = (f"too little human evidence on safety ({_n(len(human), 'human study', 'human studies')}, "
               f"{_n(len(trials), 'randomised trial or review', 'randomised trials or reviews')})")
    if tolerated and rating in ("likely safe", "possibly safe"):
        reasons.append(Reason(
            f"{_n(len(tolerated), 'trial or review states', 'trials or reviews state')} it was well "
            "tolerated or had no serious adverse events",
            tuple(s.record.citation for s in tolerated),
        ))
    reasons.insert(0, Reason(f"rated {rating}: {why}"))
    return rating, tuple(reasons)


def safety_profile(
    studies: Sequence[Study],
    adverse_events: Sequence[AdverseEvents] = (),
    regulation: Regulation | None = None,
) -> SafetyProfile:
    """Each topic with the sentences that report it (one citation each) and the designs of
    the studies behind it, topics reported by more studies first; and the safety rating."""
    mentions: dict[SafetyTopic, list[tuple[str, Evidence]]] = defaultdict(list)
    designs: dict[SafetyTopic, Counter[str]] = defaultdict(Counter)
    for s in studies:
        seen: set[SafetyTopic] = set()
        for m in s.appraisal.safety:
            mentions[m.topic].append((s.record.citation, m.evidence))
            if m.topic not in seen:
                seen.add(m.topic)
                designs[m.topic][s.appraisal.design.value] += 1
    order = list(SafetyTopic)
    topics = sorted(
        mentions, key=lambda t: (-sum(designs[t].values()), order.index(t))
    )
    rating, reasons = safety_rating(studies, adverse_events, regulation)
    return SafetyProfile(
        topics=tuple(
            SafetyTopicSummary(topic=t, mentions=tuple(mentions[t]), designs=dict(designs[t]))
            for t in topics
        ),
        rating=rating,
        rating_reasons=reasons,
    )
