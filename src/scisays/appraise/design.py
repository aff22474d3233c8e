"""Study design and species, from publication types, MeSH and title/abstract cues (v1 rules).

Publication types (MEDLINE indexing) are the strongest signal; text cues carry records
without indexing (Europe PMC, preprints, JSONL). Each call returns its basis so a reader
can see why a study was put where it was.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass

from ..model import Design, Record, Species
from ..text import lower_pattern


@dataclass(frozen=True, slots=True)
class DesignCall:
    design: Design
    basis: str
    species: Species = Species.UNKNOWN  # as classify_species says; computed once for both


def _rx(*patterns: str) -> re.Pattern[str]:
    """A case-insensitive pattern, compiled for LOWER-CASED text (about 4x faster than IGNORECASE).

    Every pattern in this module is searched in text that the caller has lower-cased.
    """
    return re.compile(lower_pattern("|".join(patterns)))


_META = _rx(r"\bmeta-?analys[ie]s\b", r"\bmeta-?analytic", r"\bpooled analysis of (?:\w+ ){0,3}trials")
_SYSTEMATIC = _rx(r"\bsystematic(?:ally)? review", r"\bscoping review\b", r"\bPRISMA\b",
                  r"\bsystematic (?:literature )?search")
_RANDOMISED = _rx(r"\brandomi[sz]ed\b", r"\brandomly[- ](?:assigned|allocated)\b", r"\brandomi[sz]ation\b",
                  r"\bin (?:a )?random(?:i[sz]ed)? (?:order|sequence)\b", r"\brandom sequence\b")
# Random allocation of participants to arms: an experiment, not random sampling for a survey.
# (Random *selection* is sampling, so "selected" is not an allocation verb.)
_ALLOCATION = _rx(r"\brandomly[- ](?:re-?)?(?:assigned|allocated|divided|distributed|enrolled|split)\b",
                  r"\b(?:assigned|allocated|divided|distributed|split) (?:\w+ ){0,4}?"
                  r"(?:randomly|at random)\b",
                  r"\bat random (?:to|into|in)\b", r"\brandom (?:allocation|assignment)\b",
                  r"\b(?:were|was|being) randomi[sz]ed\b", r"\bconsort\b",
                  r"\brandomi[sz]ed (?:in|into|to)\b", r"\brandomi[sz]ation\b",
                  r"\brandomi[sz]ed,? (?:[\w-]+,? ){0,4}(?:study|trial|design|comparison|cross-?over|"
                  r"experiment|evaluation)\b")
_BLINDED = _rx(r"\bplacebo[- ]controlled\b", r"\b(?:double|single|triple)[- ]blind",
               r"\bsham[- ]controlled\b", r"\bcross-?over (?:study|trial|design)\b")
# Arms of an experiment: participants given an intervention and compared with controls.
_ARMS = _rx(r"\b(?:intervention|experimental|treatment|training|exercise) (?:group|arm)s?\b")
_CONTROL_GROUP = _rx(r"\bcontrol (?:group|arm)s?\b")
_GIVEN = _rx(r"\b(?:received|were given|was given|were treated with|were administered|"
             r"administration of|underwent|participated in (?:a|an|the) (?:\w+ ){0,3}"
             r"(?:program|programme|training|intervention))\b")
_SURVEY_DESIGN = _rx(r"\bcross-?sectional\b", r"\bsurvey(?:ed)?\b")
_CONTROLLED = _rx(r"\bplacebo\b", r"\bcontrolled\b", r"\bdouble-?blind", r"\bcrossover\b",
                  r"\bcross-over\b", r"\bsham\b")
_TRIAL = _rx(r"\b(?:clinical |pilot |open-label |single-arm |phase [i1-4]+ )?trial\b",
             r"\bopen-label\b", r"\bsingle-arm\b", r"\bpre-?post\b", r"\bbefore-and-after\b")
_PK = _rx(r"\bpharmacokinetic", r"\bAUC\b", r"\bC ?max\b", r"\bhalf-life\b", r"\bbioavailability\b",
          r"\bplasma concentration", r"\bdrug[- ]drug interaction", r"\bprobe (?:drug|substrate)")
_COHORT = _rx(r"\bcohort\b", r"\blongitudinal\b", r"\bprospective(?:ly)? (?:study|follow)",
              r"\bfollowed (?:up )?for\b", r"\bretrospective (?:study|analysis|review)\b",
              r"\bregistry\b", r"\bchart review\b")
_CASE_CONTROL = _rx(r"\bcase-?control\b", r"\bmatched controls\b")
_SURVEY = _rx(r"\bsurvey\b", r"\bquestionnaire", r"\bcross-?sectional\b", r"\bpoll\b",
              r"\brespondents\b")
_CASE_REPORT = _rx(r"\bwe (?:report|present|describe) (?:a|an|the) (?:case|patient)",
                   r"\bcase report\b", r"\ba case of\b", r"\b\d+-year-old (?:man|woman|male|female|"
                   r"boy|girl|patient)")
_CASE_SERIES = _rx(r"\bcase series\b", r"\bwe (?:report|present|describe) (?:\w+ )?(?:two|three|four|"
                   r"five|six|seven|eight|nine|ten|\d+) (?:cases|patients)")
_QUALITATIVE = _rx(r"\bqualitative\b", r"\bthematic analysis\b", r"\bfocus groups?\b",
                   r"\bsemi-?structured interviews?\b", r"\bgrounded theory\b")
_REVIEW = _rx(r"\breview(?:ed|s)? (?:of )?(?:the )?(?:literature|current|recent|available|"
              r"evidence)", r"\bthis review\b", r"\bwe review\b", r"\bnarrative review\b",
              r"\boverview of\b", r"^(?:the )?(?:potential|role) (?:of|for)\b")
_ANIMAL = _rx(r"\bmice\b", r"\bmouse\b", r"\brats?\b", r"\bmurine\b", r"\brodents?\b",
              r"\bzebrafish\b", r"\brabbits?\b", r"\bdogs\b", r"\bmonkeys?\b", r"\bprimates?\b",
              r"\bguinea pigs?\b", r"\bhamsters?\b", r"\bpiglets?\b", r"\bsheep\b",
              r"\b(?:wistar|sprague[- ]dawley|c57bl|balb/c)\b", r"\bin vivo\b",
              r"\bforced swim", r"\btail suspension", r"\bmg/kg,? i\.p\.")
_IN_VITRO = _rx(r"\bin vitro\b", r"\bcell lines?\b", r"\bcultured (?:cells|neurons)",
                r"\bhepatocytes\b", r"\bmicrosomes\b", r"\bHEK ?293\b", r"\bHepG2\b",
                r"\breceptor binding\b", r"\bbinding assays?\b", r"\bIC50\b", r"\bEC50\b",
                r"\bdocking\b", r"\bin silico\b")
_HUMAN = _rx(r"\bpatients?\b", r"\bparticipants?\b", r"\bvolunteers?\b", r"\brespondents?\b",
             r"\bwomen\b", r"\bmen\b", r"\badults?\b", r"\bchildren\b", r"\busers\b",
             r"\bsubjects\b", r"\bpeople\b", r"\bhumans?\b", r"\b\d+-year-old\b")

_IN_VIVO = _rx(r"\bin vivo\b")
_HUMAN_IN_VIVO = _rx(r"\bpatients?\b", r"\bteeth\b", r"\bvolunteers?\b", r"\bparticipants?\b",
                     r"\bchildren\b")
_ANIMAL_MESH = {
    "animals", "mice", "rats", "rats, sprague-dawley", "rats, wistar", "mice, inbred c57bl",
    "mice, inbred balb c", "disease models, animal", "zebrafish", "rabbits", "dogs",
}


def _pt(record: Record) -> set[str]:
    return {p.casefold() for p in record.publication_types}


def classify_species(record: Record) -> Species:
    """human / animal / in vitro / unknown, from MeSH check tags, then text cues."""
    mesh = {m.casefold() for m in record.mesh_headings}
    if "humans" in mesh:
        return Species.HUMAN
    if mesh & _ANIMAL_MESH:
        return Species.ANIMAL
    text = f"{record.title} {record.abstract}".lower()
    animal = len(_ANIMAL.findall(text))
    if animal and _HUMAN_IN_VIVO.search(text):
        animal -= len(_IN_VIVO.findall(text))  # "in vivo" said of people is not an animal cue
    vitro = len(_IN_VITRO.findall(text))
    human = len(_HUMAN.findall(text))
    if "veterinary" in " ".join(_pt(record)):
        return Species.ANIMAL
    if animal and animal >= human:
        return Species.ANIMAL
    if vitro and vitro > human and not animal:
        return Species.IN_VITRO
    if human:
        return Species.HUMAN
    return Species.UNKNOWN


def classify_design(record: Record) -> DesignCall:
    """The study design of ``record``, the evidence for it, and the species studied."""
    species = classify_species(record)
    return dataclasses.replace(_design(record, species), species=species)


def _design(record: Record, species: Species) -> DesignCall:
    pts = _pt(record)
    title = record.title.lower()
    abstract = record.abstract.lower()
    text = f"{title} {abstract}"

    def pt(name: str) -> bool:
        return name.casefold() in pts

    # 1. Publication types (MEDLINE indexing).
    if pt("Meta-Analysis"):
        return DesignCall(Design.META_ANALYSIS, 'publication type "Meta-Analysis"')
    if pt("Systematic Review"):
        return DesignCall(Design.SYSTEMATIC_REVIEW, 'publication type "Systematic Review"')
    if pt("Randomized Controlled Trial, Veterinary"):
        return DesignCall(Design.ANIMAL, 'publication type "Randomized Controlled Trial, Veterinary"')
    if pt("Randomized Controlled Trial") or pt("Equivalence Trial"):
        return DesignCall(Design.RCT, 'publication type "Randomized Controlled Trial"')
    trial_types = [p for p in record.publication_types if "clinical trial" in p.casefold()
                   or p.casefold() in ("controlled clinical trial", "pragmatic clinical trial")]
    if trial_types:
        shown = f'publication type "{trial_types[0]}"'
        if _PK.search(text):
            return DesignCall(Design.PHARMACOKINETIC, f"{shown} with pharmacokinetic measures")
        if _RANDOMISED.search(text):
            return DesignCall(Design.RCT, f"{shown}; the abstract says it was randomised")
        return DesignCall(Design.NON_RANDOMIZED_TRIAL, f"{shown}; no randomisation mentioned")
    if pt("Case Reports"):
        if _CASE_SERIES.search(text):
            return DesignCall(Design.CASE_SERIES, 'publication type "Case Reports" with several cases')
        return DesignCall(Design.CASE_REPORT, 'publication type "Case Reports"')
    if pt("Observational Study"):
        return _observational(text, 'publication type "Observational Study"')

    # 2. Text cues, strongest designs first; title cues outrank abstract cues.
    if _META.search(title) or (_META.search(text) and not _RANDOMISED.search(title)):
        return DesignCall(Design.META_ANALYSIS, "the text describes a meta-analysis")
    if _SYSTEMATIC.search(text):
        return DesignCall(Design.SYSTEMATIC_REVIEW, "the text describes a systematic review")
    if species is Species.ANIMAL:
        return DesignCall(Design.ANIMAL, "experiments in animals (text and MeSH cues)")
    if species is Species.IN_VITRO:
        return DesignCall(Design.IN_VITRO, "laboratory (in vitro) experiments")
    if _RANDOMISED.search(text) and (_CONTROLLED.search(text) or _TRIAL.search(text)):
        return DesignCall(Design.RCT, "the abstract describes a randomised trial")
    if _ALLOCATION.search(text):
        return DesignCall(Design.RCT, "participants were randomly allocated to groups")
    if (_ARMS.search(text) or (_CONTROL_GROUP.search(text) and _GIVEN.search(text))) and not (
        _CASE_CONTROL.search(text) or _SURVEY_DESIGN.search(text)
    ):
        return DesignCall(
            Design.NON_RANDOMIZED_TRIAL,
            "an intervention compared with a control group; randomisation not stated",
        )
    if _BLINDED.search(text):  # animal and in vitro records were settled above
        return DesignCall(
            Design.NON_RANDOMIZED_TRIAL,
            "a placebo-controlled or blinded comparison; randomisation not stated",
        )
    if _PK.search(text) and _rx(r"\bhealthy\b", r"\bparticipants\b", r"\bvolunteers\b").search(text):
        return DesignCall(Design.PHARMACOKINETIC, "pharmacokinetic measures in human participants")
    if pt("Review") or _REVIEW.search(title) or _REVIEW.search(abstract[:400]):
        basis = 'publication type "Review"' if pt("Review") else "the text describes a review"
        return DesignCall(Design.NARRATIVE_REVIEW, basis)
    if _CASE_SERIES.search(text):
        return DesignCall(Design.CASE_SERIES, "the abstract describes a series of cases")
    if _CASE_REPORT.search(text):
        return DesignCall(Design.CASE_REPORT, "the abstract describes a single case")
    if _TRIAL.search(text) and not _SURVEY.search(text):
        return DesignCall(Design.NON_RANDOMIZED_TRIAL, "the abstract describes a non-randomised trial")
    if _QUALITATIVE.search(text):
        return DesignCall(Design.QUALITATIVE, "qualitative methods (interviews, thematic analysis)")
    return _observational(text, "")


def _observational(text: str, prefix: str) -> DesignCall:
    join = f"{prefix}; " if prefix else ""
    if _CASE_CONTROL.search(text):
        return DesignCall(Design.CASE_CONTROL, f"{join}the abstract describes a case-control design")
    if _COHORT.search(text):
        return DesignCall(Design.COHORT, f"{join}the abstract describes a cohort")
    if _SURVEY.search(text):
        return DesignCall(
            Design.CROSS_SECTIONAL_SURVEY, f"{join}the abstract describes a survey / cross-sectional study"
        )
    if prefix:
        return DesignCall(Design.COHORT, f"{prefix}; design not stated further")
    return DesignCall(Design.OTHER, "no design cue found in publication types or text")
