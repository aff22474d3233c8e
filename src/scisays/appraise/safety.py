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
        # "dose-dependent", "insulin-dependent", "time dependent": another sense of the word.
        # Dependence on a substance: "dependence", "became dependent", "dependent on kratom".
        r"(?<![\w-])(?<!dose )(?<!time )(?<!concentration )(?<!age )(?<!suppression )"
        r"(?:dependence\b(?!-| of\b)|(?:becom\w*|became|physically|psychologically) dependent\b|"
        r"dependent (?:on|upon) (?:\w+ ){0,2}(?:it|kratom|drugs?|substances?|medications?|opioids?|"
        r"use)\b|addict\w*|use disorders?\b|SUD\b|craving\w*|"
        r"abuse (?:liability|potential)\b|compulsive use\b|habit-forming\b|"
        r"(?:develop\w*|acquired|build\w*|physical|pharmacological) (?:\w+ )?tolerance\b|"
        r"tolerance (?:to|develop\w*) (?:the |its )?(?:\w+ )?effects?\b)",
        re.IGNORECASE,
    ),
    SafetyTopic.WITHDRAWAL: re.compile(
        # The harm is a withdrawal syndrome, not a patient leaving a study or a drug being stopped,
        # nor "withdrawal bleeding" (the menses on stopping a contraceptive pill).
        r"\bwithdrawal (?:symptoms?|syndromes?|signs?|effects?|reactions?|seizures?)\b|"
        r"\b(?:experienc\w*|report\w*|suffer\w*|develop\w*|had|having|severe|mild|moderate|"
        r"opioid-like|physical|kratom|its|with) withdrawal\b(?! (?:of|from|phase|period|design|bleed))|"
        r"\bwithdrawal (?:was|were) (?:\w+ )?(?:reported|common|experienced|severe|observed)\b|"
        r"\babstinence syndrome\b|\b(?:discontinuation|rebound) (?:symptoms|syndrome)\b",
        re.IGNORECASE,
    ),
    SafetyTopic.LIVER: re.compile(
        r"\bhepato ?toxic\w*|\bhepatotox\w*|\bliver (?:injury|damage|toxicity|failure)\b|"
        r"\b(?:requir\w*|need\w*|underwent|listed for) (?:\w+ )?liver transplant\w*|"
        r"\b(?:drug-induced |toxic |acute )?hepatitis\b|\bDILI\b|\bjaundice\b|"
        r"\bcholestatic\b|\bcholestasis\b|\bhepatic (?:injury|failure|damage|necrosis)\b|"
        r"\b(?:elevated|raised|increased) (?:liver enzymes|transaminases|bilirubin)\b|"
        r"\b(?:ALT|AST)\b (?:elevat\w*|increase\w*)",
        re.IGNORECASE,
    ),
    SafetyTopic.DRUG_INTERACTION: re.compile(
        r"\b(?:drug|herb|kratom|pharmacokinetic|pharmacodynamic|medication)[- ]\w*[- ]?"
        r"interactions?\b|\binteract\w* with (?:\w+ ){0,2}(?:drugs?|medications?|medicines|"
        r"warfarin|antidepressants?|opioids?|alcohol|benzodiazepines?|contraceptives?)\b|"
        # CYP enzymes only with an inhibition, induction or interaction: "metabolised by CYP2C19"
        # or a genotype is pharmacology, not an interaction
        r"\b(?:inhibit\w*|induc\w*|interact\w*)\W+(?:\w+\W+){0,4}?(?:CYP ?\d\w*|cytochrome P450)|"
        r"\b(?:CYP ?\d\w*|cytochrome P450)\w*\W+(?:\w+\W+){0,3}?(?:inhibit\w*|induc\w*|interact\w*)|"
        r"\bco-?(?:consum|ingest)\w*|"
        r"\bserotonin syndrome\b|\bP-glycoprotein\b|\binhibit\w* (?:of )?(?:CYP|metabolism)",
        re.IGNORECASE,
    ),
    SafetyTopic.OVERDOSE_DEATH: re.compile(
        r"\bdeaths?\b|\bdied\b|\bfatal(?:ity|ities)\b|\bfatal (?:\w+ )?(?:overdose|poisoning|"
        r"intoxication|cases?|toxicity|hepatotoxicity|reactions?)|\boverdos\w*|\bpost-?mortem\b|"
        r"\bautops\w*|\blethal\b",
        re.IGNORECASE,
    ),
    SafetyTopic.SEIZURE: re.compile(
        # "seizure-free", "seizure frequency": outcomes of treating epilepsy, not harms
        r"\bseizures?\b(?![- ](?:free|frequency|control|reduction|types?|disorders?|outcomes?))|"
        r"\bconvulsions?\b", re.IGNORECASE),
    SafetyTopic.OTHER_ADVERSE: re.compile(
        r"\badverse (?:effects?|events?|reactions?|outcomes?)\b|\bside[- ]effects?\b|"
        r"\btoxicit\w*|\btachycardi\w*|\bagitation\b|\bnausea\b|\bvomiting\b|\bconstipation\b|"
        r"\bpsychosis\b|\bserious medical outcomes?\b|\bpoisoning\b|"
        r"\bhospitali[sz]ations? (?:for|due|because|after|following)\b|\b(?:were|was) hospitali[sz]ed\b|"
        r"\bintensive care\b|\bcardiotoxic\w*|\barrhythmi\w*",
        re.IGNORECASE,
    ),
}

# Another drug or a treatment purpose just before the term: not this substance's harm.
_OTHER_DRUG = re.compile(
    r"\b(?:opioids?|opiates?|heroin|drugs?|alcohol|nicotine|tobacco|cocaine|methamphetamine|"
    r"benzodiazepines?|morphine|fentanyl|substance|cannabis|poly-?drug|illicit|analgesics?|"
    r"steroids?|corticosteroids?|insulin|oxygen|ventilator|dialysis)\W+(?:\w+\W+)?$",
    re.IGNORECASE,
)
# The people studied, or what is treated, not what the substance did to them.
_POPULATION = re.compile(
    r"\b(?:people|patients|those|women|men|subjects|individuals|children|adults|infants|persons) "
    r"(?:with|having|who have|who had)\s+(?:(?:a |pre-?existing |known |chronic |prior |"
    r"history of )?[\w-]+\s+){0,2}$", re.IGNORECASE)
_TREATED = re.compile(r"\b(?:treat\w*|manag\w*|therapy|prevention) (?:of|for) (?:[\w-]+,? ){0,4}$",
                      re.IGNORECASE)
_OTHER_DRUG_AFTER = re.compile(
    r"^\W*(?:on|of|to)\s+(?:\w+\s+)?(?:opioids?|opiates?|heroin|alcohol|nicotine|tobacco|cocaine|"
    r"methamphetamine|benzodiazepines?|sedatives?|tranquil\w*|cannabis|stimulants?)\b", re.IGNORECASE)
_PURPOSE = re.compile(
    r"\b(?:eas\w*|mitigat\w*|treat\w*|manag\w*|self-manag\w*|reliev\w*|reduc\w*|alleviat\w*|"
    r"decreas\w*|stop\w*|quit\w*|lessen\w*|prevent\w*|for|against|of)\W+(?:\w+\W+){0,1}$",
    re.IGNORECASE,
)
# up to six words before the term, not across "but", "whereas", "although", "however", "yet"
_CLAUSE_WORDS = r"\W+(?:(?!but\b|whereas\b|although\b|however\b|yet\b)\w+\W+){0,6}$"
_NEGATED = re.compile(
    r"\b(?:no|without|nor|never|absence of|not|neither|free of|lack of|none of)" + _CLAUSE_WORDS + "|"
    r"\b(?:did|does|do|was|were|has|have|had)(?: not|n't) (?:\w+ ){0,3}(?:increase|contribute|cause|"
    r"result in|lead to|affect|change|raise)\w*" + _CLAUSE_WORDS + "|"
    r"\bnot (?:increased|elevated|raised|associated|related)\b[^.;]{0,60}$",
    re.IGNORECASE)
# "... was not observed", "... were rare", "none attributable to the drug": what follows undoes it.
_NEGATED_AFTER = re.compile(
    r"^[^.;]{0,60}?\b(?:(?:was|were|is|are) (?:not|never|rarely) (?:\w+ )?(?:observed|seen|reported|"
    r"found|detected|noted|recorded|associated|attribut\w*|related)|did not (?:occur|differ)|"
    r"none (?:of (?:which|them|these) )?(?:was |were )?(?:\w+ )?(?:attribut\w*|related|due)|"
    r"(?:not|un)related to (?:the )?(?:study )?(?:drug|treatment|medication|intervention)|"
    r"(?:was|were) (?:similar|comparable|uncommon|rare|infrequent|minimal)|did not differ|"
    r"(?:was|were|is|are) (?:extremely |very )?(?:small|low|rare|overestimated|unremarkable)|"
    r"not necessarily|never (?:the )?(?:sole )?cause|(?:was|were) not reported|no data|overestimat\w*|"
    r"(?:is|was|were|are|remains?) (?:still )?(?:uncertain|unclear|unknown)|"
    r"(?:is|are|was|were|seems?|appears?) (?:to be )?(?:of )?(?:only )?(?:minor|little|no|limited|"
    r"doubtful) (?:clinical )?(?:significance|relevance|importance|concern)|"
    r"(?:is|are|was|were) (?:(?:considered|judged|largely|mostly|generally|relatively|usually) )?"
    r"(?:rare|minimal|mild|transient|uncommon|infrequent|few|minor|not a class effect)\b|"
    r"(?:do|does|did) not (?:appear|seem) to be (?:a )?(?:\w+ )?(?:problem|concern|issue)|"
    r"(?:is|was|were|are) (?:\w+ )?without (?:any )?clinical (?:relevance|significance|consequences?)|"
    r"(?:was|were) not accompanied by|"
    r"(?:is|are|was|were) (?:\w+ )?(?:explored|discussed|reviewed|hypothesi[sz]ed|proposed)|"
    r"(?:has|have|had) not been (?:observed|reported|seen|found|detected)|(?:was|were) not increased|"
    r"(?:was|were) (?:not (?:significantly |statistically )?different|no different))",
    re.IGNORECASE)
# Outcomes of the condition itself, not harms of the substance: "death or dependence in
# activities of daily living", "mortality was reduced", "prevents deaths".
_OUTCOME_SENSE = re.compile(
    r"\b(?:death or (?:dependen\w*|disability)|dependen\w* (?:in|on) (?:activities|daily|others|"
    r"care|help|assistance)|(?:reduc|lower|decreas|prevent|avert)\w* (?:\w+ ){0,4}?"
    r"(?:deaths?|mortality|fatalit\w*)|(?:deaths?|mortality) (?:\w+ ){0,3}(?:reduc|lower|decreas)\w*)",
    re.IGNORECASE)
# Who the death or harm is attributed to: the substance, its use, or an overdose of it.
_ATTRIBUTED = re.compile(
    r"\b(?:attribut\w*|related|associated|linked|due|involv\w*|caused|induced|implicated|"
    r"leading|led|resulting)\b (?:\w+ ){0,5}?(?:to |by |with |from |in )?(?:the )?(?:\w+ ){0,2}?"
    r"(?:use|exposures?|toxicity|ingestion|overdose|poisoning|intoxication|drugs?|medications?|"
    r"treatment|therapy|administration|product|kratom|its|abuse|misuse)\b|"
    r"\b(?:died|deaths?) (?:\w+ ){0,3}(?:after|following) (?:\w+ ){0,3}?(?:taking|ingest\w*|using|"
    r"consum\w*|administration|injection|receiving|use|exposure)\b|"
    r"\b(?:drug|kratom|overdose|poisoning)[- ](?:related|induced|associated) deaths?\b|"
    r"\bdeaths? (?:involving|from|due to|caused by) (?:\w+ ){0,2}(?:kratom|overdose|poisoning|"
    r"intoxication|toxicity)\b",
    re.IGNORECASE)
_REASSURANCE = re.compile(
    r"\bwell[- ]tolerated\b|\bno (?:\w+ )?(?:serious|severe|major|significant) (?:adverse|side|"
    r"toxic)\w* (?:events?|effects?|reactions?)\b|\badverse (?:events?|effects?) (?:were|was) "
    r"(?:mild|rare|infrequent|transient|similar|comparable|uncommon)\b|\blittle (?:or|to) no (?:\w+ )?"
    r"(?:effect|difference) (?:on|in) (?:the )?(?:\w+ )?(?:adverse|side)[- ](?:events?|effects?)\b|"
    r"\bno (?:clinically )?(?:significant|relevant|important|meaningful) (?:drug[- ])?interactions?\b|"
    r"\bsafe and (?:well[- ]tolerated|effective)\b|\bgood (?:safety|tolerability) profile\b|"
    r"\b(?:none|no deaths?) "
    r"(?:\w+ ){0,3}(?:attribut\w*|related) to\b|\bno (?:signs?|symptoms?|evidence) of "
    r"(?:withdrawal|dependence|hepatotoxicity|liver (?:injury|damage))\b|\bwas safe\b|"
    r"\b(?:adverse events?|side effects?) (?:\w+ ){0,4}(?:similar to|comparable to|did not differ "
    r"from) (?:those (?:of|with) )?placebo\b",
    re.IGNORECASE)

# Background, aims and methods say what others found, what was meant, or what was measured
# ("adverse events were recorded"): a harm is reported in results, conclusions or a title.
# A seizure is the substance's harm when something causes it: the drug, its withdrawal or overdose.
_SEIZURE_CAUSE = re.compile(
    r"\b(?:induc\w*|provok\w*|caus\w*|precipitat\w*|trigger\w*|associated with|related to|due to|"
    r"after (?:taking|ingest\w*|using|the (?:first )?dose)|following (?:ingestion|use|administration|"
    r"overdose)|overdos\w*|toxicity|intoxication|poisoning|withdrawal|adverse|side[- ]effects?|"
    r"lower\w* (?:the )?seizure threshold|increase\w* (?:\w+ ){0,2}(?:risk|frequency|number|attacks)|"
    r"commoner|more (?:common|frequent)|occurred|developed|experienced|in patients (?:receiving|taking|"
    r"treated)|in the \w+ group|abuse|misuse|concomitant)\b",
    re.IGNORECASE)
# A title names a harm as a finding ("Kratom-induced hepatitis", "A case of ... after ...") or
# only as the topic studied ("Cardiotoxicity of new antihistamines"): only the first counts.
_TITLE_FINDING = re.compile(
    r"(?:-|\b)(?:induced|associated|related)\b|\b(?:caused by|due to|after|following|case|cases|"
    r"fatal|presenting|complicat\w*|in a patient|in patients (?:taking|receiving|using))\b",
    re.IGNORECASE)

_SKIP_ROLES = frozenset({SentenceRole.BACKGROUND, SentenceRole.OBJECTIVE, SentenceRole.METHODS})
# "adverse events were recorded / assessed": a measurement, not a finding.
_MEASURED_ONLY = re.compile(
    r"^\W*(?:\w+\W+){0,3}?(?:was|were|are|is|being) (?:also )?(?:recorded|assessed|measured|monitored|"
    r"evaluated|collected|documented|compared|analy[sz]ed|registered|examined|investigated|"
    r"included|defined|graded|elicited|noted at|checked|obtained)\b",
    re.IGNORECASE)
# "... assessed adverse events", "primary outcomes were ... serious adverse events",
# "no significant changes in ... side-effects": measured, listed or unchanged, not found.
_MEASURED_BEFORE = re.compile(
    r"\b(?:assess\w*|evaluat\w*|examin\w*|record\w*|monitor\w*|documented|documenting|"
    r"extract\w*|measur\w*|outcomes? (?:were|was|included|of interest)|end ?points? (?:were|was|"
    r"included)|defined|determined by|with regard to|focus on|information on|require|"
    r"did not report|no (?:statistically )?(?:significant )?(?:differences?|changes?)|did not differ|"
    r"little (?:or|to) no (?:\w+ )?(?:effects?|differences?)|no (?:\w+ )?effects? on|"
    r"similar|comparable|uncertain|unclear|unsure|not different|no data|none of|"
    r"provided data on|not statistically different|no (?:meaningful|clinically (?:important|relevant)) "
    r"differences?|insufficient (?:evidence|data)|too (?:few|little|sparse) data|(?:primary|secondary) "
    r"outcomes?|data (?:were|was) available|the same (?:percentage|proportion|number|rate|incidence)|"
    r"in case of|in anticipation of|(?:predict|prevent)\w* (?:\w+ ){0,4}?(?:the )?(?:development|"
    r"occurrence|risk) of)\b[^.;]{0,300}$",
    re.IGNORECASE)
_REDUCED_AFTER = re.compile(
    r"^[^.;]{0,60}?\b(?:(?:are|were|was|is) (?:significantly |markedly )?(?:reduced|decreased|lowered|"
    r"prevented|less|lower|fewer)|occurred (?:\w+ )?less (?:often|frequently|commonly))\b", re.IGNORECASE)
# The substance lowers the harm: "fewer adverse effects", "reduced hospitalisation".
_LESS_HARM = re.compile(
    r"\b(?:fewer|less|lower|reduc\w*|decreas\w*|minimal|minimum of|without increas\w*|"
    r"not increas\w*|uncommon|rare(?:ly)?|infrequent|no increase in|similar|comparable|improved|"
    r"favourable|favorable|negligible|free from|free of|low|few|mild|little|low potential for|"
    r"unlikely to cause|not likely to cause|not an?|no increased|no excess|safety advantage|"
    r"reduced potential for|low potential for|minimal|minor|lowest|"
    r"reductions?|lower than)" + _CLAUSE_WORDS,
    re.IGNORECASE)
_PARENTHESES = re.compile(r"\([^()]*\)")


def _clause_before(text: str, start: int) -> tuple[str, bool]:
    """The 320 characters before ``start`` without the statistics in parentheses ("(RR 12.97,
    95% CI 0.77 to 218.37; 1 study)": their points and semicolons end no clause), and whether
    ``start`` is itself inside parentheses ("arrhythmia (...; 4586 people experienced
    arrhythmia)"), where the sentence around them says what the words are: then the window
    ends where the parentheses open."""
    before = text[:start]
    while True:
        shorter = _PARENTHESES.sub(" ", before)
        if shorter == before:
            break
        before = shorter
    opened = before.rfind("(")
    if opened >= 0:
        before = before[:opened]
    return before[-320:], opened >= 0


_TREATMENT_TOPICS = frozenset({SafetyTopic.DEPENDENCE, SafetyTopic.WITHDRAWAL})


def _counts(topic: SafetyTopic, text: str, match: re.Match[str]) -> bool:
    """Whether one match of a topic's words reports a harm of the substance."""
    before = text[max(0, match.start() - 60) : match.start()]
    after = text[match.end() : match.end() + 80]
    if _NEGATED.search(before) or _NEGATED_AFTER.search(after):
        return False
    if _MEASURED_ONLY.search(after) or _LESS_HARM.search(before) or _REDUCED_AFTER.search(after):
        return False
    if _POPULATION.search(before) or _TREATED.search(before):
        return False  # "patients with hepatic failure", "the treatment of hepatitis": not a harm
    window, inside = _clause_before(text, match.start())
    if _MEASURED_BEFORE.search(window) and (
            inside or not re.search(r"\b\d[\d,.%]*\s+(?:[\w-]+\s+){0,3}$", window)):
        return False  # measured or listed; "recorded 11 deaths" is a count, and stays
    if topic in (SafetyTopic.OTHER_ADVERSE, SafetyTopic.DRUG_INTERACTION) and _REASSURANCE.search(text):
        return False  # "well tolerated; adverse events were mild": tolerability, not a harm
    if topic in _TREATMENT_TOPICS:
        if _OTHER_DRUG.search(before) or _OTHER_DRUG_AFTER.search(after):
            return False
        if _PURPOSE.search(before) and not re.search(r"\bkratom|\bits\b", before, re.IGNORECASE):
            return False
    if topic in (SafetyTopic.DEPENDENCE, SafetyTopic.OVERDOSE_DEATH):
        window = text[max(0, match.start() - 80) : match.end() + 80]
        if _OUTCOME_SENSE.search(window):
            return False
    if topic is SafetyTopic.SEIZURE and not (
            _SEIZURE_CAUSE.search(text[max(0, match.start() - 40) : match.start()])
            or _SEIZURE_CAUSE.search(text[match.end() : match.end() + 50])):
        return False  # seizures of the illness itself (epilepsy), not caused by the substance
    if topic is SafetyTopic.OVERDOSE_DEATH and re.match(r"(?:deaths?|died|mortality|fatalit)", match.group(),
                                                        re.IGNORECASE):
        # A death is a harm when something is blamed for it, not as a counted outcome of the illness.
        near = text[max(0, match.start() - 60) : match.end() + 80]
        if not _ATTRIBUTED.search(near):
            return False
    return True


# Prefilter on lower-cased text (see text.lower_pattern): most sentences name no topic at all.
_ANY_TOPIC = re.compile(lower_pattern("|".join(f"(?:{p.pattern})" for p in _TOPICS.values())))


def topics_in(text: str) -> list[SafetyTopic]:
    """Safety topics a sentence reports, in a fixed order; a sentence of reassurance ("no
    serious adverse events", "none attributable to the drug") is *tolerability*, not a harm."""
    found: list[SafetyTopic] = []
    lowered = text.lower()
    if not _ANY_TOPIC.search(lowered) and "tolerat" not in lowered and "safe" not in lowered:
        return found
    for topic, pattern in _TOPICS.items():
        if any(_counts(topic, text, m) for m in pattern.finditer(text)):
            found.append(topic)
    if _REASSURANCE.search(text):
        found.append(SafetyTopic.TOLERABILITY)
    return found


def find_safety(title: str, sentences: Sequence[Sentence]) -> tuple[SafetyMention, ...]:
    """Each (topic, sentence) the study reports, title first; background and aims skipped."""
    out: list[SafetyMention] = []
    seen: set[tuple[SafetyTopic, str]] = set()
    candidates = [Sentence(title, SentenceRole.TITLE, -1)] if title and _TITLE_FINDING.search(title) else []
    candidates += [s for s in sentences if s.role not in _SKIP_ROLES]
    for s in candidates:
        for topic in topics_in(s.text):
            if (topic, s.text) not in seen:
                seen.add((topic, s.text))
                out.append(SafetyMention(topic, Evidence(s.text, s.role)))
    return tuple(out)
