"""Safety profile v1: the safety mentions of all retrieved studies, grouped by topic."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence

from ..model import Evidence, SafetyProfile, SafetyTopic, SafetyTopicSummary, Study


def safety_profile(studies: Sequence[Study]) -> SafetyProfile:
    """Each topic with the sentences that report it (one citation each) and the designs of
    the studies behind it; topics reported by more studies first."""
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
    return SafetyProfile(
        topics=tuple(
            SafetyTopicSummary(topic=t, mentions=tuple(mentions[t]), designs=dict(designs[t]))
            for t in topics
        )
    )
