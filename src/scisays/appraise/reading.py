"""What the learned reader reads of a record: its title and its conclusions.

Pure and shared by training (``training/reader.py``) and run time (``appraise.reader``), so the
model sees at run time exactly the text it was trained on.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..model import SentenceRole
from .sections import Sentence

#: at most this many closing sentences stand in for the conclusions of an unstructured abstract
CLOSING = 2


def reader_sentences(sentences: Sequence[Sentence]) -> tuple[Sentence, ...]:
    """The sentences the reader reads: the CONCLUSIONS sentences, else the abstract's closing
    ``CLOSING`` sentences (none for a record without an abstract: it is marked unread, never
    guessed)."""
    labelled = tuple(s for s in sentences if s.role is SentenceRole.CONCLUSIONS)
    if labelled:
        return labelled
    return tuple(sentences[-CLOSING:])


def reader_input(title: str, sentences: Sequence[Sentence]) -> tuple[str, str]:
    """The pair of texts the model reads: the title, and the conclusions joined by spaces."""
    return " ".join(title.split()), " ".join(s.text for s in sentences)
