"""Feature extraction shared by training (training/train.py) and inference: pure functions.

Every feature is a string name with a value (1.0 for presence). Changing a feature function
changes what the shipped models mean: retrain after any change (``python training/train.py``).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterator, Sequence

from ..text import fold, lower_pattern

FEATURES_VERSION = 7

_TOKEN = re.compile(r"[a-z][a-z0-9'-]*[a-z0-9]|[a-z]|\d+(?:\.\d+)?|[<>=≤≥%±]")
_NEGATORS = frozenset(
    "no not nor never without neither none cannot lack lacks lacking failed fail fails "
    "unable absence absent unlikely n't".split()
)
_SCOPE_END = re.compile(r"[.,;:!?()]|\bbut\b|\bhowever\b|\bwhereas\b|\balthough\b")
STOPWORDS = frozenset(
    "a an the of in on at to for and or with by from as is was were be been are this that "
    "these those it its their his her into than then there which who whom whose".split()
)


def tokens(text: str) -> list[str]:
    """Lower-cased word tokens; numbers become <num>, percentages keep a '%' token."""
    out = []
    for t in _TOKEN.findall(fold(text)):
        out.append("<num>" if t[0].isdigit() else t)
    return out


def ngrams(toks: Sequence[str], prefix: str, n: int = 2) -> dict[str, float]:
    """Distinct word n-grams (1..n) of ``toks`` as features, in order of first occurrence."""
    grams = [prefix + t for t in toks]
    if n >= 2:
        grams += [f"{prefix}{a} {b}" for a, b in itertools.pairwise(toks)]
    if n >= 3:
        grams += [f"{prefix}{a} {b} {c}" for a, b, c in zip(toks, toks[1:], toks[2:], strict=False)]
    for k in range(4, n + 1):
        grams += [prefix + " ".join(toks[i : i + k]) for i in range(len(toks) - k + 1)]
    return dict.fromkeys(grams, 1.0)


def negated_words(text: str, prefix: str) -> Iterator[tuple[str, float]]:
    """'NEG:word' for words in the scope of a negation (to the next punctuation or 'but')."""
    seen: set[str] = set()
    for clause in _SCOPE_END.split(fold(text)):
        toks = _TOKEN.findall(clause)
        negated = False
        for t in toks:
            if t in _NEGATORS:
                negated = True
                continue
            if negated and t not in STOPWORDS and not t[0].isdigit():
                f = prefix + "NEG:" + t
                if f not in seen:
                    seen.add(f)
                    yield f, 1.0


_P_VALUE = re.compile(
    r"\bp\s*(?:value)?\s*(?:was|were|of)?\s*([<>=≤≥]|&lt;|&gt;)\s*(0?\.\d+|1(?:\.0+)?)", re.IGNORECASE
)
_NS = re.compile(r"\b(?:n\.?s\.?|not significant|non-?significant|insignificant)\b", re.IGNORECASE)
_CI = re.compile(
    r"(\d+(?:\.\d+)?)\s*(?:,\s*)?(?:\(|\[)\s*(?:95\s*%\s*ci\s*[:,]?\s*)?(-?\d+(?:\.\d+)?)\s*(?:-|–|to|,)\s*"
    r"(-?\d+(?:\.\d+)?)\s*(?:\)|\])",
    re.IGNORECASE,
)
_DIGIT = re.compile(r"\d")
_PERCENT = re.compile(r"(\d+(?:\.\d+)?)\s*%")


def stat_features(text: str, prefix: str = "") -> Iterator[tuple[str, float]]:
    """What the numbers say: p-values below/above 0.05, confidence intervals about 1 or 0."""
    if not _DIGIT.search(text):
        if _NS.search(text):
            yield prefix + "p:not-significant", 1.0
        return
    sig = ns = 0
    for op, value in _P_VALUE.findall(text):
        v = float(value)
        op = {"&lt;": "<", "&gt;": ">", "≤": "<", "≥": ">"}.get(op, op)
        if (op == "<" and v <= 0.05) or (op == "=" and v < 0.05):
            sig += 1
        elif (op == ">" and v >= 0.05) or (op == "=" and v >= 0.05):
            ns += 1
    for m in _CI.finditer(text):
        est, lo, hi = (float(x) for x in m.groups())
        if not lo <= est <= hi:
            continue
        # Ratios (OR/RR/HR) centre on 1, differences on 0; decide by the estimate's side.
        null = 1.0 if lo > 0 else 0.0
        if lo <= null <= hi:
            yield prefix + "ci:includes-null", 1.0
        elif hi < null or (null == 1.0 and hi < 1.0):
            yield prefix + "ci:below-null", 1.0
        else:
            yield prefix + "ci:above-null", 1.0
    if _NS.search(text):
        ns += 1
    if sig:
        yield prefix + "p:significant", 1.0
    if ns:
        yield prefix + "p:not-significant", 1.0
    if sig and ns:
        yield prefix + "p:both", 1.0
    pct = [float(x) for x in _PERCENT.findall(text)]
    if len(pct) >= 2:
        a, b = pct[0], pct[1]
        yield prefix + ("pct:first-higher" if a > b else "pct:first-lower" if a < b else "pct:equal"), 1.0


_HEDGES = re.compile(
    r"\b(?:may|might|could|possibl[ey]|potential(?:ly)?|suggests?|appears?|seems?|unclear|"
    r"uncertain|inconclusive|controversial|further (?:research|stud\w+|investigation|trials?)|"
    r"(?:larger|more|additional|future) (?:research|stud\w+|trials?)|warrant\w*|needed|"
    r"remains? to be|not (?:yet )?(?:clear|known|established)|limited|preliminary)\b",
    re.IGNORECASE,
)


def cue_features(text: str, prefix: str = "") -> Iterator[tuple[str, float]]:
    """Hedging: how many hedge cues, as a coarse count feature."""
    hedges = len(_HEDGES.findall(text))
    if hedges:
        yield prefix + "hedges", min(hedges, 4) / 2
    else:
        yield prefix + "no-hedge", 1.0


def text_features(text: str, prefix: str = "") -> dict[str, float]:
    """Bag of uni/bigrams, negation scopes, statistics and hedges of ``text``."""
    out: dict[str, float] = {}
    for stream in (
        ngrams(tokens(text), prefix + "w:").items(),
        negated_words(text, prefix),
        stat_features(text, prefix),
        cue_features(text, prefix),
    ):
        for f, v in stream:
            out[f] = out.get(f, 0.0) + v
    return out


# --- sentence roles ----------------------------------------------------------------------------


def role_features(sentence: str, index: int, total: int) -> dict[str, float]:
    """Features of one abstract sentence at ``index`` of ``total`` (its words and position)."""
    toks = tokens(sentence)
    out = ngrams(toks[:40], "w:")
    out.update(ngrams(toks[:3], "start:", 3))
    rel = index / max(total - 1, 1)
    out[f"pos:{min(int(rel * 5), 4)}"] = 1.0
    out["pos:rel"] = rel
    if index == 0:
        out["pos:first"] = 1.0
    if index == total - 1:
        out["pos:last"] = 1.0
    out[f"len:{min(len(toks) // 10, 5)}"] = 1.0
    out.update(dict(stat_features(sentence)))
    return out


# --- question answering (PubMedQA) ---------------------------------------------------------------


_ANSWER_CUES = {  # compiled for lower-cased text (text.lower_pattern)
    k: re.compile(lower_pattern(v))
    for k, v in {
        "neg-verb": r"\b(?:was|were|is|are|did|does|do|has|have|had|could|can) not\b|\bn't\b|\bcannot\b",
        "no-sig": r"\bno (?:statistically )?significant|\bnot (?:statistically )?significant|"
        r"\bnon-?significant|\binsignificant",
        "no-x": r"\bno (?:\w+ ){0,2}(?:difference|association|correlation|relationship|effect|benefit|"
        r"advantage|impact|increase|decrease|reduction|improvement|evidence|role|influence|change)s?\b",
        "not-x": r"\bnot (?:\w+ ){0,2}(?:associated|related|correlated|predict\w*|necessary|required|"
        r"superior|effective|useful|justified|recommended|reliable|accurate|sufficient|different|"
        r"influence\w*|affect\w*|increase\w*|reduce\w*|improve\w*)",
        "fail": r"\bfail\w*|\bunable\b|\bineffective\b|\bunnecessary\b|\bunrelated\b|"
        r"\bindependent of\b|\bneither\b|\bnor\b|\black of\b|\babsence of\b|\bpoor\b|\blittle\b",
        "modal": r"\b(?:may|might|could)\b",
        "hedge-verb": r"\b(?:suggest\w*|appear\w*|seem\w*|possibl\w*|potential\w*|likely|probabl\w*)\b",
        "uncertain": r"\b(?:unclear|uncertain|inconclusive|controvers\w*|conflicting|debat\w*|not clear|"
        r"remains? (?:to be|unclear|unknown)|not (?:yet )?(?:established|known|determined))\b",
        "further": r"\b(?:further|future|larger|additional|more|prospective|randomi[sz]ed) (?:\w+ ){0,2}"
        r"(?:stud\w+|research|trials?|investigation\w*|data|work)\b|\bwarrant\w*|\bneeded\b",
        "limited": r"\blimited\b|\bpreliminary\b|\bsmall (?:sample|number)|\bcaution\b|\bmodest\w*",
        "contrast": r"\bbut\b|\bhowever\b|\balthough\b|\bwhereas\b|\bdespite\b|\bonly\b",
        "pos-sig": r"(?<!no )(?<!not )\bsignificant(?:ly)?\b",
        "pos-assoc": r"(?<!not )\b(?:associated with|related to|correlated with|predict\w*|"
        r"independent (?:risk|predictor))",
        "pos-eff": r"(?<!not )\b(?:effective|improv\w*|benefi\w*|safe|feasible|useful|reliable|accurate|"
        r"superior|valuable|important|successful\w*)\b",
        "show": r"\b(?:demonstrat\w*|show\w*|confirm\w*|establish\w*|clearly|strong\w*|indicat\w*|"
        r"support\w*)\b",
        "similar": r"\b(?:similar|comparable|equivalent|equally|same)\b",
        "up": r"\b(?:increas\w*|higher|greater|more)\b",
        "down": r"\b(?:decreas\w*|lower|reduc\w*|less|fewer)\b",
    }.items()
}


def answer_cues(text: str, prefix: str) -> Iterator[tuple[str, float]]:
    text = text.lower()
    for k, pattern in _ANSWER_CUES.items():
        n = len(pattern.findall(text))
        if n:
            yield prefix + k, float(min(n, 3))


def answer_features(question: str, text: str, prefix: str = "") -> dict[str, float]:
    """Features for answering a yes/no/maybe ``question`` from ``text`` (conclusion or results).

    Words and cue counts of the whole text, cue counts of its first and last sentence (the
    direct answer is usually one of them), and the question's form (negated, either/or, verb).
    """
    from ..appraise.sections import split_sentences  # local: appraise imports ml

    out = text_features(text, prefix)
    out.update(answer_cues(text, prefix + "all:"))
    sentences = split_sentences(text)
    if sentences:
        out.update(answer_cues(sentences[0], prefix + "first:"))
        out.update(answer_cues(sentences[-1], prefix + "last:"))
    q = tokens(question)
    if q:
        out["q:first:" + q[0]] = 1.0
    if _NEGATORS & set(q):
        out["q:negated"] = 1.0
    if "or" in q:
        out["q:or"] = 1.0
    for k in ("up", "down"):
        if _ANSWER_CUES[k].search(question.lower()):
            out["q:" + k] = 1.0
    return out


# --- evidence inference (intervention vs comparator on an outcome) --------------------------------

_UP = re.compile(
    r"\b(?:higher|greater|more|increas\w*|improv\w*|elevat\w*|larger|longer|rais\w*|better|"
    r"superior|enhanc\w*|gain\w*|exceed\w*)\b",
    re.IGNORECASE,
)
_DOWN = re.compile(
    r"\b(?:lower|less|fewer|decreas\w*|reduc\w*|declin\w*|smaller|shorter|diminish\w*|drop\w*|"
    r"worse|inferior|attenuat\w*|suppress\w*|prevent\w*|lowered)\b",
    re.IGNORECASE,
)
_SIMILAR = re.compile(
    r"\b(?:similar|comparable|equivalent|no (?:significant |statistically significant )?"
    r"(?:difference|change|effect)s?|did not (?:differ|change|affect)|not (?:significantly )?"
    r"differ\w*|unchanged|unaffected|non-?inferior)\b",
    re.IGNORECASE,
)


def _content(text: str) -> set[str]:
    return {t for t in tokens(text) if t not in STOPWORDS and t != "<num>" and len(t) > 2}


def _mark(text: str, words: set[str], tag: str) -> str:
    if not words:
        return text
    pattern = re.compile(
        r"(?<![\w-])(?:"
        + "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
        + r")(?![\w-])",
        re.IGNORECASE,
    )
    return pattern.sub(f" {tag} ", fold(text))


_GENERIC_INTERVENTION = frozenset({"intervention", "experimental", "treated", "active"})
_GENERIC_CONTROL = frozenset({"control", "controls", "placebo", "sham", "usual"})


def effect_features(intervention: str, comparator: str, outcome: str, evidence: str) -> dict[str, float]:
    """Features for: did ``intervention`` increase/decrease ``outcome`` versus ``comparator``?

    Mentions of the intervention and comparator are replaced by the tokens 'xinterv' and
    'xcompar', so that the model can learn order ('xinterv ... lower than xcompar').
    """
    i_words = _content(intervention)
    c_words = _content(comparator) - i_words
    i_words -= _content(comparator)
    # Reports often name the arms generically ("the intervention group had fewer ...").
    i_words |= _GENERIC_INTERVENTION - c_words
    c_words |= _GENERIC_CONTROL - i_words
    marked = _mark(_mark(evidence, i_words, "xinterv"), c_words, "xcompar")
    out = text_features(marked)
    toks = tokens(marked)
    first_i = toks.index("xinterv") if "xinterv" in toks else -1
    first_c = toks.index("xcompar") if "xcompar" in toks else -1
    if first_i >= 0 and first_c >= 0:
        order = "i<c" if first_i < first_c else "c<i"
    elif first_i >= 0:
        order = "i-only"
    elif first_c >= 0:
        order = "c-only"
    else:
        order = "none"
    up, down, same = bool(_UP.search(evidence)), bool(_DOWN.search(evidence)), bool(_SIMILAR.search(evidence))
    direction = "up" if up and not down else "down" if down and not up else "both" if up else "none"
    out[f"order:{order}"] = 1.0
    out[f"dir:{direction}"] = 1.0
    out[f"dir:{direction}|order:{order}"] = 1.0
    if same:
        out["similar"] = 1.0
    resolved = resolve_direction(toks)
    if resolved:
        out[f"resolved:{resolved}"] = 1.0
        for f in [f for f in out if f.startswith(("p:", "ci:"))]:
            out[f"{f}|resolved:{resolved}"] = 1.0
    for f in list(out):
        if f.startswith(("p:", "ci:", "pct:")):
            out[f"{f}|order:{order}"] = 1.0
            out[f"{f}|dir:{direction}"] = 1.0
    o_words = _content(outcome)
    if o_words:
        out["outcome-overlap"] = len(o_words & set(toks)) / len(o_words)
        window = _outcome_window(evidence, o_words)
        if window and window != evidence:
            for f, v in text_features(
                _mark(_mark(window, i_words, "xinterv"), c_words, "xcompar"), "win:"
            ).items():
                if f.startswith(("win:p:", "win:ci:", "win:NEG:", "win:w:")):
                    out[f] = v
    return out


_UP_WORDS = re.compile(
    r"^(?:higher|greater|more|increas\w*|elevat\w*|larger|longer|rais\w*|superior|enhanc\w*|gain\w*|"
    r"exceed\w*|improv\w*|better)$"
)
_DOWN_WORDS = re.compile(
    r"^(?:lower|less|fewer|decreas\w*|reduc\w*|declin\w*|smaller|shorter|diminish\w*|drop\w*|"
    r"attenuat\w*|suppress\w*|lowered|worse|inferior)$"
)
_REFERENCE = frozenset({"than", "versus", "vs", "compared", "comparison", "relative", "over"})


def resolve_direction(toks: Sequence[str]) -> str:
    """'up'/'down' for the intervention relative to the comparator, from a marked sentence.

    The first comparative word gives a direction; the arm it describes is the one named
    before it ('xinterv had lower ...'), unless an arm follows a reference word after it
    ('... lower than xcompar' / '... lower in xcompar than xinterv'). Empty if unresolvable.
    """
    k = next((i for i, t in enumerate(toks) if _UP_WORDS.match(t) or _DOWN_WORDS.match(t)), -1)
    if k < 0:
        return ""
    sign = 1 if _UP_WORDS.match(toks[k]) else -1
    arms = ("xinterv", "xcompar")
    after = toks[k + 1 : k + 15]
    ref_at = next((j for j, t in enumerate(after) if t in _REFERENCE), -1)
    subject = ""
    if ref_at >= 0:
        ref_arm = next((t for t in after[ref_at:] if t in arms), "")
        between = next((t for t in after[:ref_at] if t in arms), "")
        if between and ref_arm and between != ref_arm:
            subject = between
        elif ref_arm:
            subject = "xinterv" if ref_arm == "xcompar" else "xcompar"
    if not subject:
        before = [t for t in toks[max(0, k - 15) : k] if t in arms]
        subject = before[-1] if before else next((t for t in after[:6] if t in arms), "")
    if not subject:
        return ""
    if subject == "xcompar":
        sign = -sign
    return "up" if sign > 0 else "down"


def _outcome_window(text: str, o_words: set[str], before: int = 12, after: int = 25) -> str:
    """The words around the first mention of the outcome (multi-outcome sentences differ by part)."""
    words = text.split()
    folded = [fold(w).strip(".,;:()[]") for w in words]
    hits = [i for i, w in enumerate(folded) if w in o_words]
    if not hits:
        return ""
    lo, hi = max(hits[0] - before, 0), min(hits[0] + after, len(words))
    return " ".join(words[lo:hi])


# --- claim and evidence (HealthVer, Check-COVID) --------------------------------------------------

def claim_evidence_features(claim: str, evidence: str, polarity: Callable[[str], int],
                            sentences: Sequence[str]) -> dict[str, float]:
    """Features of a passage's stance on a claim: the claim's words and negations, the passage's,
    the words they share, how much of the claim the closest sentence covers, and the rule-read
    polarity (asserts / denies an effect) of the claim and of that sentence."""
    claim_toks = [t for t in tokens(claim) if t not in STOPWORDS]
    claim_set = set(claim_toks)
    out: dict[str, float] = {}
    out.update(ngrams(claim_toks, "c:", 2))
    for f, v in negated_words(claim, "c:"):
        out[f] = v
    ev_toks = [t for t in tokens(evidence) if t not in STOPWORDS]
    out.update(ngrams(ev_toks, "e:", 1))
    for f, v in negated_words(evidence, "e:"):
        out[f] = v
    for t in claim_set & set(ev_toks):
        out["s:" + t] = 1.0
    best, best_s = 0.0, evidence
    for s in sentences or [evidence]:
        cover = len(claim_set & set(tokens(s))) / max(1, len(claim_set))
        if cover > best:
            best, best_s = cover, s
    out["cover"] = best
    out[f"cover>{int(best * 4)}"] = 1.0
    pc, pe = polarity(claim), polarity(best_s)
    out[f"pc={pc}"] = out[f"pe={pe}"] = out[f"pc*pe={pc * pe}"] = 1.0
    neg_c = any(t in _NEGATORS for t in tokens(claim))
    neg_e = any(t in _NEGATORS for t in tokens(best_s))
    out[f"neg={int(neg_c)}{int(neg_e)}"] = 1.0
    return out
