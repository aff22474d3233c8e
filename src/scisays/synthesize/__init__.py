"""Synthesis: pure functions from appraised studies to verdicts and a safety profile."""

from .evidence import DESIGN_ORDER, synthesize, synthesize_condition
from .safety import safety_profile

__all__ = ["DESIGN_ORDER", "safety_profile", "synthesize", "synthesize_condition"]
