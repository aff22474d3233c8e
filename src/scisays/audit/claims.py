"""The checkable claims of an article (pure): efficacy, harms, mechanism, dose, regulators.

Each sentence of the main text is read once. Substances and conditions are found with the same
curated table ``ask`` uses (data/synonyms.json); a sentence that names a condition but no
substance speaks of the article's main substance (the one it names most, its title counting
double) — articles say "it" far more often than the name. An efficacy claim's stance is read
with the rules that read study conclusions (appraise/finding.py): helps, does not help,
uncertain, or harms; its hedging says how strongly it is put ("may", "some users report",
"studies show"). Harms use the safety concepts of appraise/safety.py (negation and attribution
included). Every claim keeps its sentence and position.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from ..appraise.finding import read_sentence, term_pattern
from ..appraise.safety import topics_in
from ..appraise.sections import split_sentences
from ..model import Direction, SafetyTopic
from ..question import synonym_table


class ClaimKind(StrEnum):
    EFFICACY = "efficacy"
    HARM = "harm"
    MECHANISM = "mechanism"
    DOSE = "dose"
    REGULATORY = "regulatory"
    SAFETY = "safety"  # the article says it is safe ("completely safe", "no side effects")


class Stance(StrEnum):
    HELPS = "helps"
    DOES_NOT_HELP = "does not help"
    UNCERTAIN = "uncertain"
    HARMS = "harms"


_STANCE = {Direction.BENEFIT: Stance.HELPS, Direction.NO_EFFECT: Stance.DOES_NOT_HELP,
           Direction.UNCERTAIN: Stance.UNCERTAIN, Direction.UNCLEAR: Stance.UNCERTAIN,
           Direction.MIXED: Stance.UNCERTAIN,
           Direction.HARM: Stance.HARMS}

# "not shown", "no evidence that it works": absence of evidence, not evidence of no effect
_NOT_SHOWN = re.compile(
    r"\b(?:not|never|yet to be|no(?:t)? (?:\w+ )?(?:been|yet)) (?:\w+ ){0,2}?(?:demonstrated|shown|proven|"
    r"established|supported|confirmed)\b|\bno (?:\w+ ){0,2}(?:evidence|proof|studies|data)\b|"
    r"\black of (?:\w+ ){0,2}(?:evidence|studies|trials|data)\b|\bunproven\b", re.IGNORECASE)
# "…may offer relief, but these findings are not robustly supported by clinical research"
_QUALIFIED = re.compile(
    r"\b(?:but|however|although|though|yet|while)\b[^.;]*?\b(?:not (?:\w+ )?(?:supported|proven|established|"
    r"confirmed|demonstrated|shown)|(?:limited|sparse|weak|scarce|little|no|insufficient|inconclusive) "
    r"(?:\w+ ){0,2}(?:evidence|research|data|studies)|lack(?:s|ing)? (?:\w+ ){0,2}(?:evidence|research|"
    r"trials|studies))", re.IGNORECASE)


def stance_of(sentence: str, direction: Direction) -> Stance:
    """What an article's sentence says of efficacy. "Not shown to help" is uncertainty, not
    evidence of no effect; a benefit the sentence itself qualifies ("…, but these findings are
    not supported by research") is uncertain: the article says so itself."""
    stance = _STANCE[direction]
    if stance is Stance.DOES_NOT_HELP and _NOT_SHOWN.search(sentence):
        return Stance.UNCERTAIN
    if stance is Stance.HELPS and _QUALIFIED.search(sentence):
        return Stance.UNCERTAIN
    return stance


# How a claim is put. "reported": what users or anecdotes say; "hedged": may, might, could;
# "cites research": "studies show"; none of them: asserted as fact.
HEDGES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("reported", re.compile(
        r"\b(?:users?|people|individuals|consumers|patients|some|many|others)\b[^.;]{0,40}?\b(?:report\w*|"
        r"claim\w*|say|says|find|found|describe\w*|swear|believe\w*)\b|\banecdot\w*|\btestimonials?\b|"
        r"\bsurveys?\b|\bself-reported\b|\bare (?:often |commonly )?reported\b", re.IGNORECASE)),
    ("hedged", re.compile(
        r"\b(?:may|might|could|can potentially|potential(?:ly)?|possibl[ey]|suggest\w*|appear\w*|"
        r"seem\w*|likely)\b", re.IGNORECASE)),
    ("cites research", re.compile(
        r"\b(?:studies|research|trials?|scientists|evidence|data) (?:\w+ ){0,2}?(?:show\w*|suggest\w*|"
        r"found|find|indicate\w*|demonstrat\w*|prove\w*|confirm\w*)\b|\baccording to (?:a |the )?"
        r"(?:study|studies|research)\b|\bclinically proven\b", re.IGNORECASE)),
)

_MECHANISM = re.compile(
    r"\b(?:receptors?|agonists?|antagonists?|binds?|binding|inhibit\w*|modulat\w*|neurotransmitters?|"
    r"serotonin|dopamine|GABA|cortisol|enzymes?|CYP\w*|alkaloids? (?:act|work)|mechanism\w*|"
    r"acts? on|interacts? with (?:\w+ ){0,3}(?:receptors?|brain|system))\b", re.IGNORECASE)
_DOSE = re.compile(
    r"\b(?:low|lower|high|higher|small|smaller|large|larger|moderate) doses?\b|\bdos(?:e|es|ing|age)\b|"
    r"\b\d+(?:\.\d+)?\s?(?:mg|g|grams?|milligrams?|mcg|µg|ml|tablespoons?|teaspoons?)\b|"
    r"\bstrains?\b", re.IGNORECASE)

# Regulators, each with the ways articles name it; the first name is the one reports show.
REGULATORS: dict[str, tuple[str, ...]] = {
    "FDA": ("FDA", "Food and Drug Administration"),
    "DEA": ("DEA", "Drug Enforcement Administration"),
    "WHO": ("WHO", "World Health Organization", "World Health Organisation"),
    "EMA": ("EMA", "European Medicines Agency"),
    "EFSA": ("EFSA", "European Food Safety Authority"),
    "European Commission": ("European Commission",),
    "CDC": ("CDC", "Centers for Disease Control"),
    "Health Canada": ("Health Canada",),
    "MHRA": ("MHRA", "Medicines and Healthcare products Regulatory Agency"),
    "TGA": ("TGA", "Therapeutic Goods Administration"),
    "UN": ("UNODC", "United Nations", "Commission on Narcotic Drugs"),
}
_REGULATOR_PATTERNS = {
    body: re.compile("|".join(
        (r"\b" + re.escape(n) + r"\b") if n.isupper() else (r"(?i:\b" + re.escape(n) + r"\b)")
        for n in names)) for body, names in REGULATORS.items()}
_DATE = re.compile(r"\b(?:19[5-9]\d|20[0-4]\d)\b|\b(?:January|February|March|April|May|June|July|"
                   r"August|September|October|November|December) \d{1,2}\b")


_BAN = re.compile(r"\b(?:banned|illegal|schedule (?:I|1)|scheduled|controlled substance|prohibited)\b",
                  re.IGNORECASE)
# A sentence that does not name the substance speaks of it only through a reference.
_REFERENCE = re.compile(r"\b(?:it|its|it's|this (?:herb|plant|supplement|substance|drug|product|powder|"
                        r"botanical|remedy|compound|extract|tea))\b", re.IGNORECASE)
# Harms as articles put them ("potential for abuse and addiction", "liver damage"): a claim
# about a harm, whether or not the article says it happened.
_WITH_MEDICINES = re.compile(
    r"\binteract\w* with (?:\w+ ){0,3}(?:medications?|drugs?|medicines?|prescriptions?|alcohol)\b",
    re.IGNORECASE)
_ARTICLE_HARMS: tuple[tuple[SafetyTopic, re.Pattern[str]], ...] = (
    (SafetyTopic.DEPENDENCE, re.compile(r"\b(?:addict\w*|abuse|dependen(?:ce|cy|t)|habit-forming)\b",
                                        re.IGNORECASE)),
    (SafetyTopic.WITHDRAWAL, re.compile(r"\bwithdrawal symptoms?\b", re.IGNORECASE)),
    (SafetyTopic.LIVER, re.compile(r"\b(?:liver (?:damage|injury|toxicity|failure)|hepatotox\w*)\b",
                                   re.IGNORECASE)),
    (SafetyTopic.DRUG_INTERACTION, _WITH_MEDICINES),
    (SafetyTopic.OVERDOSE_DEATH, re.compile(r"\b(?:overdos\w*|deaths?|fatal\w*)\b", re.IGNORECASE)),
    (SafetyTopic.SEIZURE, re.compile(r"\bseizures?\b", re.IGNORECASE)),
)


# What articles promise that studies never say: "cures anxiety", "works wonders for stress".
_PROMISE = re.compile(
    r"\b(?:cures?|cured|curing|treats?|heals?|eliminates?|gets? rid of|works? (?:for|against|wonders)|"
    r"effective (?:for|against|in treating)|fights?|combats?|beats?|reverses?|banish(?:es)?|"
    r"boosts? (?:your )?mood)\b", re.IGNORECASE)
_NEGATION = re.compile(r"\b(?:not|never|no|cannot|can't|doesn't|don't|won't|isn't|aren't)\b", re.IGNORECASE)
# "It is completely safe", "no side effects", "non-addictive", "harmless"
_SAFE = re.compile(
    r"\b(?:(?:completely|perfectly|totally|100%|entirely|very|generally|is|are|be) safe|safe to (?:use|take)|"
    r"harmless|non-?addictive|not addictive|no (?:known )?(?:side[- ]effects|risks?|dangers?)|"
    r"without (?:any )?(?:side[- ]effects|risks?))\b", re.IGNORECASE)


_DENIED = re.compile(r"(?:\bnon-?|\bnot |\bno |\bnever |\bwithout (?:any )?|\bfree of )(?:\w+ )?$",
                     re.IGNORECASE)


def _promised(sentence: str) -> Direction | None:
    """An article's promise of benefit (or its denial), where the study-reading rules see none."""
    m = _PROMISE.search(sentence)
    if m is None:
        return None
    before = sentence[max(0, m.start() - 40):m.start()]
    return Direction.NO_EFFECT if _NEGATION.search(before) else Direction.BENEFIT


def _harms(sentence: str) -> tuple[SafetyTopic, ...]:
    """Safety topics a sentence claims: the study-reading concepts, or the article's words for
    a harm; an "interaction" with receptors is a mechanism, not a drug interaction."""
    found: list[SafetyTopic] = [t for t in topics_in(sentence) if t is not SafetyTopic.TOLERABILITY]
    found += [t for t, p in _ARTICLE_HARMS if t not in found and any(
        not _DENIED.search(sentence[max(0, m.start() - 25):m.start()]) for m in p.finditer(sentence))]
    if SafetyTopic.DRUG_INTERACTION in found and not _WITH_MEDICINES.search(sentence):
        found.remove(SafetyTopic.DRUG_INTERACTION)
    return tuple(t for t in SafetyTopic if t in found)


@dataclass(frozen=True)
class Claim:
    kind: ClaimKind
    sentence: str
    index: int  # sentence number in the article (0-based)
    position: int  # character offset of the sentence in the article text
    substance: str = ""  # canonical name; "" when the article names none we know
    conditions: tuple[str, ...] = ()
    stance: Stance | None = None
    hedging: tuple[str, ...] = ()
    topics: tuple[SafetyTopic, ...] = ()
    regulators: tuple[str, ...] = ()
    dated: bool = False

    @property
    def strength(self) -> str:
        """asserted, cites research, hedged or reported (the weakest way it is put wins)."""
        for name in ("reported", "hedged", "cites research"):
            if name in self.hedging:
                return name
        return "asserted"

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": str(self.kind), "sentence": self.sentence, "index": self.index,
            "position": self.position, "substance": self.substance, "conditions": list(self.conditions),
            "stance": str(self.stance) if self.stance else None, "hedging": list(self.hedging),
            "strength": self.strength, "topics": [str(t) for t in self.topics],
            "regulators": list(self.regulators), "dated": self.dated,
        }


@dataclass(frozen=True)
class Vocabulary:
    """Substances and conditions to look for: the curated table, plus any the user names."""

    substances: dict[str, tuple[str, ...]] = field(default_factory=dict)
    conditions: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @classmethod
    def default(cls, substances: Sequence[str] = (), conditions: Sequence[str] = ()) -> Vocabulary:
        table = synonym_table()
        subs = {name: (name, *terms) for name, terms in table["substances"].items()}
        conds = {name: (name, *terms) for name, terms in table["conditions"].items()}
        for s in substances:  # named by the user: their own words, with the table's if it has them
            subs[s] = (s, *subs.get(s, ()))
        for c in conditions:
            conds[c] = (c, *conds.get(c, ()))
        return cls(subs, conds)


def _found(text: str, entries: dict[str, tuple[str, ...]]) -> list[str]:
    return [name for name, terms in entries.items() if term_pattern(terms).search(text)]


def _own_words(text: str, entries: dict[str, tuple[str, ...]], names: list[str]) -> list[str]:
    """Of several entries found through shared broad terms ("mental health" is listed under
    anxiety and depression), keep those named by their own name when any is."""
    own = [n for n in names if term_pattern((n,)).search(text)]
    return own or names


def main_substance(title: str, sentences: Sequence[str], vocab: Vocabulary,
                   preferred: Sequence[str] = ()) -> str:
    """The substance the article is about: one the user named, else the one it names most."""
    if preferred:
        return preferred[0]
    counts: Counter[str] = Counter()
    for s in (title, title, *sentences):
        counts.update(_found(s, vocab.substances))
    return counts.most_common(1)[0][0] if counts else ""


def extract_claims(text: str, title: str = "", vocab: Vocabulary | None = None,
                   substances: Sequence[str] = ()) -> tuple[list[Claim], str]:
    """The article's claims in order, and its main substance."""
    vocab = vocab or Vocabulary.default(substances)
    sentences: list[tuple[str, int]] = []
    for para_start, para in _paragraphs(text):
        cursor = 0
        for s in split_sentences(para):
            at = para.find(s, cursor)
            cursor = at + len(s) if at >= 0 else cursor
            sentences.append((s, para_start + max(at, 0)))
    main = main_substance(title, [s for s, _ in sentences], vocab, substances)
    claims: list[Claim] = []
    for i, (s, pos) in enumerate(sentences):
        named = _found(s, vocab.substances)
        substance = (named[0] if len(named) == 1 else main if main in named or not named else named[0])
        conditions = tuple(_own_words(s, vocab.conditions, _found(s, vocab.conditions)))
        hedging = tuple(name for name, p in HEDGES if p.search(s))
        base = {"sentence": s, "index": i, "position": pos, "substance": substance, "hedging": hedging}
        regulators = tuple(b for b, p in _REGULATOR_PATTERNS.items() if p.search(s))
        if regulators:
            claims.append(Claim(ClaimKind.REGULATORY, regulators=regulators,
                                dated=bool(_DATE.search(s)), conditions=conditions,
                                **base))  # type: ignore[arg-type]
            continue
        if not substance:
            continue
        refers = bool(named) or bool(_REFERENCE.search(s))
        if conditions and refers and (d := read_sentence(s) or _promised(s)) is not None and d in _STANCE:
            claims.append(Claim(ClaimKind.EFFICACY, conditions=conditions, stance=stance_of(s, d),
                                **base))  # type: ignore[arg-type]
        if refers and _SAFE.search(s) and not _harms(s):
            claims.append(Claim(ClaimKind.SAFETY, **base))  # type: ignore[arg-type]
        harms = _harms(s)
        if harms and refers:
            claims.append(Claim(ClaimKind.HARM, topics=harms, **base))  # type: ignore[arg-type]
        if _MECHANISM.search(s) and refers:
            claims.append(Claim(ClaimKind.MECHANISM, **base))  # type: ignore[arg-type]
        if _DOSE.search(s) and refers:
            claims.append(Claim(ClaimKind.DOSE, conditions=conditions, **base))  # type: ignore[arg-type]
        if _BAN.search(s) and refers:
            claims.append(Claim(ClaimKind.REGULATORY, dated=bool(_DATE.search(s)),
                                **base))  # type: ignore[arg-type]
    return claims, main


def _paragraphs(text: str) -> list[tuple[int, str]]:
    out = []
    for m in re.finditer(r"[^\n]+", text):
        if m.group(0).strip():
            out.append((m.start(), m.group(0)))
    return out


def mechanism_terms(sentence: str) -> list[str]:
    """The words of a mechanism claim a study would use ("opioid receptors")."""
    out = []
    for m in re.finditer(r"\b([\w-]+ )?(receptors?|agonists?|antagonists?|serotonin|dopamine|GABA|"
                         r"cortisol|CYP\w*|enzymes?)\b", sentence, re.IGNORECASE):
        out.append((m.group(0)).strip())
    return out
