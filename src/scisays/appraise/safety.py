"""Safety mentions: sentences of a study that report dependence, withdrawal, liver injury,
drug interactions, deaths, seizures or other adverse effects (v1 rules).

Read from the title and from every sentence except background and aims (which report
what others found or why the study was done). Words about another drug's problem
("opioid withdrawal", "heroin dependence") or about treating it ("easing withdrawal")
do not count as the substance's own harm.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..model import Evidence, SafetyMention, SafetyTopic, SentenceRole
from ..text import lower_pattern
from .sections import Sentence

_TOPICS: dict[SafetyTopic, re.Pattern[str]] = {
    SafetyTopic.DEPENDENCE: re.compile(
        r"\bdependen(?:ce|t)\b|\baddict\w*|\buse disorders?\b|\bSUD\b|\bcraving\w*|\btolerance\b|"
        r"\babuse (?:liability|potential)\b|\bcompulsive use\b|\bhabit-forming\b",
        re.IGNORECASE,
    ),
    SafetyTopic.WITHDRAWAL: re.compile(
        r"\bwithdrawal\b|\b(?:during|upon|on|after|effects of|following) (?:\w+ )?"
        r"(?:cessation|abstinence|discontinuation)\b|\babstinence syndrome\b",
        re.IGNORECASE,
    ),
    SafetyTopic.LIVER: re.compile(
        r"\bhepato ?toxic\w*|\bhepatotox\w*|\bliver (?:injury|damage|toxicity|failure|"
        r"transplant\w*|enzymes?)\b|\bhepatitis\b|\bDILI\b|\bjaundice\b|\bcholesta\w*|"
        r"\bhepatic (?:injury|failure|damage)\b|\bbilirubin\b|\b(?:ALT|AST)\b elevat\w*",
        re.IGNORECASE,
    ),
    SafetyTopic.DRUG_INTERACTION: re.compile(
        r"\b(?:drug|herb|kratom|pharmacokinetic|pharmacodynamic|medication)[- ]\w*[- ]?"
        r"interactions?\b|\binteract\w* with (?:\w+ ){0,2}(?:drugs?|medications?|medicines|"
        r"warfarin|antidepressants?|opioids?|alcohol|benzodiazepines?|contraceptives?)\b|"
        r"\bCYP ?\d\w*|\bcytochrome P450\b|\bco-?(?:consum|administ|ingest)\w*|"
        r"\bserotonin syndrome\b|\bP-glycoprotein\b|\binhibit\w* (?:of )?(?:CYP|metabolism)",
        re.IGNORECASE,
    ),
    SafetyTopic.OVERDOSE_DEATH: re.compile(
        r"\bdeaths?\b|\bdied\b|\bfatal\w*|\bmortality\b|\boverdos\w*|\bpost-?mortem\b|"
        r"\bautops\w*|\blethal\b",
        re.IGNORECASE,
    ),
    SafetyTopic.SEIZURE: re.compile(r"\bseizures?\b|\bconvulsions?\b|\bepilep\w*", re.IGNORECASE),
    SafetyTopic.OTHER_ADVERSE: re.compile(
        r"\badverse (?:effects?|events?|reactions?|outcomes?)\b|\bside[- ]effects?\b|"
        r"\btoxicit\w*|\btachycardi\w*|\bagitation\b|\bnausea\b|\bvomiting\b|\bconstipation\b|"
        r"\bpsychosis\b|\bserious medical outcomes?\b|\bpoisoning\b|\bhospitali[sz]\w*|"
        r"\bintensive care\b|\bcardiotoxic\w*|\barrhythmi\w*",
        re.IGNORECASE,
    ),
}

# Another drug or a treatment purpose just before the term: not this substance's harm.
_OTHER_DRUG = re.compile(
    r"\b(?:opioids?|opiates?|heroin|drugs?|alcohol|nicotine|tobacco|cocaine|methamphetamine|"
    r"benzodiazepines?|morphine|fentanyl|substance|cannabis|poly-?drug|illicit)\W+(?:\w+\W+)?$",
    re.IGNORECASE,
)
_PURPOSE = re.compile(
    r"\b(?:eas\w*|mitigat\w*|treat\w*|manag\w*|self-manag\w*|reliev\w*|reduc\w*|alleviat\w*|"
    r"decreas\w*|stop\w*|quit\w*|lessen\w*|prevent\w*|for|against|of)\W+(?:\w+\W+){0,1}$",
    re.IGNORECASE,
)
_NEGATED = re.compile(r"\b(?:no|without|nor|absence of|not)\W+(?:\w+\W+){0,2}$", re.IGNORECASE)

_SKIP_ROLES = frozenset({SentenceRole.BACKGROUND, SentenceRole.OBJECTIVE})
_TREATMENT_TOPICS = frozenset({SafetyTopic.DEPENDENCE, SafetyTopic.WITHDRAWAL})


def _counts(topic: SafetyTopic, text: str, match: re.Match[str]) -> bool:
    before = text[max(0, match.start() - 60) : match.start()]
    if _NEGATED.search(before):
        return False
    if topic in _TREATMENT_TOPICS:
        if _OTHER_DRUG.search(before):
            return False
        if _PURPOSE.search(before) and not re.search(r"\bkratom|\bits\b", before, re.IGNORECASE):
            return False
    return True


# Prefilter on lower-cased text (see text.lower_pattern): most sentences name no topic at all.
_ANY_TOPIC = re.compile(lower_pattern("|".join(f"(?:{p.pattern})" for p in _TOPICS.values())))


def topics_in(text: str) -> list[SafetyTopic]:
    """Safety topics a sentence reports, in a fixed order."""
    found: list[SafetyTopic] = []
    if not _ANY_TOPIC.search(text.lower()):
        return found
    for topic, pattern in _TOPICS.items():
        if any(_counts(topic, text, m) for m in pattern.finditer(text)):
            found.append(topic)
    return found


def find_safety(title: str, sentences: Sequence[Sentence]) -> tuple[SafetyMention, ...]:
    """Each (topic, sentence) the study reports, title first; background and aims skipped."""
    out: list[SafetyMention] = []
    seen: set[tuple[SafetyTopic, str]] = set()
    candidates = [Sentence(title, SentenceRole.TITLE, -1)] if title else []
    candidates += [s for s in sentences if s.role not in _SKIP_ROLES]
    for s in candidates:
        for topic in topics_in(s.text):
            if (topic, s.text) not in seen:
                seen.add((topic, s.text))
                out.append(SafetyMention(topic, Evidence(s.text, s.role)))
    return tuple(out)
