"""Train every shipped scisays model from the public benchmark data, reproducibly.

    pip install -e '.[train]'
    python training/train.py                 # all models -> src/scisays/data/models/
    python training/train.py --only roles    # one model

Data: ../shared/data (or --data DIR): pubmedqa/train_dev.json, evidence-inference/.
Model choice (regularisation C) uses cross-validation on the training portion only; the
Evidence Inference validation split and any test split are never used to fit or choose.
Seeds are fixed, so the same data gives byte-identical artefacts.
"""

from __future__ import annotations

import argparse
import math
import random
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.feature_extraction import DictVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.model_selection import GroupKFold, StratifiedKFold

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from scisays.appraise.effect import evidence_candidates  # noqa: E402
from scisays.appraise.qa import rr_text  # noqa: E402
from scisays.appraise.roles import ROLE_CLASSES, role_training_examples, viterbi  # noqa: E402
from scisays.evaluate.datasets import (  # noqa: E402
    EFFECT_LABELS,
    load_evidence_inference,
    load_pubmedqa,
    read_article,
)
from scisays.ml import from_arrays  # noqa: E402
from scisays.ml.features import FEATURES_VERSION, answer_features, effect_features  # noqa: E402

OUT = ROOT / "src" / "scisays" / "data" / "models"
SEED = 13
Cs = (0.1, 0.3, 1.0, 3.0)

Feats = list[dict[str, float]]


def _fit(
    x: Feats, y: Sequence[str], c: float, balanced: bool = False
) -> tuple[DictVectorizer, LogisticRegression]:
    vec = DictVectorizer(sort=True)
    m = vec.fit_transform(x)
    clf = LogisticRegression(
        C=c, max_iter=3000, random_state=SEED, class_weight="balanced" if balanced else None
    )
    clf.fit(m, list(y))
    return vec, clf


def _cv_proba(
    x: Feats,
    y: Sequence[str],
    c: float,
    folds: list[tuple[np.ndarray, np.ndarray]],
    classes: Sequence[str],
    balanced: bool = False,
) -> np.ndarray:
    out = np.zeros((len(y), len(classes)))
    for train, test in folds:
        vec, clf = _fit([x[i] for i in train], [y[i] for i in train], c, balanced)
        p = clf.predict_proba(vec.transform([x[i] for i in test]))
        order = [list(clf.classes_).index(k) for k in classes]
        out[test] = p[:, order]
    return out


def _temperature(proba: np.ndarray, y_idx: np.ndarray) -> float:
    """The softmax temperature that minimises the cross-validated log loss."""
    logits = np.log(np.clip(proba, 1e-12, 1))
    best, best_t = math.inf, 1.0
    for t in np.arange(0.5, 3.01, 0.05):
        z = logits / t
        z = z - z.max(axis=1, keepdims=True)
        p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
        loss = -np.mean(np.log(np.clip(p[np.arange(len(y_idx)), y_idx], 1e-12, 1)))
        if loss < best - 1e-9:
            best, best_t = loss, float(round(t, 2))
    return best_t


def select_and_train(
    name: str,
    x: Feats,
    y: Sequence[str],
    classes: Sequence[str],
    folds: list[tuple[np.ndarray, np.ndarray]],
    meta: dict[str, Any],
    cs: Sequence[float] = Cs,
    balanced: bool = False,
) -> dict[str, Any]:
    """Choose C by cross-validated accuracy, calibrate a temperature, fit on all, save."""
    y_idx = np.array([list(classes).index(v) for v in y])
    results = {}
    for c in cs:
        p = _cv_proba(x, y, c, folds, classes, balanced)
        acc = float(np.mean(p.argmax(axis=1) == y_idx))
        f1 = float(f1_score(y_idx, p.argmax(axis=1), average="macro"))
        results[c] = (acc, p)
        print(f"  {name}: C={c:<5} cv accuracy {acc:.4f} macro-F1 {f1:.4f}", flush=True)
    c_best = max(cs, key=lambda c: (results[c][0], -c))
    t = _temperature(results[c_best][1], y_idx)
    vec, clf = _fit(x, y, c_best, balanced)
    order = [list(clf.classes_).index(k) for k in classes]
    coef = clf.coef_
    if len(classes) > 2:
        coef = coef[order]
        intercept = clf.intercept_[order]
    else:
        if list(clf.classes_) != list(classes):
            coef, intercept = -coef, -clf.intercept_
        else:
            intercept = clf.intercept_
    model = from_arrays(
        name,
        classes,
        vec.get_feature_names_out().tolist(),
        coef.tolist(),
        intercept.tolist(),
        temperature=t,
        meta={
            **meta,
            "C": c_best,
            "cv_accuracy": round(results[c_best][0], 4),
            "features_version": FEATURES_VERSION,
            "n_train": len(y),
            "class_weight": "balanced" if balanced else "none",
        },
    )
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"{name}.json.gz"
    model.save(path)
    print(
        f"  {name}: C={c_best} T={t} cv accuracy {results[c_best][0]:.4f}; {len(model.weights):,} "
        f"features; {path.stat().st_size / 1e6:.2f} MB",
        flush=True,
    )
    return {"name": name, "C": c_best, "cv_accuracy": results[c_best][0], "cv_proba": results[c_best][1]}


def stratified_folds(y: Sequence[str], k: int = 10) -> list[tuple[np.ndarray, np.ndarray]]:
    skf = StratifiedKFold(n_splits=k, shuffle=True, random_state=SEED)
    return list(skf.split(np.zeros(len(y)), list(y)))


def group_folds(groups: Sequence[str], k: int = 5) -> list[tuple[np.ndarray, np.ndarray]]:
    uniq = sorted(set(groups))
    rng = random.Random(SEED)
    rng.shuffle(uniq)
    fold_of = {g: i % k for i, g in enumerate(uniq)}
    gk = GroupKFold(n_splits=k)
    return list(gk.split(np.zeros(len(groups)), groups=[fold_of[g] for g in groups]))


def train_roles(data: Path) -> None:
    items = load_pubmedqa(data / "pubmedqa" / "train_dev.json")
    x, y, groups = [], [], []
    for item in items:
        for feats, role in role_training_examples(item.contexts, item.labels, item.long_answer):
            x.append(feats)
            y.append(role)
            groups.append(item.id)
    print(f"roles: {len(y)} sentences from {len(items)} PubMedQA abstracts", flush=True)
    res = select_and_train(
        "roles",
        x,
        y,
        ROLE_CLASSES,
        group_folds(groups),
        {"data": "PubMedQA-L train_dev (500)"},
        cs=(0.3, 1.0, 3.0),
    )
    # Cross-validated accuracy of the whole labeller: per-sentence probabilities + Viterbi order.
    # (Sentences without a usable gold label were left out of x, so this is a close estimate.)
    proba, correct, start = res["cv_proba"], 0, 0
    while start < len(groups):
        end = start
        while end < len(groups) and groups[end] == groups[start]:
            end += 1
        path = viterbi(proba[start:end].tolist())
        correct += sum(ROLE_CLASSES[j] == y[start + k] for k, j in enumerate(path))
        start = end
    print(f"  roles: cv accuracy with the order prior (Viterbi) {correct / len(y):.4f}", flush=True)


def train_pubmedqa(data: Path) -> None:
    items = load_pubmedqa(data / "pubmedqa" / "train_dev.json")
    y = [i.decision for i in items]
    folds = stratified_folds(y)
    classes = ("yes", "no", "maybe")
    x_rf = [answer_features(i.question, i.long_answer) for i in items]
    print(f"pubmedqa: {len(items)} items", flush=True)
    select_and_train("pubmedqa-rf", x_rf, y, classes, folds, {"setting": "reasoning-free"}, balanced=True)
    x_rr = [answer_features(i.question, rr_text(i.contexts, i.labels)) for i in items]
    select_and_train("pubmedqa-rr", x_rr, y, classes, folds, {"setting": "reasoning-required"}, balanced=True)


def train_effect(data: Path) -> None:
    ei = data / "evidence-inference"
    train_ids = set((ei / "train_article_ids.txt").read_text().split())
    prompts = [p for p in load_evidence_inference(ei) if p.pmcid in train_ids]
    x, y, groups = [], [], []
    for p in prompts:
        for span, label in p.span_labels:  # each annotator's own label for the span they cited
            x.append(effect_features(p.intervention, p.comparator, p.outcome, span))
            y.append(label)
            groups.append(p.pmcid)
    print(f"effect: {len(y)} evidence spans from {len(prompts)} training prompts", flush=True)
    select_and_train(
        "effect",
        x,
        y,
        EFFECT_LABELS,
        group_folds(groups),
        {"data": "Evidence Inference 2.0 train"},
        cs=(0.3, 1.0, 3.0),
    )
    # Evidence finder: which article sentence is the evidence for a prompt (binary).
    ex, ey, eg = [], [], []
    for p in prompts:
        text = read_article(p)
        cands = evidence_candidates(text, p.intervention, p.comparator, p.outcome, limit=30)
        gold = [" ".join(s.split()) for s in p.evidence]
        for cand in cands:
            hit = any(cand.text in g or g in cand.text for g in gold if len(g) > 20)
            ex.append(cand.features)
            ey.append("evidence" if hit else "other")
            eg.append(p.pmcid)
    print(f"evidence finder: {len(ey)} candidate sentences, {ey.count('evidence')} evidence", flush=True)
    select_and_train(
        "evidence-finder",
        ex,
        ey,
        ("other", "evidence"),
        group_folds(eg),
        {"data": "Evidence Inference 2.0 train"},
        cs=(0.3, 1.0),
    )


def _claim_rows(data: Path) -> tuple[Feats, list[str], list[str]]:
    """HealthVer dev (claim, evidence, label) as features, grouped by topic."""
    import csv

    from scisays.appraise.sections import split_sentences
    from scisays.audit.stance import claim_features

    x: Feats = []
    y: list[str] = []
    groups: list[str] = []
    with (data / "claims" / "healthver_dev.csv").open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            x.append(claim_features(row["claim"], row["evidence"], split_sentences(row["evidence"])))
            y.append(row["label"])
            groups.append(row["topic_ip"])
    return x, y, groups


def train_claims(data: Path) -> None:
    """The evidence's stance on a health claim, from HealthVer's dev split (the only HealthVer
    data here; its test split is held out). Folds keep each topic together, so the
    cross-validated score is on unseen topics, as the held-out test is."""
    x, y, groups = _claim_rows(data)
    select_and_train("claim-evidence", x, y, ("Supports", "Refutes", "Neutral"), group_folds(groups, 5),
                     {"data": "HealthVer healthver_dev.csv (sarrouti/HealthVer b20ac99)",
                      "folds": "5, grouped by topic_ip"}, cs=(0.01, 0.03, 0.1, 0.3), balanced=True)


TASKS: dict[str, Callable[[Path], None]] = {
    "roles": train_roles,
    "pubmedqa": train_pubmedqa,
    "effect": train_effect,
    "claims": train_claims,
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--only", choices=sorted(TASKS), action="append")
    args = ap.parse_args()
    random.seed(SEED)
    np.random.seed(SEED)
    for name in args.only or list(TASKS):
        t0 = time.perf_counter()
        TASKS[name](args.data)
        print(f"{name}: done in {time.perf_counter() - t0:.0f} s", flush=True)


if __name__ == "__main__":
    main()
