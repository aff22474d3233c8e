"""What a study concluded about the substance for one condition (rules; docs/grading.md §1).

The finding is read from sentences that name the condition — or, for a review whose own
question (title, objectives) names it, from all its conclusions: conclusions first, then
results, then the rest (background and aims never count, they state what others found or
what the authors meant to do). A finding is benefit, no effect, harm, mixed, a comparison
with another active treatment, or uncertain (the authors say the evidence cannot tell);
perceptions and reasons for use are recognised (``is_perceived``) so reports show them as
such. Each finding quotes the sentences it rests on. A trained classifier can replace
``classify_sentence`` or ``find_direction`` as a whole.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Sequence
from functools import lru_cache
from itertools import accumulate

from ..model import Direction, Evidence, Finding, SentenceRole
from .review import (
    SAFETY_WORDS,
    is_open_question,
    is_uncertain,
    main_clause,
    uncertain_on_main_question,
)
from .sections import Sentence

METHOD = "rules-v1"

_NO_EFFECT = re.compile(
    r"\bno (?:statistically )?significant\b|\bnot (?:statistically )?significant(?:ly)?\b|"
    r"\bdid not (?:significantly )?(?:improve|reduce|decrease|differ|change|alter|affect|"
    r"relieve|alleviate|show|lead|result)\b|\bdoes not (?:improve|reduce|relieve|affect)\b|"
    r"\bno (?:clear |measurable |meaningful )?(?:effect|difference|improvement|benefit|change|"
    r"evidence of (?:benefit|efficacy|effect))s?\b|\bnot (?:effective|efficacious|superior|"
    r"better)\b|\bfailed to\b|\bineffective\b|\b(?:comparable|similar) to placebo\b|"
    r"\bno better than placebo\b|\bnot supported\b|\bnot consistently\b|"
    r"\blittle (?:or|to) no (?:\w+ )?(?:difference|effect|benefit|improvement|change)\b|"
    r"\bno (?!adverse|side|serious|harmful|major|toxic|undesirable)\w+ (?:effect|benefit|"
    r"difference|improvement)s?\b|\b(?:no|not) more (?:effective|efficacious|beneficial) than\b|"
    r"\b(?:benefits?|effects?|efficacy|improvements?) (?:\w+ ){0,12}?(?:is|are|was|were|seems?|"
    r"appears?) (?:very )?unlikely\b|\bunlikely to (?:be (?:effective|beneficial)|benefit|help|"
    r"improve|reduce|prevent)\b|"
    r"\b(?:do|does|did|could|can|was|were) not (?:be )?(?:demonstrate|show|provide|support|alter|"
    r"change|appear to|seem to|find|detect|confirm|establish|demonstrated|shown|found)\b|"
    r"\bno (?:net|overall|clinically (?:important|relevant|meaningful)|important|significant) "
    r"(?:\w+ )?(?:benefit|effect|difference|improvement)s?\b|\bnot (?:reduce|improve|prevent)\b|"
    r"\b(?:data|evidence|results) (?:do|does)(?:,? \w+,?)? not support\b|"
    r"\bwithout (?:any )?(?:clear |significant )?"
    r"(?:benefit|effect|improvement)\b|\b(?:as|equally) (?:effective|efficacious) as placebo\b|"
    # "no evidence that X reduced Y": the whole clause is negated, so the match takes it all.
    r"\b(?:no|little) (?:\w+ ){0,2}evidence (?:(?:from|in) (?:[\w-]+ ){0,3}?(?:trials|studies|RCTs) )?"
    r"(?:that|of|for|to suggest|to support)\b[^.;:,]*|"
    r"\b(?:have|has|had) not (?:found|shown|demonstrated) (?:any )?(?:[\w-]+ ){0,2}evidence (?:that|of|"
    r"for)\b[^.;:,]*|"
    r"\bnot (?:significantly )?(?:associated|related|correlated) with\b[^.;:,]*",
    re.IGNORECASE,
)
# A null result and the rest of its clause ("little or no difference in preventing fractures"),
# so that words inside it are not read as a benefit; "but", "whereas" start a new clause.
_NO_EFFECT_CLAUSE = re.compile(
    f"(?:{_NO_EFFECT.pattern})(?:(?!\\b(?:but|whereas|while|although|however|yet)\\b)[^.;:,])*",
    re.IGNORECASE,
)
# "reduces the risk of exacerbations", "fewer relapses": a harm word inside a benefit.
_LESS_OF_HARM = re.compile(
    r"\b(?:reduc|lower|decreas|prevent|fewer|less|avoid)\w*(?:\s+[\w-]+){0,5}?\s+"
    r"(?:exacerbat|worsen|aggravat|relaps|deteriorat|increased risk)\w*", re.IGNORECASE)
_HARM = re.compile(
    r"\bworsen\w*|\bexacerbat(?:e|es|ed|ing)\b|\baggravat\w*|(?<!not )\bharmful\b|"
    r"\banxiogenic\b|\bdepressogenic\b|"
    r"\b(?:induc|provok|precipitat|trigger)\w* (?:\w+ ){0,2}(?:anxiety|depress\w*|panic|"
    r"insomnia|psychosis|symptoms)\b|\bincreased (?:risk|odds|rates?|levels?|severity|"
    r"symptoms?) of\b|\bassociated with (?:an? )?(?:increased|higher|greater|elevated) "
    r"(?:risk|odds|rates?|levels?|severity|scores?|symptoms?)\b|\bhigher (?:risk|odds|rates|"
    r"prevalence) of\b|\bpredicted (?:more|greater|higher)\b",
    re.IGNORECASE,
)
_BENEFIT = re.compile(
    r"\bimprov\w*|\breliev\w*|\brelief\b|\balleviat\w*|\bameliorat\w*|\battenuat\w*|"
    r"\beffective\b|\befficacious\b|\bbeneficial\b|\bbenefits?\b|"
    # efficacy and effectiveness as nouns are the topic, a benefit only when shown
    r"\b(?:demonstrat|show|establish|confirm|prov|support)\w* (?:\w+ ){0,2}(?:efficacy|effectiveness)\b|"
    r"\b(?:efficacy|effectiveness) (?:\w+ ){0,6}(?:was|were|has been|is) (?:\w+ )?(?:demonstrated|shown|"
    r"established|confirmed|proven|superior)\b|\bhas efficacy\b|"
    # perceived benefit (shown as such: see PERCEIVED)
    r"\b(?:high |good |positive )?ratings? of (?:\w+ )?effectiveness\b|\brated (?:\w+ ){0,2}effective\b|"
    r"\bperceived (?:\w+ ){0,2}(?:benefits?|effectiveness|improvements?)\b|"
    r"\b(?:antidepressant|anxiolytic|antianxiety|anti-anxiety|sedative|hypnotic|"
    r"mood[- ]elevating)(?:-like)? (?:effects?|activity|actions?|properties|potential)\b|"
    r"\b(?:reduc|decreas|lower)\w* (?:\w+ ){0,4}?(?:symptoms?|scores?|severity|immobility|"
    r"anxiety|depress\w*|stress|insomnia|latency|levels)\b|\bsignificantly (?:lower|reduced|"
    r"decreased|fewer|less)\b|\bhelp(?:ed|s|ful)?\b|\bmood[- ](?:elevat|enhanc|improv|lift)\w*|"
    r"\beased\b|\bease\b|\bpromising\b|\bprotective\b|"
    r"\b(?:reduc|decreas|lower)\w* (?:[\w/-]+ ){0,5}?(?:risk|incidence|rates?|mortality|deaths?|"
    r"recurrence|relapses?|admissions?|exacerbations?|pain|duration|frequency|number|need|use|"
    r"progression|loss|occurrence|odds|fractures?|events?|infarction|strokes?|infections?|requirements?|transfusions?|"
    r"complications|hospitali[sz]ations?|plaque|inflammation|bleeding|blood loss|caries|"
    r"thrombosis|embolism|attacks|episodes|flares?|days)\b|\b(?:lower|reduced|fewer|less) "
    r"(?:\w+ ){0,2}?(?:risk|rates?|incidence|mortality|deaths|relapses?|events|pain|symptoms|"
    r"admissions?|infections?|complications)\b|\bshould be (?:considered|offered|recommended)\b|"
    r"\bis recommended\b|\b(?:important|key|valuable) role in (?:the )?(?:prevention|treatment)\b|"
    r"\b(?:superior to|more effective than|better than) (?:placebo|no treatment|"
    r"control|sham|usual care|standard care|vehicle)\b|"
    r"(?<!\bfor )(?<!\bto )\bprevent(?:s|ed|ing)?\b|\bslow(?:s|ed)? "
    r"(?:\w+ ){0,2}(?:decline|progression|deterioration)\b|\bincreas\w* (?:\w+ ){0,3}?"
    r"(?:remission|response|healing|survival|cure|clearance|patency|success|abstinence)\b|"
    r"\bincreas\w* the (?:likelihood|chance|probability|odds) (?:\w+ ){0,6}?(?:remission|response|"
    r"healing|survival|cure|recovery|success|abstinence)\b|"
    r"\b(?:higher|greater|more) (?:\w+ ){0,2}?(?:remission|response|healing|survival|cure|"
    r"improvement|success) rates?\b",
    re.IGNORECASE,
)
_HEDGE = re.compile(
    r"\bmay\b|\bmight\b|\bcould\b|\bpotential(?:ly)?\b|\bsuggest\w*|\bpossibl\w*|"
    r"\bperceived\b|\bself-reported\b|\bappear\w*",
    re.IGNORECASE,
)
# Uses of the condition's words that are not the condition: "respiratory depression", opioid
# "CNS depression" are no mention of depression.
_LOOK_ALIKES = ("respiratory", "cns", "central nervous system", "cardiac", "myocardial", "bone marrow",
                "st segment", "immune", "ventilatory", "spreading", "cortical")
_FALSE_MENTIONS = re.compile(
    r"\b(?:" + "|".join(r"[- ]".join(map(re.escape, q.split())) for q in _LOOK_ALIKES) + r") depression\b",
    re.IGNORECASE,
)
_FALSE_MENTION_ENDS = tuple(q.split()[-1] + " depression" for q in _LOOK_ALIKES)  # in any match

_TIERS: tuple[tuple[frozenset[SentenceRole], float], ...] = (
    (frozenset({SentenceRole.CONCLUSIONS}), 0.8),
    (frozenset({SentenceRole.RESULTS}), 0.65),
    (frozenset({SentenceRole.UNLABELLED, SentenceRole.METHODS}), 0.5),
)


_DASHES = re.compile(r"[\u2010-\u2015\u2212\u00ad]")


def _singular(w: str) -> str:
    """A lower-case plural without its "s" ("antibiotics" → "antibiotic"); other words as they are."""
    if len(w) > 4 and w.islower() and w.endswith("s") and not w.endswith(("ss", "us", "is")):
        return w[:-1]
    return w


def _word(w: str) -> str:
    """A word of a term, matching its singular and plural ("antibiotics" ~ "antibiotic")."""
    stem = _singular(w)
    return re.escape(stem) + (r"(?:s|es)?" if stem != w or w[-1:].isalpha() else "")


# Perceptions and reasons for use are not measured outcomes: "users report", "perceived",
# "used kratom for anxiety", "among many users", "high ratings of effectiveness".
PERCEIVED = re.compile(
    r"\bperceived\b|\bself-?reported\b|\breasons? for (?:use|using|consumption|taking)\b|"
    r"\bmotivations?\b|\bused (?:\w+ ){0,3}(?:for|to)\b|\bratings? of effectiveness\b|"
    r"\bto (?:self-?)?(?:treat|manage|medicate)\b|\b(?:users|respondents|consumers|participants) "
    r"(?:\w+ ){0,2}(?:report\w*|describ\w*|claim\w*|believ\w*|endors\w*|perceiv\w*)|"
    r"\bamong (?:\w+ ){0,2}(?:users|consumers|respondents|those who (?:use|consume))\b|"
    r"\b(?:anecdotal|self-report\w*|user reports?)\b", re.IGNORECASE)


def is_perceived(finding: Finding) -> bool:
    """True when every sentence a finding rests on reports perception or reasons for use."""
    return bool(finding.evidence) and all(PERCEIVED.search(e.text) for e in finding.evidence)


_BEFORE_TERM = r"(?<![\w-])"
_ACRONYM = re.compile(r"^[A-Z][A-Z0-9]{1,5}$")  # an acronym matches in capitals only


def term_pattern(terms: Sequence[str]) -> re.Pattern[str]:
    """A pattern matching any of ``terms`` as whole words (plural/hyphen variants allowed)."""
    return _term_pattern(tuple(terms))


# For each term pattern, words one of which every match contains (``_literals``): a sentence
# containing none of them cannot match, and `in` on a string is far cheaper than trying every
# alternative of the pattern at every position.
_LITERALS: dict[re.Pattern[str], tuple[str, ...]] = {}
_MAX_LITERALS = 1024  # a server asked many different questions keeps the latest


def _literals(terms: Sequence[Sequence[str]]) -> set[str]:
    """For terms split into words, lower-cased words such that every match of any term holds
    one of them: each one-word term (as its singular, which its plural holds, see ``_word``);
    for a longer term nothing when one of its words holds one of those already ("anxiety
    disorder" holds "anxiety"), else its rarest word: the longest one that is not a word of many
    terms ("hydroxymitragynine", not "7"; "mood", not "low" or "disorder")."""
    out = {_singular(words[0]).lower() for words in terms if len(words) == 1}
    for words in terms:
        if len(words) > 1:
            candidates = [w.lower() for w in (*words[:-1], _singular(words[-1]))]
            if not any(lit in w for w in candidates for lit in out):
                out.add(min(candidates, key=lambda w: (w in _GENERIC, -len(w))))
    return out


# Words of many terms ("mood disorder", "heart disease"): the other word of such a term is rarer.
_GENERIC = frozenset("disorder disease syndrome health symptom condition injury failure infection "
                     "type acute chronic major minor low high severe mild".split())


@lru_cache(maxsize=256)
def _term_pattern(terms: tuple[str, ...]) -> re.Pattern[str]:
    parts = []
    unique = sorted({_DASHES.sub("-", t).strip() for t in terms if t.strip()}, key=len, reverse=True)
    split = [words for t in unique if (words := [w for w in re.split(r"[\s-]+", t) if w])]
    literals = _literals(split)
    for words in split:
        if len(words) == 1 and _ACRONYM.match(words[0]):
            parts.append(r"(?-i:" + re.escape(words[0]) + r"s?)")  # "GAD", not "gad"; "MDD", not "mdd"
            continue
        parts.append(r"[\s-]+".join([*(re.escape(w) for w in words[:-1]), _word(words[-1])]))
    if not parts:
        return re.compile(r"(?!x)x")
    pattern = re.compile(_BEFORE_TERM + r"(?:" + "|".join(parts) + r")(?![\w])", re.IGNORECASE)
    _LITERALS[pattern] = tuple(sorted(literals))
    while len(_LITERALS) > _MAX_LITERALS:  # a pattern without its literals is only searched in full
        del _LITERALS[next(iter(_LITERALS))]
    return pattern


_DASH_TABLE = {c: "-" for c in [*range(0x2010, 0x2016), 0x2212, 0x00AD]}  # what _DASHES matches


def may_contain(text: str, pattern: re.Pattern[str], *, low: str | None = None) -> bool:
    """False only if ``text`` cannot match a :func:`term_pattern` (it contains none of the
    terms' rarest words); True for any other pattern. ``low``: the text lower-cased, if at hand."""
    literals = _LITERALS.get(pattern)
    if literals is None:
        return True
    if low is None:
        low = text.lower()
    return any(lit in low for lit in literals)


def may_name(sentences: Sequence[Sentence], pattern: re.Pattern[str]) -> list[Sentence]:
    """The sentences that may match a :func:`term_pattern`: those containing one of its terms'
    rarest words, found by searching the record's text once rather than each sentence in turn
    (every sentence, for a pattern without recorded literals)."""
    literals = _LITERALS.get(pattern)
    if literals is None:
        return list(sentences)
    joined = "\n".join(s.lower for s in sentences)
    present = [lit for lit in literals if lit in joined]  # usually none, or one or two
    if not present:
        return []
    ends = list(accumulate(len(s.lower) + 1 for s in sentences))  # where each sentence ends
    found: set[int] = set()
    for lit in present:
        at = joined.find(lit)
        while at >= 0:
            k = bisect_right(ends, at)
            found.add(k)
            at = joined.find(lit, ends[k]) if k + 1 < len(ends) else -1
    return [sentences[k] for k in sorted(found)]


def mentions(sentence: str, condition: re.Pattern[str], *, low: str | None = None,
             checked: bool = False) -> bool:
    """True if the sentence names the condition (not a look-alike such as CNS depression).
    ``low``: the sentence lower-cased, if at hand; ``checked``: it is known to contain one of
    the terms' rarest words (:func:`may_name`)."""
    if low is None:
        low = sentence.lower()
    if not checked and not may_contain(sentence, condition, low=low):  # literals hold no dash
        return False
    cleaned = sentence if sentence.isascii() else sentence.translate(_DASH_TABLE)
    if condition.search(cleaned) is None:
        return False
    if "depression" not in low or not any(end in low for end in _FALSE_MENTION_ENDS):
        return True
    return condition.search(_FALSE_MENTIONS.sub(" ", cleaned)) is not None


# Head-to-head wording: the comparator follows. A comparison with placebo, sham or no treatment
# is an ordinary finding; one with another treatment is a comparison, not "no effect".
_VERSUS = re.compile(
    r"\b(?:as (?:effective|efficacious|good|well tolerated)|similar(?:ly)? (?:effective|efficacious)?|"
    r"comparable(?: efficacy)?|equivalent(?: efficacy)?|equally effective|non-?inferior|"
    r"not inferior|no less effective|(?:more|less) effective|superior|inferior|better)\s+"
    r"(?:to|as|than|with)\s+(?P<a>[^.;:,()]{1,60})|"
    r"\b(?:no (?:statistically )?(?:significant )?differences?|did not differ(?: significantly)?|"
    r"differ(?:ed)? (?:little|significantly)|similar (?:efficacy|effects?|results|improvements?))"
    r"\s+(?:\w+\s+){0,8}?(?:between|from)\s+(?P<b>[^.;:,()]{1,80})|"
    r"\b(?:compared (?:with|to)|versus|vs\.?)\s+(?P<c>[^.;:,()]{1,60})",
    re.IGNORECASE,
)
_INACTIVE = re.compile(
    r"^(?:the |a |an |their |its )?(?:placebo|sham|vehicle|no (?:treatment|intervention|"
    r"therapy|drug)|untreated|control|controls|usual care|standard care|baseline|pretreatment|"
    r"pre-treatment|waiting list|wait-?list|nothing|those|the (?:control|placebo)|[\w\s-]{1,40}"
    r"\b(?:alone|only)$|"
    r"(?:the )?(?:two|both|all|three) (?:groups|arms|treatments|regimens)|groups|arms|"
    r"(?:a policy of )?(?:avoid\w*|withh[oe]ld\w*|deferr?\w*|delay\w*)|"
    r"(?:standard|conventional|usual|routine|supportive|best supportive) (?:care|treatment|therapy|"
    r"management)|observation|expectant|no (?:\w+ )?(?:therapy|treatment|intervention|prophylaxis))\b",
    re.IGNORECASE,
)
_PLACEBO_WORD = re.compile(r"\bplacebo|\bsham\b|\bno[- ]treatment\b|\buntreated\b|\bvehicle\b",
                           re.IGNORECASE)


_EQUIVALENT = re.compile(
    r"\b(?:as (?:effective|efficacious|good|well)|similar|comparable|equivalent|equally|"
    r"non-?inferior|not inferior|no less|less effective|inferior|no (?:statistically )?"
    r"(?:significant )?differences?|did not differ|(?:as|equally) effectively)\b", re.IGNORECASE)


def active_comparator(sentence: str) -> str:
    """The active treatment a sentence compares the substance with ('' if none: placebo,
    no treatment, groups in general, or no comparison at all)."""
    for m in _VERSUS.finditer(sentence):
        what = next(g for g in m.groups() if g)
        what = re.split(r"\b(?:in|for|at|on|after|during|among|over|regarding|with respect to|"
                        r"but|while|whereas|which|who|and placebo|or placebo)\b", what,
                        flags=re.IGNORECASE)[0].strip()
        if not what or _INACTIVE.search(what) or _PLACEBO_WORD.search(what):
            continue
        if m.group("b") is not None:
            # "no difference between X and Y": the comparator is whichever side is not X
            parts = re.split(r"\s+(?:and|or|versus|vs\.?)\s+", what, maxsplit=1)
            what = parts[-1] if len(parts) == 2 else what
            if _INACTIVE.search(what) or _PLACEBO_WORD.search(what):
                continue
        return what[:60]
    return ""


def placebo_controlled(title: str, sentences: Sequence[Sentence]) -> bool:
    """True if the study names placebo, sham, vehicle or no treatment anywhere."""
    return bool(_PLACEBO_WORD.search(title)) or any(_PLACEBO_WORD.search(s.text) for s in sentences)


def classify_sentence(sentence: str) -> Direction | None:
    """The direction a sentence states, or None if it states none (or says the evidence
    cannot tell: "we are uncertain whether", "insufficient evidence to determine")."""
    if is_uncertain(sentence):
        return None
    no_effect = bool(_NO_EFFECT.search(sentence))
    harm = bool(_HARM.search(_LESS_OF_HARM.sub(" ", sentence)))
    benefit = bool(_BENEFIT.search(_NO_EFFECT_CLAUSE.sub(" ", sentence)))
    if not harm and _EQUIVALENT.search(sentence) and active_comparator(sentence):
        return Direction.COMPARISON
    if harm and (benefit or no_effect):
        return Direction.MIXED
    if harm:
        return Direction.HARM
    if no_effect and benefit:
        # "did not improve X but reduced Y" — both a null and a positive result.
        return Direction.MIXED
    if no_effect:
        return Direction.NO_EFFECT
    if benefit:
        return Direction.BENEFIT
    return None



_SAFETY_TALK = re.compile(rf"\b(?:{SAFETY_WORDS}|toxicity)\b", re.IGNORECASE)
_RESEARCH_NEED = re.compile(
    r"\b(?:further|more|future|additional|larger|longer|well-designed|adequately powered|high-quality|"
    r"robust|better|new) (?:[\w-]+ ){0,3}(?:research|studies|trials|evaluation|investigation|evidence|"
    r"data)\b[^.;]{0,40}?\b(?:is|are|will be|would be)? ?(?:needed|required|warranted|necessary)\b|"
    r"\bfuture research should\b|\b(?:research|studies|trials|evidence(?: base)?) (?:is|are) (?:still |"
    r"urgently |clearly )?(?:needed|required|warranted)\b|\bimprovement of the evidence\b",
    re.IGNORECASE)


_CONTRACTION = re.compile(
    r"\b(can|won|ca|do|does|did|is|are|was|were|has|have|had|should|would|could)n[’']t\b", re.IGNORECASE)


def _uncontract(text: str) -> str:
    def full(m: re.Match[str]) -> str:
        w = m.group(1).lower()
        return {"won": "will not", "can": "cannot", "ca": "cannot"}.get(w, m.group(1) + " not")

    return _CONTRACTION.sub(full, text) if "n't" in text or "n’t" in text else text


def read_sentence(text: str, conclusion: bool = False) -> Direction | None:
    """A sentence's direction, or UNCERTAIN when it says the evidence cannot tell. A sentence
    whose main clause states a result and a later clause an uncertainty ("X probably reduces
    Y, while we are uncertain of the effect on Z") takes the main clause's result; so does a
    mixed sentence when ``conclusion`` (a review's conclusions lead with their answer).
    A call for more research, or a narrower question left open ("it remains unclear which
    population will best benefit"), states no result. Contractions are read in full ("doesn't
    seem to help" is "does not seem to help")."""
    text = _uncontract(text)
    if is_open_question(main_clause(text)):
        return None
    need = _RESEARCH_NEED.search(text)
    if need:
        text = text[: need.start()]  # what comes before the call for research, if anything
        if len(text.split()) < 3:
            return None
    main = main_clause(text)
    if conclusion:
        d = classify_sentence(text)
        if d is Direction.MIXED and main != text and not is_uncertain(main):
            return classify_sentence(main) or d
    if is_uncertain(text):
        if main != text and not is_uncertain(main) and (d := classify_sentence(main)) is not None:
            return d
        return Direction.UNCERTAIN
    return classify_sentence(text)


def _weights(directions: Sequence[Direction]) -> dict[Direction, float]:
    """Each direction's weight among sentences' (a mixed sentence counts half for benefit and
    half for no effect)."""
    weight: dict[Direction, float] = {}
    for d in directions:
        for part, w in (((Direction.BENEFIT, 0.5), (Direction.NO_EFFECT, 0.5))
                        if d is Direction.MIXED else ((d, 1.0),)):
            weight[part] = weight.get(part, 0) + w
    return weight


def _combine(directions: list[Direction]) -> Direction:
    """The study's direction from its sentences': the one with the most weight (see
    ``_weights``); in a tie, the earliest sentence (authors state their main finding first)."""
    weight = _weights(directions)
    best = max(weight.values())
    top = [d for d, w in weight.items() if w == best]
    if len(top) == 1:
        return top[0]
    first = directions[0]
    return first if first in top or first is Direction.MIXED else next(d for d in directions if d in top)


# "no evidence for", "no data to recommend": an absence of evidence, not a measured null result
_ABSENCE = re.compile(r"\b(?:no|not find|not found|lack of|absence of) (?:[\w-]+ ){0,3}?(?:evidence|data)\b",
                      re.IGNORECASE)
# a sentence the authors set against the one before it
_CONTRAST = re.compile(r"^\W*(?:however|but|nevertheless|nonetheless|yet|in contrast|on the other hand|"
                       r"conversely)\b", re.IGNORECASE)


def _split_on_other_outcomes(calls: Sequence[tuple[Sentence, Direction]], named_at: set[int]) -> bool:
    """True when a review's authors set a benefit on some outcomes against a measured null
    result on others, with equal weight ("... may increase point abstinence. However, ... may
    have little or no effect on frequency of use, amount of use, continued abstinence ..."),
    and neither side is stated for the condition itself (no sentence of it is in ``named_at``,
    the indexes of the sentences naming the condition): the review has not answered the
    question either way. Otherwise a tie goes to the side stated first (``_combine``): a null
    that is only an absence of evidence ("no evidence for long-term efficacy") or that the
    authors do not contrast with the benefit does not undo it."""
    weight = _weights([d for _, d in calls])
    if not weight.get(Direction.BENEFIT) or weight.get(Direction.BENEFIT) != weight.get(Direction.NO_EFFECT) \
            or max(weight.values()) != weight[Direction.BENEFIT]:
        return False
    sides = [(s, d) for s, d in calls if d in (Direction.BENEFIT, Direction.NO_EFFECT, Direction.MIXED)]
    if any(s.index in named_at for s, _ in sides):
        return False
    first = sides[0][1]
    return any(d is not first and _CONTRAST.search(s.text)
               and not (d is not Direction.BENEFIT and _ABSENCE.search(s.text)) for s, d in sides[1:])


# The verbs that lower a condition: each stem with its endings. A sentence holding none of the
# stems cannot match ``_less_of``, which is built from them.
_LESS_OF_VERBS = {"reduc": "(?:e|es|ed|ing)", "decreas": "(?:e|es|ed|ing)", "lower": "(?:s|ed)?",
                  "prevent": "(?:s|ed)?", "alleviat": "(?:e|es|ed)", "reliev": "(?:e|es|ed)"}


@lru_cache(maxsize=256)
def _less_of(condition: re.Pattern[str]) -> re.Pattern[str]:
    """A verb that lowers the condition itself: "reduced plaque and gingival inflammation"."""
    verbs = "|".join(stem + ending for stem, ending in _LESS_OF_VERBS.items())
    return re.compile(r"(?<!\bfor )(?<!\bin )\b(?:" + verbs + r")\W+"
                      r"(?:[\w/-]+\W+){0,6}?(?:" + condition.pattern[len(_BEFORE_TERM):] + ")",
                      re.IGNORECASE)


_COMPARATOR_SLOT = re.compile(
    r"\b(?:than|versus|vs\.?|compared (?:with|to)|relative to|against|or|and)\s+(?:[\w-]+\s+){0,3}$",
    re.IGNORECASE)


def only_as_comparator(text: str, substance: re.Pattern[str]) -> bool:
    """True if the sentence names the substance only as what another treatment was compared
    with ("rofecoxib caused less ulceration than ibuprofen"): its result is another drug's."""
    if not may_contain(text, substance):
        return False
    found = list(substance.finditer(text))
    return bool(found) and all(_COMPARATOR_SLOT.search(text[max(0, m.start() - 60):m.start()])
                               for m in found)


def find_direction(
    sentences: Sequence[Sentence], condition: str, terms: Sequence[str], *,
    question: str = "", substance: Sequence[str] = (),
    readings: Sequence[Direction | None] | None = None,
) -> Finding:
    """The study's finding for ``condition``, quoting the sentences that carry it.

    Conclusions are read first, then results, then the rest; a sentence saying the evidence
    cannot tell ("we are uncertain whether", "insufficient evidence to support") counts as an
    *uncertain* reading. ``question`` is a review's own question (title and objectives): when
    it names the condition the review addresses it, and its conclusions are read even where
    they do not repeat the condition's name. ``readings``: each sentence's ``read_sentence``
    (by index), computed once per record (they do not depend on the question)."""
    pattern = term_pattern([condition, *terms])
    named = [s for s in may_name(sentences, pattern) if mentions(s.text, pattern, low=s.lower, checked=True)]
    if not named and not question:  # nothing below would be read
        return _not_addressed(condition, named=False)
    drug = term_pattern(substance) if substance else None
    by_question = bool(question) and mentions(question, pattern)
    less_of = _less_of(pattern)
    named_at = {s.index for s in named}
    readable_at = {s.index for s in sentences} if by_question else named_at
    readable = list(sentences) if by_question else named
    for roles, base in _TIERS:
        calls: list[tuple[Sentence, Direction]] = []
        # A review's conclusion that the evidence cannot tell speaks to its whole question,
        # whether or not that sentence repeats the condition's name.
        pool = readable if not question else [
            s for s in sentences if s.index in readable_at or (
                s.role in roles and SentenceRole.CONCLUSIONS in roles
                and uncertain_on_main_question(s.text))]
        for s in pool:
            if s.role not in roles:
                continue
            if question and s.index not in named_at and _SAFETY_TALK.search(main_clause(s.text)):
                continue  # a review's word on safety is not its answer on efficacy
            d = (readings[s.index] if readings is not None
                 else read_sentence(s.text, conclusion=bool(question)))
            if d is None and any(v in s.lower for v in _LESS_OF_VERBS) and less_of.search(s.text):
                d = Direction.BENEFIT  # "reduced plaque, gingival inflammation ..." (the condition)
            if (d in (Direction.BENEFIT, Direction.NO_EFFECT, Direction.HARM, Direction.MIXED)
                    and drug is not None and only_as_comparator(s.text, drug)):
                d = Direction.COMPARISON  # another drug's result, ours only its comparator
            if d is not None:
                calls.append((s, d))
        if not calls:
            continue
        direction = _combine([d for _, d in calls])
        sides = {direction}
        if question and _split_on_other_outcomes(calls, named_at):
            direction = Direction.MIXED
            sides = {Direction.BENEFIT, Direction.NO_EFFECT, Direction.MIXED}  # quote both
        hedged = all(_HEDGE.search(s.text) for s, _ in calls)
        confidence = (base - (0.15 if hedged else 0.0)
                      - (0.1 if direction in (Direction.MIXED, Direction.UNCERTAIN) else 0))
        chosen = [s for s, d in calls if d in sides]
        return Finding(
            condition=condition,
            direction=direction,
            evidence=tuple(Evidence(s.text, s.role) for s in chosen[:3]),
            confidence=max(0.2, confidence),
            method=METHOD,
            comparator=next((c for s in chosen if (c := active_comparator(s.text))), "")
            if direction is Direction.COMPARISON else "",
            addressed_by="question" if not any(s.index in named_at for s in chosen) else "",
        )
    return _not_addressed(condition, named=bool(named))


# words that carry no part of a condition's meaning ("iron overload in people with thalassaemia")
_FILLER = frozenset("a an the in of with without for and or to after before during among on by at from "
                    "people person patients adults children women men who have has having "
                    "treatment treating management managing prevention preventing".split())
_WORDS = re.compile(r"[a-z0-9]+")


def _content_words(text: str) -> set[str]:
    return {_singular(w) for w in _WORDS.findall(_DASHES.sub("-", text.lower())) if w not in _FILLER}


def addresses(sentences: Sequence[Sentence], condition: str, terms: Sequence[str], *,
              own_question: str = "") -> bool:
    """Whether a study is about ``condition`` at all, whatever it concluded: a sentence names it (or
    a synonym), or the study's own question (its title, and a review's objectives) does, or holds
    every content word of a condition named in several words ("iron overload in thalassaemia":
    "… managing iron overload in people with thalassaemia"). The learned reader reads the
    conclusions of such a study even where the rules find no sentence to read."""
    pattern = term_pattern([condition, *terms])
    if own_question and mentions(own_question, pattern):
        return True
    if any(mentions(s.text, pattern, low=s.lower, checked=True) for s in may_name(sentences, pattern)):
        return True
    words = _content_words(condition)
    return len(words) >= 2 and bool(own_question) and words <= _content_words(own_question)


def _not_addressed(condition: str, *, named: bool) -> Finding:
    """No finding: surer when no sentence names the condition than when some do but state nothing."""
    return Finding(condition=condition, direction=Direction.NOT_ADDRESSED, evidence=(),
                   confidence=0.4 if named else 0.7, method=METHOD)
