"""What a systematic review or meta-analysis pooled, and the GRADE certainty it states (pure).

GRADE rates a review by what it pooled, not by its label: a meta-analysis of randomised trials
starts high, one of observational studies low, one of surveys or case reports very low, and a
review that does not say what it pooled is not trusted to start high. Reviews that rate their
own evidence ("low-certainty evidence", "the quality of the evidence was moderate", "we are
uncertain whether") cap the verdict at that rating. Both are read from the abstract and keep
the sentence they were read from.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..model import CertaintyStatement, Pooled, SentenceRole
from .sections import Sentence

_NUM = (r"(?:\d[\d,]*|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
        r"thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty)")
_RCT_COUNT = re.compile(
    rf"\b{_NUM}\s+(?:[\w-]+\s+){{0,3}}?(?:RCTs?|randomi[sz]ed(?:[\s-]+\w+){{0,3}}?\s+(?:trials?|"
    r"studies|experiments))\b", re.IGNORECASE)
_RCT_CRITERIA = re.compile(
    r"\b(?:randomi[sz]ed|quasi-randomi[sz]ed)(?:,? (?:double-blind|placebo-controlled|controlled|"
    r"clinical|cross-?over|parallel))* (?:clinical |controlled )*(?:trials|studies)\b(?! (?:are|is) "
    r"(?:needed|required|warranted))|\bRCTs\b", re.IGNORECASE)
_NO_RCT = re.compile(
    r"\bno (?:\w+ )?(?:randomi[sz]ed(?: controlled)? (?:clinical )?trials?|RCTs?|controlled (?:clinical )?"
    r"trials?|(?:eligible |relevant )?(?:studies|trials)) (?:\w+ ){0,2}(?:were|was|have been|could be|"
    r"met|fulfilled|are) (?:found|identified|included|eligible|available|located|retrieved|the|our|"
    r"inclusion)|\b(?:did not|failed to|could not) (?:find|identify|locate) any (?:\w+ )?"
    r"(?:randomi[sz]ed|RCTs?|controlled)|\b(?:absence|lack) of (?:\w+ )?(?:randomi[sz]ed|RCTs|"
    r"controlled (?:clinical )?trials)|\bwithout (?:any )?(?:randomi[sz]ed|RCTs)",
    re.IGNORECASE)
_OBSERVATIONAL = re.compile(
    rf"\b(?:{_NUM}\s+(?:[\w-]+\s+){{0,2}}?)?(?:observational|cohort|case-control|case control|"
    r"longitudinal|registry|population-based) (?:studies|study|cohorts|designs?)\b|"
    r"\bobservational (?:data|evidence|research)\b", re.IGNORECASE)
_UNCONTROLLED = re.compile(
    r"\b(?:cross-sectional (?:studies|surveys?)|surveys|case reports?|case series|user reports|"
    r"reports (?:of|from) (?:\w+ )?users|online (?:forums?|reports)|qualitative studies|"
    r"anecdotal (?:reports|evidence)|self-reports?)\b", re.IGNORECASE)
_ANIMAL = re.compile(r"\b(?:animal|preclinical|rodent|in vivo|in vitro) (?:studies|models|"
                     r"experiments|data|research)\b", re.IGNORECASE)
_TRIALS = re.compile(rf"\b{_NUM}\s+(?:[\w-]+\s+){{0,3}}?trials\b", re.IGNORECASE)
_RANDOM_ANYWHERE = re.compile(r"\brandomi[sz]|\bplacebo[- ]controlled\b|\bdouble[- ]blind",
                              re.IGNORECASE)
_SKIP = frozenset({SentenceRole.BACKGROUND})


def pooled_designs(title: str, sentences: Sequence[Sentence]) -> Pooled:
    """The kind of studies a review pooled: randomised, non-randomised (observational),
    uncontrolled (surveys, case reports), animal, or unknown (the abstract does not say)."""
    texts = [(title, SentenceRole.TITLE)] + [(s.text, s.role) for s in sentences
                                              if s.role not in _SKIP]
    hits: dict[str, str] = {}
    for text, role in texts:
        if _NO_RCT.search(text):
            hits.setdefault("no-rct", text)
        if _RCT_COUNT.search(text) or (role is not SentenceRole.CONCLUSIONS
                                       and _RCT_CRITERIA.search(text)):
            hits.setdefault("randomised", text)
        if _OBSERVATIONAL.search(text):
            hits.setdefault("non-randomised", text)
        if _UNCONTROLLED.search(text):
            hits.setdefault("uncontrolled", text)
        if _ANIMAL.search(text):
            hits.setdefault("animal", text)
        if _TRIALS.search(text):
            hits.setdefault("trials", text)
    whole = " ".join(t for t, _ in texts)
    if "randomised" in hits and "no-rct" not in hits:
        return Pooled("randomised", hits["randomised"])
    if "trials" in hits and "no-rct" not in hits and _RANDOM_ANYWHERE.search(whole):
        return Pooled("randomised", hits["trials"])
    for kind in ("non-randomised", "uncontrolled", "animal"):
        if kind in hits:
            return Pooled(kind, hits[kind])
    if "no-rct" in hits:
        return Pooled("unknown", hits["no-rct"])
    return Pooled("unknown", "")


_LEVEL = r"(high|moderate|low|very[- ]low)"
_RANGE = rf"{_LEVEL}(?:\s*[-–]?\s*(?:to|-|–|or|and)\s*{_LEVEL})?"
_STATED = re.compile(
    # "low-certainty evidence", "moderate to high quality evidence", "very low quality of evidence"
    rf"\b{_RANGE}[- ](?:certainty|quality|grade|strength)(?: of)?(?: the)? evidence\b|"
    rf"\b{_RANGE}[- ](?:certainty|quality)\b(?=[^.;]{{0,40}}\bGRADE\b)|"
    # "the certainty/quality of (the) evidence was/is (rated/judged ...) low"
    r"\b(?:certainty|quality|strength) of (?:the )?(?:overall |available |included )?evidence"
    rf"(?:[\w ,()-]{{0,80}}?)\b(?:was|were|is|as|to be|:|remains?|ranged from|from)\s+"
    rf"(?:(?:rated|judged|graded|considered|assessed|deemed|downgraded to|mostly|generally|"
    rf"overall|only)\s+)*(?:as\s+)?(?:being\s+)?{_RANGE}\b|"
    rf"\bGRADE[^.;]{{0,60}}?\b(?:was|were|as|rated|:)\s+{_RANGE}\b|"
    rf"\bdowngraded (?:\w+ ){{0,3}}to {_RANGE}\b|"
    # "evidence for these substances was of moderate quality at best"
    rf"\bevidence (?:[\w-]+ ){{0,4}}(?:was|were|is|are) (?:of )?{_RANGE}[- ](?:certainty|quality)\b",
    re.IGNORECASE,
)
_UNCERTAIN = re.compile(
    r"\b(?:evidence (?:is|was|remains) very uncertain|very uncertain (?:evidence|whether|about)|"
    r"we are (?:very )?(?:uncertain|unsure)|(?:it is|remains) (?:uncertain|unclear) whether|"
    r"(?:insufficient|inadequate|not enough|too little|limited|no (?:\w+,? ){0,2}?(?:reliable|"
    r"high-quality|good-quality|high quality|robust|conclusive|clear|sufficient|adequate)) "
    r"(?:\w+ )?(?:evidence|data)(?: \w+){0,2} to (?:determine|support|refute|draw|make|judge|"
    r"assess|evaluate|conclude|permit|recommend|confirm|establish|know|say|inform|guide|allow|"
    r"show|answer|address)|(?:supports?|supported) or refuted?|"
    r"(?:evidence|data) (?:was|were|is|are|remains?) (?:\w+ )?(?:insufficient|inadequate|"
    r"inconclusive|too (?:limited|sparse|few)) to|"
    r"(?:insufficient|inadequate|inconclusive|not enough) (?:\w+ ){0,2}evidence (?:that|whether|of|on|"
    r"for|about|regarding)|"
    r"(?:does|do|did) not allow (?:\w+ ){0,2}conclusions?|"
    r"(?:unable|impossible|not possible) to (?:draw|make|reach) (?:any )?(?:firm |definitive |"
    r"reliable )?conclusions?|unable to (?:tell|determine|say) (?:[\w-]+ ){0,4}?whether|"
    r"no (?:firm |definitive |robust |reliable )?conclusions? (?:can|could) be (?:drawn|made|reached)|"
    r"conclusions? (?:cannot|could not|can not) be (?:drawn|made|reached)|"
    r"(?:cannot|could not|can not|were unable to|was unable to|not possible to) (?:draw|make|reach|"
    r"determine|be (?:certain|sure|confident)|(?:say|tell) (?:\w+ ){0,3}?whether)\b|"
    r"cannot be (?:determined|established) (?:from|with|on the basis)|"
    r"neither supports? nor refutes?|no reliable evidence on which|"
    r"(?:evidence|data)(?: base)? (?:is|are|was|were) too (?:weak|few|limited|sparse|scarce|small) to|"
    r"no (?:firm|conclusive) evidence (?:that|whether|of|for)|"
    r"lack of (?:\w+ ){0,2}(?:evidence|data) (?:has |have )?(?:prevented|precluded?|precludes)|"
    r"(?:evidence|data) (?:[\w-]+ ){0,12}?(?:does|do) not (?:yet )?exist|"
    # "it remains unclear which population benefits most": a narrower question, not whether
    r"(?:is|are|remains?) (?:still )?(?:uncertain|unclear|unknown|inconclusive)"
    r"(?! (?:which|how|what|when|who|where|for whom)\b)|"
    r"(?:evidence|data) (?:\w+ ){0,8}?(?:is|are|remains?) (?:still )?(?:very )?(?:limited|scarce|"
    r"sparse|insufficient|inconclusive|lacking)|"
    r"(?:efficacy|effectiveness|benefits?|effects?|role|value) (?:\w+ ){0,6}?(?:is|are|remains?) "
    r"(?:still )?(?:not (?:established|known|clear|proven)|unproven)|"
    r"(?:evidence|data)\b[^.;]{0,240}?\b(?:is|are|remains?) (?:still |currently )?(?:very )?"
    r"(?:insufficient|inconclusive|lacking|sparse|scarce|limited)(?=\W*$)|"
    r"no (?:\w+ ){0,3}(?:evidence|data) (?:\w+ ){0,2}to (?:inform|guide|determine|allow|answer|address))\b",
    re.IGNORECASE,
)
_ORDER = ("very low", "low", "moderate", "high")


# "until high-quality evidence becomes available", "no high quality evidence to support",
# "high-quality trials are needed": a wish or an absence, not a rating.
_WISH_BEFORE = re.compile(r"\b(?:until|not|no|without|lack of|absence of|need for|needs?|awaiting|"
                          r"more|further|future|require[sd]?|wait for) (?:[\w-]+ ){0,2}$", re.IGNORECASE)
_WISH_AFTER = re.compile(r"^\W*(?:\w+\W+){0,4}(?:is|are|was|were) (?:needed|required|warranted|"
                         r"lacking|missing|necessary)|^\W*(?:\w+\W+){0,3}becomes? available",
                         re.IGNORECASE)


def _hypothetical(text: str, m: re.Match[str]) -> bool:
    return bool(_WISH_BEFORE.search(text[max(0, m.start() - 40):m.start()])
                or _WISH_AFTER.search(text[m.end():m.end() + 60]))


def _norm(level: str) -> str:
    return "very low" if level.lower().replace("-", " ").startswith("very") else level.lower()


def certainty_statements(sentences: Sequence[Sentence]) -> tuple[CertaintyStatement, ...]:
    """Each sentence that rates the certainty of the evidence, with the rating it states
    (the higher end of a range such as "low to moderate"; "very uncertain" is very low)."""
    out = []
    for i, s in enumerate(sentences):
        if s.role in (SentenceRole.BACKGROUND, SentenceRole.OBJECTIVE):
            continue
        # a range within one phrase ("low to moderate") is read as one rating; separate
        # ratings in one sentence ("high, except ... downgraded to moderate"): the lowest
        levels = [_range_level([_norm(x) for x in m.groups() if x]) for m in _STATED.finditer(s.text)
                  if not _hypothetical(s.text, m)]
        if levels:
            out.append(CertaintyStatement(min(levels, key=_ORDER.index), s.text, s.role, i))
        elif _uncertain_rating(s.text):
            out.append(CertaintyStatement("very low", s.text, s.role, i, explicit=False))
    return tuple(out)


def _uncertain_rating(text: str) -> bool:
    """True if the sentence's uncertainty rates the result it states: "X may help, but robust
    outcome data are lacking"; not "X probably reduces Y, while we are uncertain of the effect
    on adverse events" (the uncertainty is about harms, another outcome)."""
    main = main_clause(text)
    rest = text[len(main):]
    return bool(_UNCERTAIN.search(main) or (_UNCERTAIN.search(rest) and not _SAFETY_OUTCOME.search(rest)))


def _range_level(levels: Sequence[str]) -> str:
    """One rating for a sentence that gives several ("low to very low", "ranged from very low to
    moderate"): one level above the lowest, never above the highest (outcomes differ; the
    verdict may not take the best of them)."""
    ranks = sorted(_ORDER.index(x) for x in levels)
    return _ORDER[min(ranks[0] + 1, ranks[-1])]


# What a sentence of uncertainty is about, when it is not the review's main question.
_OTHER_OUTCOME = re.compile(
    r"\b(?:safety|adverse|side[- ]effects?|harms?|toxicity|long(?:er)?[- ]term|cost|other "
    r"(?:populations?|outcomes?|comparisons?|agents?|drugs?|treatments?)|quality of life|fatigue|"
    r"optimal (?:dose|duration|timing)|which (?:drug|agent|treatment)|relative effects?|"
    r"compared? (?:with|to) (?:other|each other|active))\b", re.IGNORECASE)


_MAIN_OUTCOME = re.compile(r"\b(?:efficacy|effective\w*|benefits?|beneficial|use of|role of|"
                           r"treatment of|practice of)\b", re.IGNORECASE)


def uncertain_on_main_question(text: str) -> bool:
    """True if the sentence says the evidence cannot settle the review's main question: an
    uncertainty only about safety, the long term, other populations or comparisons does not."""
    return is_uncertain(text) and (not _OTHER_OUTCOME.search(text) or bool(_MAIN_OUTCOME.search(text)))


#: where a sentence's main clause ends and a qualifying one begins ("X probably reduces Y,
#: while we are uncertain of Z"; "...; ..."; ", and may increase ...")
_CLAUSE_BREAK = re.compile(
    r",? (?:while|whereas|but|although|though|however)\b|;|,? and (?=(?:probably |may |might |likely |"
    r"possibly )?(?:make|makes|made|have|has|had|did|do|does|result|results|increase[sd]?|reduce[sd]?|"
    r"improve[sd]?|show|shows|showed|were|was|are|is|not)\b)", re.IGNORECASE)


def main_clause(text: str) -> str:
    """The sentence up to its first clause break (the whole sentence if it has none)."""
    return _CLAUSE_BREAK.split(text, maxsplit=1)[0]


_OPEN_QUESTION = re.compile(r"\b(?:is|are|remains?) (?:still )?(?:uncertain|unclear|unknown) "
                            r"(?:which|how|what|when|who|where|for whom)\b", re.IGNORECASE)


def is_open_question(text: str) -> bool:
    """True for a narrower question left open ("it remains unclear which population will best
    benefit"): neither a result nor a statement that the evidence cannot tell."""
    return bool(_OPEN_QUESTION.search(text))


def is_uncertain(text: str) -> bool:
    """True if the sentence says the evidence cannot settle the question."""
    return bool(_UNCERTAIN.search(text))


#: words of safety outcomes, shared with appraise/finding.py
SAFETY_WORDS = r"adverse|side[- ]effects?|safety|tolerab\w+|harms?"
_SAFETY_OUTCOME = re.compile(rf"\b(?:{SAFETY_WORDS}|withdrawals? "
                             r"due to|discontinu\w+ (?:\w+ ){0,3}due to)\b", re.IGNORECASE)
_STOP = frozenset(
    "evidence certainty quality very moderate high probably might could would should there their "
    "these those with from that this than into were have been which while also about compared "
    "versus placebo trials trial studies study participants people patients review included "
    "results result effect effects confidence interval ratio risk difference mean treatment".split())


def _content(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z][a-z-]{3,}", text.lower()) if w not in _STOP}


def certainty_for(statements: Sequence[CertaintyStatement], evidence: Sequence[str],
                  question: str = "") -> CertaintyStatement | None:
    """The review's own rating for the outcome that answers the question: the rating stated
    in a sentence the finding rests on; else the first explicit rating in the conclusions, else
    the first in the results (reviews report their primary outcome first) — or, when lower, the
    rating stated about the same outcome (the statement sharing most words with the finding,
    not counting the words of the review's ``question``, its title: every sentence shares those)."""
    if not statements:
        return None
    by_text = {st.text: st for st in statements}
    for text in evidence:  # the finding's own sentences, its main one first
        if text in by_text and by_text[text].explicit:
            return by_text[text]
    # Wording such as "remains unclear" rates only the finding's main sentence: in another
    # sentence it is about another outcome or population.
    if evidence and evidence[0] in by_text:
        return by_text[evidence[0]]
    rated = [st for st in statements if st.explicit]
    if not rated:
        return None
    # the first rating about efficacy: a rating of adverse events is not the answer's
    main = [st for st in rated if not _SAFETY_OUTCOME.search(st.text)] or rated
    first = next((st for role in (SentenceRole.RESULTS, SentenceRole.CONCLUSIONS)
                  for st in main if st.role is role), main[0])
    words = _content(evidence[0]) - _content(question) if evidence else set()
    if words:
        best = max(rated, key=lambda st: len(words & _content(st.text)))
        if len(words & _content(best.text)) >= 3 and _ORDER.index(best.level) < _ORDER.index(first.level):
            return best  # the same outcome's rating, where it is lower: never the higher of the two
    return first
