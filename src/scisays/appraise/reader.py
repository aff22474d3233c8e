"""The learned reader of conclusions: what a record's conclusions say about its own intervention.

A fine-tuned MiniLM encoder (``training/reader.py``), shipped as ONNX with 8-bit weights and run
with onnxruntime and tokenizers only. It reads the title and the conclusions (the CONCLUSIONS
section, or the closing sentences of an unstructured abstract: ``appraise.reading``) and gives a
calibrated probability for benefit, no-benefit, harm and insufficient. A direction is asserted only
when its probability reaches the threshold chosen on cross-validation so that out-of-fold
overstatement stays at most 1%; below it the reading is "uncertain", and a record without an
abstract is "unread" — never guessed.

The reading does not depend on the question, so ``corpus appraise`` stores it with the rest of the
question-independent appraisal; ``ask`` reads on the fly only the records it did not find stored.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import threading
from collections.abc import Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

from ..errors import ScisaysError
from ..model import Evidence, Reading
from .reading import reader_input, reader_sentences
from .sections import Sentence

__all__ = ["ConclusionsReader", "ReaderError", "default_reader", "text_key"]

LABELS = ("benefit", "no-benefit", "harm", "insufficient")
#: a folder holding another build of the reader's three files (training/reader.py export writes them)
READER_ENV = "SCISAYS_READER"
_FIX = "reinstall scisays (pip install --force-reinstall scisays), or use --reader rules"


class ReaderError(ScisaysError):
    """The reader's model files are missing or damaged."""


def text_key(title: str, text: str) -> str:
    """A short hash of what the reader reads (the same as ``training/reader_export.text_key``)."""
    return hashlib.sha256(f"{title}\n{text}".encode()).hexdigest()[:24]


def _softmax(z: Sequence[float], t: float) -> list[float]:
    m = max(x / t for x in z)
    e = [math.exp(x / t - m) for x in z]
    s = sum(e)
    return [x / s for x in e]


def decide(probabilities: Sequence[float], thresholds: Mapping[str, float]) -> tuple[str, str, float]:
    """(label, most probable label, its probability): a direction only at or above its threshold,
    else "uncertain"; "insufficient" when that is the most probable reading."""
    j = max(range(len(LABELS)), key=lambda i: probabilities[i])
    top = LABELS[j]
    if top != "insufficient" and probabilities[j] < thresholds[top]:
        return "uncertain", top, probabilities[j]
    return top, top, probabilities[j]


def unread(reader: str) -> Reading:
    return Reading("unread", 0.0, (), (), reader, "")


class ConclusionsReader:
    """The shipped model, loaded from a folder holding ``reader.onnx``, ``reader-tokenizer.json``
    and ``reader.json`` (metadata: labels, temperature, thresholds, hashes, CV figures)."""

    def __init__(self, folder: Path | None = None) -> None:
        root: Any = folder if folder is not None else resources.files("scisays") / "data" / "models"
        try:
            meta = json.loads(root.joinpath("reader.json").read_text("utf-8"))
            model = root.joinpath("reader.onnx").read_bytes()
            tokenizer = root.joinpath("reader-tokenizer.json").read_bytes()
        except (OSError, ValueError) as e:
            raise ReaderError(f"The conclusions reader's model files are missing or unreadable ({e}); "
                              f"{_FIX}.") from e
        if not isinstance(meta, dict) or "model_sha256" not in meta or "thresholds" not in meta:
            raise ReaderError(f"The conclusions reader's metadata (reader.json) is damaged; {_FIX}.")
        if hashlib.sha256(model).hexdigest() != meta["model_sha256"]:
            raise ReaderError("The conclusions reader's model file (reader.onnx) does not match its "
                              f"metadata: it is damaged or from another version; {_FIX}.")
        if hashlib.sha256(tokenizer).hexdigest() != meta.get("tokenizer_sha256"):
            raise ReaderError("The conclusions reader's tokenizer (reader-tokenizer.json) does not match "
                              f"its metadata; {_FIX}.")
        import onnxruntime as ort
        from tokenizers import Tokenizer

        try:
            options = ort.SessionOptions()
            options.intra_op_num_threads = 1  # one record at a time; corpus appraise uses processes
            options.inter_op_num_threads = 1
            options.log_severity_level = 3
            self._session = ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])
            self._tokenizer = Tokenizer.from_str(tokenizer.decode("utf-8"))
        except Exception as e:  # onnxruntime raises its own exception types for a bad model
            raise ReaderError(f"The conclusions reader's model could not be loaded ({type(e).__name__}); "
                              f"{_FIX}.") from e
        self._tokenizer.no_padding()
        self._tokenizer.enable_truncation(int(meta["max_tokens"]), strategy="only_second")
        self.meta: dict[str, Any] = meta
        self.temperature = float(meta["temperature"])
        self.thresholds: dict[str, float] = {k: float(v) for k, v in meta["thresholds"].items()}
        self.version = str(meta["model_sha256"])[:12]
        self._lock = threading.Lock()

    def probabilities(self, title: str, text: str) -> list[float]:
        """The calibrated probability of each of ``LABELS`` for a (title, conclusions) pair."""
        import numpy as np

        enc = self._tokenizer.encode(title, text)
        feed = {"input_ids": np.array([enc.ids], dtype=np.int64),
                "attention_mask": np.array([enc.attention_mask], dtype=np.int64),
                "token_type_ids": np.array([enc.type_ids], dtype=np.int64)}
        with self._lock:  # one session, shared by the threads of a web server
            logits = self._session.run(None, feed)[0][0]
        return _softmax([float(x) for x in logits], self.temperature)

    def __call__(self, title: str, sentences: Sequence[Sentence]) -> Reading:
        """The reading of a record from its title and its sentences with their roles."""
        read = reader_sentences(sentences)
        if not read:
            return unread(self.version)
        p = self.probabilities(*reader_input(title, read))
        label, top, prob = decide(p, self.thresholds)
        return Reading(label, prob, tuple(zip(LABELS, p, strict=True)),
                       tuple(Evidence(s.text, s.role) for s in read), self.version, top)


_default: ConclusionsReader | None = None
_default_lock = threading.Lock()


def default_reader() -> ConclusionsReader:
    """The shipped reader (or the one in the folder ``$SCISAYS_READER`` names), loaded once per
    process (ReaderError, one sentence, if it cannot be)."""
    global _default
    with _default_lock:
        if _default is None:
            folder = os.environ.get(READER_ENV)
            _default = ConclusionsReader(Path(folder) if folder else None)
        return _default
