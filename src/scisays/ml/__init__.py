"""Small trained models, run in pure Python (no numpy, no torch at inference).

A model is a multinomial logistic regression over sparse string features, stored as gzip'd
JSON in ``scisays/data/models/``. ``training/train.py`` (repo root) fits them from the public
benchmark data with scikit-learn and writes these files; the package only reads them.
"""

from __future__ import annotations

import gzip
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from ..errors import ScisaysError

MODEL_FORMAT = "scisays.linear-model"
MODEL_FORMAT_VERSION = 1


@dataclass(frozen=True)
class LinearModel:
    """Multinomial logistic regression over binary/real string features."""

    name: str
    classes: tuple[str, ...]
    bias: tuple[float, ...]
    weights: Mapping[str, tuple[float, ...]]
    temperature: float = 1.0
    meta: Mapping[str, Any] | None = None

    def scores(self, features: Mapping[str, float]) -> list[float]:
        get = self.weights.get
        rows = [
            w if v == 1.0 else tuple(x * v for x in w)
            for f, v in features.items()
            if (w := get(f)) is not None
        ]
        if not rows:
            return list(self.bias)
        # Transpose in C (zip) and sum per class: much faster than a Python loop per feature.
        return [b + s for b, s in zip(self.bias, map(sum, zip(*rows, strict=True)), strict=True)]

    def predict_proba(self, features: Mapping[str, float]) -> dict[str, float]:
        """Class -> probability (softmax of the scores divided by the calibrated temperature)."""
        s = [x / self.temperature for x in self.scores(features)]
        top = max(s)
        e = [math.exp(x - top) for x in s]
        z = sum(e)
        return {c: v / z for c, v in zip(self.classes, e, strict=True)}

    def predict(self, features: Mapping[str, float]) -> tuple[str, float]:
        """The most probable class and its probability."""
        p = self.predict_proba(features)
        label = max(p, key=lambda c: p[c])
        return label, p[label]

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": MODEL_FORMAT,
            "format_version": MODEL_FORMAT_VERSION,
            "name": self.name,
            "classes": list(self.classes),
            "bias": list(self.bias),
            "temperature": self.temperature,
            "meta": dict(self.meta or {}),
            "weights": {f: list(w) for f, w in self.weights.items()},
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> LinearModel:
        if d.get("format") != MODEL_FORMAT or d.get("format_version") != MODEL_FORMAT_VERSION:
            raise ScisaysError(f"Model file {d.get('name', '?')!r} is not a {MODEL_FORMAT} v1 file.")
        classes = tuple(str(c) for c in d["classes"])
        k = len(classes)
        weights = {str(f): tuple(float(x) for x in w) for f, w in d["weights"].items()}
        if len(d["bias"]) != k or any(len(w) != k for w in weights.values()):
            raise ScisaysError(f"Model file {d.get('name', '?')!r} is inconsistent (class count).")
        return cls(
            name=str(d["name"]),
            classes=classes,
            bias=tuple(float(b) for b in d["bias"]),
            weights=weights,
            temperature=float(d.get("temperature", 1.0)),
            meta=d.get("meta") or {},
        )

    def save(self, path: Path) -> None:
        data = json.dumps(self.to_dict(), separators=(",", ":"), sort_keys=True).encode()
        with gzip.GzipFile(path, "wb", mtime=0) as f:  # mtime=0: reproducible bytes
            f.write(data)


def _round(w: Sequence[float]) -> tuple[float, ...]:
    return tuple(round(x, 5) for x in w)


def from_arrays(
    name: str,
    classes: Sequence[str],
    feature_names: Sequence[str],
    coef: Sequence[Sequence[float]],
    intercept: Sequence[float],
    *,
    temperature: float = 1.0,
    meta: Mapping[str, Any] | None = None,
    min_abs: float = 1e-4,
) -> LinearModel:
    """Build a model from scikit-learn style arrays (coef: classes x features)."""
    k = len(classes)
    if k == 2 and len(coef) == 1:  # binary LR: one row for the positive class
        coef = [[-x / 2 for x in coef[0]], [x / 2 for x in coef[0]]]
        intercept = [-intercept[0] / 2, intercept[0] / 2]
    weights: dict[str, tuple[float, ...]] = {}
    for j, f in enumerate(feature_names):
        w = [float(coef[i][j]) for i in range(k)]
        if max(abs(x) for x in w) >= min_abs:
            weights[f] = _round(w)
    return LinearModel(name, tuple(classes), _round(intercept), weights, temperature, meta)


@cache
def load(name: str) -> LinearModel:
    """Load a shipped model by name (``scisays/data/models/<name>.json.gz``)."""
    ref = resources.files("scisays") / "data" / "models" / f"{name}.json.gz"
    try:
        raw = gzip.decompress(ref.read_bytes())
    except FileNotFoundError as e:
        raise ScisaysError(
            f"The model {name!r} is not installed; run 'python training/train.py' to build it."
        ) from e
    return LinearModel.from_dict(json.loads(raw))


def merge(*parts: Iterable[tuple[str, float]]) -> dict[str, float]:
    """Feature dict from several (name, value) streams; later values add to earlier ones."""
    out: dict[str, float] = {}
    for part in parts:
        for f, v in part:
            out[f] = out.get(f, 0.0) + v
    return out
