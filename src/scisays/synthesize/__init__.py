"""Synthesis: pure functions from appraised studies to verdicts, a safety profile with a
rating, regulatory facts, doses and evidence gaps."""

from .grade import DESIGN_ORDER, VERDICTS, grade, grade_condition
from .safety import safety_profile

# The names synthesis v1 used.
synthesize = grade
synthesize_condition = grade_condition

__all__ = [
    "DESIGN_ORDER", "VERDICTS", "grade", "grade_condition", "safety_profile", "synthesize",
    "synthesize_condition",
]
