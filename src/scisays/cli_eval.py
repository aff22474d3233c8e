"""``scisays eval``: benchmark subcommands (cli.py registers them with ``build_eval_app``).

cli.py passes in its ``friendly`` error wrapper and stderr console, so this module does not
import cli.py (which would be circular when cli runs as ``python -m scisays.cli``).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table
from rich.text import Text

from .errors import UsageError

JsonOption = Annotated[
    bool, typer.Option("--json", help="Print one JSON object (n, accuracy, macro_f1, ...).")
]


def _run(
    err: Console,
    json_out: bool,
    title: str,
    work: Callable[[Callable[[int, int], None] | None], dict[str, Any]],
    printer: Callable[[dict[str, Any]], None] | None = None,
) -> None:
    if json_out or not sys.stderr.isatty():
        result = work(None)
    else:
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=err,
            transient=True,
        ) as bar:
            task = bar.add_task(title, total=None)

            def update(done: int, total: int) -> None:
                bar.update(task, completed=done, total=total)

            result = work(update)
    if json_out:
        sys.stdout.write(json.dumps(result, indent=2) + "\n")
        return
    (printer or _print)(result)


def _print(r: dict[str, Any]) -> None:
    out = Console(highlight=False)
    setting = f" ({r['setting']})" if r.get("setting") else ""
    out.print(
        Text(
            f"{r['task']}{setting}: n={r['n']:,}  accuracy {r['accuracy']:.1%}  "
            f"macro-F1 {r['macro_f1']:.3f}  ({r['items_per_second']} items/s)",
            style="bold",
        )
    )
    table = Table("class", "precision", "recall", "F1", "support", box=None)
    for c, s in r["per_class"].items():
        if s["support"] or s["precision"]:
            table.add_row(
                c, f"{s['precision']:.3f}", f"{s['recall']:.3f}", f"{s['f1']:.3f}", str(s["support"])
            )
    out.print(table)
    labels = r["labels"]
    used = [
        i for i, c in enumerate(labels) if sum(r["confusion"][i]) or sum(row[i] for row in r["confusion"])
    ]
    cm = Table("gold \\ predicted", *[labels[i] for i in used], box=None, title="confusion matrix")
    for i in used:
        cm.add_row(labels[i], *[str(r["confusion"][i][j]) for j in used])
    out.print(cm)


def _print_verdicts(r: dict[str, Any]) -> None:
    """A line per case that falls short (expected, got, why), then the summary."""
    out = Console(highlight=False, soft_wrap=True)  # one line per shortfall, whatever the width
    for res in r["results"]:
        for c in res["conditions"]:
            if c["agreed"]:
                continue
            e = c["expected"]
            want = e["direction"] + (
                f", {e['min_certainty']}..{e['max_certainty']}" if e["direction"] != "insufficient"
                else f", at most {e['max_certainty']}")
            tag = "OVERSTATED" if c["overstated"] else "differs"
            why = "; ".join(c["reasons"][:4])
            out.print(Text(f"{tag}  {res['id']} [{c['condition']}]: expected {want}; got "
                           f"{c['verdict']} ({c['certainty']}) — {why}"))
        s = res.get("safety")
        if s and not s["agreed"]:
            miss = f", missing topics {', '.join(s['missing_topics'])}" if s["missing_topics"] else ""
            out.print(Text(f"safety  {res['id']}: expected {' or '.join(s['expected_ratings']) or 'any'}"
                           f"; got {s['rating']}{miss} — {'; '.join(s['reasons'][:3])}"))
    sm = r["summary"]
    out.print()
    for kind, k in sorted(sm["by_kind"].items()):
        line = (f"{kind}: {k['agreed']}/{k['conditions']} conditions agreed, "
                f"{k['overstated']} overstated")
        if k["safety_cases"]:
            line += f"; safety {k['safety_agreed']}/{k['safety_cases']} agreed"
        out.print(Text(line))
    out.print(Text(
        f"all: {sm['agreed']}/{sm['conditions']} conditions agreed, {sm['overstated']} overstated; "
        f"safety {sm['safety_agreed']}/{sm['safety_cases']} agreed ({r['seconds']} s)", style="bold"))


def build_eval_app(friendly: Callable[[Any], Any], err: Console) -> typer.Typer:
    """The ``eval`` sub-app; ``friendly`` turns ScisaysError into one sentence and an exit code."""
    eval_app = typer.Typer(
        help="Measure scisays' appraisal on public benchmarks (data in their published formats).",
        no_args_is_help=True,
    )

    @eval_app.command("pubmedqa")
    @friendly
    def eval_pubmedqa_cmd(
        file: Annotated[Path, typer.Argument(help="PubMedQA-L JSON (keyed by PMID, like ori_pqal.json).")],
        setting: Annotated[
            str,
            typer.Option(help="reasoning-free (question + conclusion) or reasoning-required (+ contexts)."),
        ] = "reasoning-free",
        gold: Annotated[
            Path | None,
            typer.Option(
                "--gold", help='Labels from a ground-truth file ({"PMID": "yes"}), if FILE has none.'
            ),
        ] = None,
        json_out: JsonOption = False,
    ) -> None:
        """Answer yes/no/maybe for each PubMedQA question; score against final_decision."""
        from .evaluate import eval_pubmedqa

        if setting not in ("reasoning-free", "reasoning-required"):
            raise UsageError(f"Unknown setting {setting!r}; choose reasoning-free or reasoning-required.")
        _run(err, json_out, "PubMedQA", lambda p: eval_pubmedqa(file, setting, p, gold))

    @eval_app.command("evidence-inference")
    @friendly
    def eval_evidence_inference_cmd(
        directory: Annotated[
            Path, typer.Argument(help="Directory with prompts.csv, annotations.csv, txt_files/.")
        ],
        oracle: Annotated[
            bool, typer.Option("--oracle", help="Give the model the annotated evidence text.")
        ] = False,
        articles: Annotated[
            Path | None,
            typer.Option(
                "--articles",
                help="Score only the PMCIDs listed in this file (e.g. validation_article_ids.txt).",
            ),
        ] = None,
        json_out: JsonOption = False,
    ) -> None:
        """Classify each prompt's effect; score against the majority label of its annotations."""
        from .evaluate import eval_evidence_inference

        _run(
            err,
            json_out,
            "Evidence Inference",
            lambda p: eval_evidence_inference(directory, oracle, p, articles),
        )

    @eval_app.command("study-design")
    @friendly
    def eval_study_design_cmd(
        file: Annotated[Path, typer.Argument(help="JSON Lines records with a gold 'design' field.")],
        text_only: Annotated[
            bool,
            typer.Option("--text-only", help="Hide publication types and MeSH (title and abstract only)."),
        ] = False,
        json_out: JsonOption = False,
    ) -> None:
        """Classify each record's study design; score against its gold design."""
        from .evaluate import eval_study_design

        _run(err, json_out, "Study design", lambda p: eval_study_design(file, text_only, p))

    @eval_app.command("sentence-roles")
    @friendly
    def eval_sentence_roles_cmd(
        file: Annotated[
            Path, typer.Argument(help="PubMedQA-L JSON or PubMed XML with structured abstracts.")
        ],
        json_out: JsonOption = False,
    ) -> None:
        """Label each sentence of structured abstracts with their labels hidden; score the roles."""
        from .evaluate import eval_sentence_roles

        _run(err, json_out, "Sentence roles", lambda p: eval_sentence_roles(file, p))

    @eval_app.command("verdicts")
    @friendly
    def eval_verdicts_cmd(
        file: Annotated[
            Path, typer.Argument(help="Verdict cases, JSON Lines (as shared/data/verdicts/cases.jsonl).")
        ],
        json_out: Annotated[
            bool, typer.Option("--json", help="Print one JSON object (summary and results per case).")
        ] = False,
        reader: Annotated[str, typer.Option(
            "--reader", help="Who reads what each study concluded: model (the learned reader) or rules.")
        ] = "model",
        readings: Annotated[Path | None, typer.Option(
            "--readings", help="Out-of-fold readings (JSON Lines by text key, from training/reader.py "
            "export): each record read by the model of the fold that did not train on it, so the whole "
            "pipeline is scored out-of-fold. Records not in the file are read by the shipped model.",
            show_default=False)] = None,
    ) -> None:
        """Answer each case's question from its own studies (ingest + offline ask) and score the
        verdicts and safety ratings against the answers a methodologist accepts."""
        from .appraise import appraiser_for
        from .errors import UsageError
        from .evaluate.verdicts import eval_verdicts, with_readings

        appraiser = appraiser_for(reader)
        if readings is not None:
            if reader != "model":
                raise UsageError("--readings replaces the model's readings; use it with --reader model.")
            appraiser = with_readings(appraiser, readings)
        _run(err, json_out, "Verdict cases", lambda p: eval_verdicts(file, p, appraiser), _print_verdicts)

    @eval_app.command("article-stance")
    @friendly
    def eval_article_stance_cmd(
        file: Annotated[Path, typer.Argument(
            help="CSV with query, description, text, stance (like claims/trec2019_webpages.csv).")],
        json_out: JsonOption = False,
    ) -> None:
        """Read each web page's stance on its question's treatment (1 helps / 0 does not); score it."""
        from .evaluate.claims import eval_article_stance

        _run(err, json_out, "Article stance", lambda p: eval_article_stance(file, p))

    @eval_app.command("claim-evidence")
    @friendly
    def eval_claim_evidence_cmd(
        file: Annotated[Path, typer.Argument(
            help="HealthVer CSV (claim, evidence, label) or Check-COVID JSON Lines (corpus.json beside).")],
        json_out: JsonOption = False,
    ) -> None:
        """Classify each passage's stance on its claim (Supports/Refutes/Neutral); score macro-F1."""
        from .evaluate.claims import eval_claim_evidence

        _run(err, json_out, "Claim evidence", lambda p: eval_claim_evidence(file, p))

    return eval_app
