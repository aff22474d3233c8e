"""The command line: thin wrappers over the corpus and the pipeline.

Every user mistake ends with one sentence on stderr and a non-zero exit code:
1 for a problem with files or the corpus, 2 for a bad command line, 130 if interrupted.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)
from rich.table import Table
from rich.text import Text

from . import __version__
from .appraise import RULES_APPRAISER, appraiser_for
from .cli_eval import build_eval_app
from .config import DB_ENV, db_was_chosen, load_settings, resolve_db
from .corpus import Corpus, IngestResult, ingest_file
from .errors import ScisaysError, UsageError
from .model import Report
from .pipeline import DEFAULT_LIMIT, ProgressFactory, StepProgress, ask
from .report import FORMATS, render_html, render_json, render_markdown, render_terminal
from .sources import LIVE_SOURCES, SOURCE_ALIASES, CacheMode, build_sources, make_client, make_expander
from .sources.base import ProgressFn
from .sources.http import ResponseCache

app = typer.Typer(
    help="What does the science actually say about this substance for this condition?",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
corpus_app = typer.Typer(help="Manage the local corpus of studies.", no_args_is_help=True)
app.add_typer(corpus_app, name="corpus")

err = Console(stderr=True, highlight=False)

DbOption = Annotated[
    Path | None,
    typer.Option(
        "--db",
        help=f"Corpus file (default: ${DB_ENV}, else the per-user data dir).",
        show_default=False,
    ),
]

SCHEDULER_ENV = "SCISAYS_SCHEDULER"
SchedulerOption = Annotated[
    str | None,
    typer.Option("--scheduler", help=f"Parse and appraise on this Dask scheduler (tcp://HOST:8786; "
                 f"default: ${SCHEDULER_ENV} or `scheduler` in the config file, else local processes); "
                 "this process writes the corpus. "
                 "Needs pip install 'scisays[cluster]'.",
                 show_default=False),
]

FormatOption = Annotated[str, typer.Option("--format", "-f", help=f"Output format: {', '.join(FORMATS)}.")]
OutputOption = Annotated[
    Path | None, typer.Option("--output", "-o", help="Write to this file instead of stdout.")
]
OfflineOption = Annotated[
    bool, typer.Option("--offline", help="Use only cached answers and the local corpus: no network.")
]
RefreshOption = Annotated[
    bool, typer.Option("--refresh", help="Ask every live source again, ignoring cached answers.")
]
ReaderOption = Annotated[
    str, typer.Option("--reader", help="Who reads what each study concluded: model (the learned reader "
                      "of conclusions, which says 'could not be read with confidence' rather than guess) "
                      "or rules (the hand-written patterns).")
]


def _scheduler(given: str | None) -> str | None:
    """The Dask scheduler to use: --scheduler, else $SCISAYS_SCHEDULER or the config file's
    ``scheduler``; None for local processes."""
    return given or load_settings().scheduler or None

F = TypeVar("F", bound=Callable[..., Any])


def friendly(func: F) -> F:
    """Turn ScisaysError into one sentence on stderr and its exit code."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except ScisaysError as e:
            err.print(Text("Error: ", style="bold red") + Text(str(e)))
            raise typer.Exit(e.exit_code) from None
        except KeyboardInterrupt:
            err.print(Text("Interrupted; the corpus is consistent and re-running resumes.", "yellow"))
            raise typer.Exit(130) from None
        except BrokenPipeError:
            raise typer.Exit(1) from None

    return wrapper  # type: ignore[return-value]


def _version(value: bool) -> None:
    if value:
        typer.echo(f"scisays {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    """scisays: cited, graded answers from the literature."""


@corpus_app.command("ingest")
@friendly
def corpus_ingest(
    files: Annotated[
        list[Path],
        typer.Argument(help="PubMed XML (.xml, .xml.gz) or JSON Lines files.", show_default=False),
    ],
    db: DbOption = None,
    force: Annotated[
        bool, typer.Option("--force", help="Re-read files already ingested completely.")
    ] = False,
    appraise: Annotated[
        bool, typer.Option("--appraise",
                           help="Then appraise the new and changed records (see `corpus appraise`).")
    ] = False,
    scheduler: SchedulerOption = None,
) -> None:
    """Ingest PubMed/MEDLINE XML and JSON Lines files into the corpus (idempotent, resumable)."""
    if appraise:
        appraiser_for("model")  # a missing or damaged reader stops here, before any write
    for f in files:  # check every path before touching the corpus
        if not f.exists():
            raise UsageError(f"No such file: {f}; check the path and try again.")
        if f.is_dir():
            raise UsageError(f"{f} is a folder; give the files in it (e.g. {f}/*.xml.gz).")
    scheduler = _scheduler(scheduler)
    with Corpus.open(resolve_db(db), create=True) as corpus:
        if scheduler:  # the files are parsed on the cluster, written here
            from .corpus.ingest import ingest_on_cluster

            with Progress(TextColumn("[bold]Ingesting on the cluster"), BarColumn(), MofNCompleteColumn(),
                          TimeElapsedColumn(), console=err, transient=True) as progress:
                task = progress.add_task("ingest", total=len(files))
                for result in ingest_on_cluster(corpus, list(files), scheduler, force=force):
                    progress.advance(task)
                    _print_ingested(result)
        else:
            with Progress(
                TextColumn("[bold]{task.description}"),
                BarColumn(),
                DownloadColumn(),
                TransferSpeedColumn(),
                TimeRemainingColumn(),
                console=err,
                transient=True,
            ) as progress:
                for f in files:
                    task = progress.add_task(f.name, total=f.stat().st_size)

                    def update(done: int, total: int, task: Any = task) -> None:
                        progress.update(task, completed=done, total=total)

                    result = ingest_file(corpus, f, force=force, progress=update)
                    progress.remove_task(task)
                    _print_ingested(result)
        err.print(Text(f"Corpus {corpus.name}: {corpus.count():,} records.", style="bold"))
        if appraise:
            _appraise(corpus, None, scheduler)


def _print_ingested(result: IngestResult) -> None:
    c = result.changes
    if result.already_ingested:
        err.print(Text(f"{result.path}: already ingested ({result.items:,} items); nothing to do."))
        return
    resumed = f" (resumed after {result.resumed_from:,})" if result.resumed_from else ""
    err.print(Text(
        f"{result.path}: {result.items:,} items{resumed} — {c.inserted:,} new, "
        f"{c.updated:,} updated, {c.unchanged:,} unchanged, "
        f"{c.older_skipped:,} older skipped, {c.deleted:,} deleted"
        + (f", {c.deleted_skipped:,} deleted before" if c.deleted_skipped else "")))


@corpus_app.command("appraise")
@friendly
def corpus_appraise(
    db: DbOption = None,
    workers: Annotated[
        int | None, typer.Option(help="Local worker processes (default: 2, or 1 on one core).", min=1, max=64)
    ] = None,
    scheduler: SchedulerOption = None,
    reader: ReaderOption = "model",
) -> None:
    """Compute the question-independent appraisal of every record once and store it in the
    corpus, so `ask` reuses it (resumable: a re-run does only what is missing)."""
    read = appraiser_for(reader) is not RULES_APPRAISER  # a damaged model stops here, before any write
    with Corpus.open(resolve_db(db)) as corpus:
        _appraise(corpus, workers, _scheduler(scheduler), read)


def _appraise(corpus: Corpus, workers: int | None, scheduler: str | None, read: bool = True) -> None:
    from .corpus.appraise import appraise_corpus

    with Progress(TextColumn("[bold]Appraising"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  TimeRemainingColumn(), console=err, transient=True) as progress:
        task = progress.add_task("appraise", total=None)
        result = appraise_corpus(
            corpus, workers=workers, scheduler=scheduler, read=read,
            progress=lambda done, total: progress.update(task, completed=done, total=total))
    err.print(Text(f"Corpus {corpus.name}: {result.appraised:,} records appraised, "
                   f"{result.already:,} already current.", style="bold"))


@corpus_app.command("stats")
@friendly
def corpus_stats(
    db: DbOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Print counts of records by year, publication type and source."""
    with Corpus.open(resolve_db(db)) as corpus:
        s = corpus.stats()
    if as_json:
        typer.echo(json.dumps(s, ensure_ascii=False, indent=2))
        return
    out = Console(highlight=False)
    out.print(Text(f"Corpus {s['path']}: {s['records']:,} records, "
                   f"{s['deleted_pmids']:,} PMIDs deleted by PubMed.", style="bold"))
    for title, rows in (
        ("By year", s["by_year"]),
        ("By publication type", s["by_publication_type"]),
        ("By source", s["by_source"]),
    ):
        table = Table(title=title, title_justify="left")
        table.add_column(title.removeprefix("By ").capitalize())
        table.add_column("Records", justify="right")
        for key, n in rows:
            table.add_row(Text(str(key) if key is not None else "unknown"), f"{n:,}")
        out.print(table)


def _write_atomic(path: Path, text: str) -> None:
    """Write via a temp file in the same folder, then rename: never a half-written file."""
    target = path.expanduser()
    if target.is_dir():
        raise UsageError(f"{target} is a folder; give a file name for -o.")
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.exists():
        raise UsageError(f"The folder {folder} does not exist; create it or choose another -o path.")
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def parse_sources(values: list[str] | None) -> list[str]:
    """Source keys from ``--source`` values (repeatable, comma-separated; 'all' = every one)."""
    if not values:
        return [*LIVE_SOURCES, "local"]
    keys: list[str] = []
    for value in values:
        for raw in value.split(","):
            name = raw.strip().lower()
            if not name:
                continue
            if name == "all":
                chosen = [*LIVE_SOURCES, "local"]
            elif name in SOURCE_ALIASES:
                chosen = [SOURCE_ALIASES[name]]
            else:
                raise UsageError(
                    f"Unknown source {raw.strip()!r}; choose from {', '.join(LIVE_SOURCES)}, local "
                    "(or all), e.g. --source pubmed,local."
                )
            keys.extend(k for k in chosen if k not in keys)
    if not keys:
        raise UsageError("--source is empty; name at least one source, e.g. --source pubmed.")
    return keys


_STEPS = {
    "searching": "Searching",
    "appraising": "Appraising the studies",
    "grading": "Grading the evidence",
}


@contextlib.contextmanager
def _report_progress() -> Iterator[tuple[ProgressFactory, StepProgress]]:
    """One transient progress display on stderr while a report is built: a line per live
    source (from the factory) and a line for the steps (searching, appraising, grading)."""
    with Progress(
        SpinnerColumn(),
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    ) as progress:
        step_task = progress.add_task(_STEPS["searching"], total=None)

        def steps(step: str, done: int, total: int) -> None:
            progress.update(
                step_task, description=_STEPS.get(step, step), completed=done, total=total or None
            )

        def factory(name: str) -> ProgressFn:
            task = progress.add_task(name, total=None)

            def update(done: int, total: int | None) -> None:
                progress.update(task, completed=done, total=total)

            return update

        yield factory, steps


def _format(fmt: str) -> str:
    fmt = fmt.lower()
    if fmt in ("markdown",):
        fmt = "md"
    if fmt not in FORMATS:
        raise UsageError(f"Unknown format {fmt!r}; choose one of {', '.join(FORMATS)}.")
    return fmt


@contextlib.contextmanager
def _asking(db: Path | None, source: list[str] | None, offline: bool, refresh: bool,
            limit: int = DEFAULT_LIMIT, reader: str = "model",
            ) -> Iterator[Callable[[str, Sequence[str]], Report]]:
    """A function answering (substance, conditions) with the chosen sources, cache, offline
    mode and reader, the local corpus opened once, and progress on stderr (``ask`` and ``audit``)."""
    if offline and refresh:
        raise UsageError("--offline and --refresh contradict each other; use one of them.")
    appraiser = appraiser_for(reader)
    keys = parse_sources(source)
    live = [k for k in keys if k != "local"]
    mode = CacheMode.OFFLINE if offline else CacheMode.REFRESH if refresh else CacheMode.NORMAL
    with contextlib.ExitStack() as stack:
        corpus: Corpus | None = None
        local_missing = ""
        if "local" in keys:
            path = resolve_db(db)
            present = not isinstance(path, Path) or (path.exists() and path.stat().st_size > 0)
            if present or db_was_chosen(db) or not live:
                corpus = stack.enter_context(Corpus.open(path))
            else:
                local_missing = (
                    f"No local corpus at {path} yet, so live sources only "
                    "(build one with `scisays corpus ingest`)."
                )
        sources, expand = [], None
        if live:
            settings = load_settings()
            client = stack.enter_context(make_client(settings, mode))
            sources = build_sources(live, client, settings)
            expand = make_expander(client, settings)
        factory, steps = stack.enter_context(_report_progress())

        def asker(substance: str, conditions: Sequence[str]) -> Report:
            return ask(corpus, substance, conditions, limit=limit, sources=sources, expand=expand,
                       progress=factory, offline=offline, local_missing=local_missing, steps=steps,
                       appraiser=appraiser)

        yield asker


@app.command("ask")
@friendly
def ask_command(
    substance: Annotated[str, typer.Argument(help="The substance, e.g. kratom or \"St John's wort\".")],
    conditions: Annotated[
        list[str] | None,
        typer.Argument(help="One or more conditions, e.g. anxiety depression.", show_default=False),
    ] = None,
    db: DbOption = None,
    fmt: FormatOption = "terminal",
    output: OutputOption = None,
    limit: Annotated[
        int, typer.Option(help="Most relevant studies read per search.", min=1, max=100_000)
    ] = DEFAULT_LIMIT,
    source: Annotated[
        list[str] | None,
        typer.Option(
            "--source",
            "-s",
            help=f"Sources to use (repeat or comma-separate): {', '.join(LIVE_SOURCES)}, local, all. "
            "Default: all.",
            show_default=False,
        ),
    ] = None,
    offline: OfflineOption = False,
    refresh: RefreshOption = False,
    reader: ReaderOption = "model",
) -> None:
    """Report what the studies say about SUBSTANCE for each CONDITION: the local corpus and
    live sources (PubMed, Europe PMC, ClinicalTrials.gov, openFDA)."""
    fmt = _format(fmt)
    with _asking(db, source, offline, refresh, limit, reader) as asker:
        report = asker(substance, conditions or [])
    to_terminal = fmt == "terminal" and output is None
    if not to_terminal:
        for st in report.source_status:
            if not st.ok:
                err.print(Text(f"{st.name} {st.message}.", style="yellow"))
    _emit(fmt, output, {"json": lambda: render_json(report), "html": lambda: render_html(report),
                        "md": lambda: render_markdown(report), "terminal": lambda: render_terminal(report)})


def _emit(fmt: str, output: Path | None, renderers: dict[str, Callable[[], Any]]) -> None:
    """Render in ``fmt`` to stdout or, atomically, to ``output``."""
    rendered = renderers[fmt]()
    if fmt == "terminal":
        if output is None:
            Console(highlight=False).print(rendered)
            return
        console = Console(record=True, width=120, file=open(os.devnull, "w"))  # noqa: SIM115
        console.print(rendered)
        rendered = console.export_text()
    if output is None:
        sys.stdout.write(rendered)
    else:
        _write_atomic(output, rendered)
        err.print(Text(f"Wrote {output}"))


@app.command("audit")
@friendly
def audit_command(
    article: Annotated[str, typer.Argument(
        help="The article: a file (HTML, Markdown or text), - for standard input, or an http(s) URL.",
        show_default=False)],
    db: DbOption = None,
    fmt: FormatOption = "terminal",
    output: OutputOption = None,
    substance: Annotated[
        list[str] | None,
        typer.Option("--substance", help="Check claims about this substance (repeatable); default: "
                     "the substance the article names most.", show_default=False),
    ] = None,
    condition: Annotated[
        list[str] | None,
        typer.Option("--condition", help="Also ask about this condition (repeatable).", show_default=False),
    ] = None,
    source: Annotated[
        list[str] | None,
        typer.Option("--source", "-s", help="Sources, as for `ask` (default: all).", show_default=False),
    ] = None,
    offline: OfflineOption = False,
    refresh: RefreshOption = False,
    reader: ReaderOption = "model",
) -> None:
    """Audit a health article: its claims checked against the evidence, its sources and hygiene."""
    from .audit import render as audit_render
    from .audit.load import load_article
    from .audit.report import audit_article

    fmt = _format(fmt)
    if output is not None and output.expanduser().is_dir():
        raise UsageError(f"{output} is a folder; give a file name for -o.")
    doc = load_article(article, stdin=sys.stdin.buffer)
    with _asking(db, source, offline, refresh, reader=reader) as asker:
        result = audit_article(doc, asker, substances=substance or [], conditions=condition or [])
    _emit(fmt, output, {"json": lambda: audit_render.render_json(result),
                        "html": lambda: audit_render.render_html(result),
                        "md": lambda: audit_render.render_markdown(result),
                        "terminal": lambda: audit_render.render_terminal(result)})


@app.command("serve")
@friendly
def serve_command(
    db: DbOption = None,
    host: Annotated[
        str, typer.Option(help="Address to listen on; 127.0.0.1 keeps it to this machine.")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.", min=0, max=65535)] = 8000,
    history: Annotated[
        Path | None,
        typer.Option(
            help="File keeping built reports (default: <corpus>.history.sqlite).", show_default=False
        ),
    ] = None,
    api_wait: Annotated[
        float,
        typer.Option("--api-wait", min=0, max=3600, metavar="SECONDS",
                     help="How long GET /api/v1/report waits for a build before answering 202 with "
                     "its job."),
    ] = 300.0,
) -> None:
    """Run the web app and HTTP API: search page, reports with progress, history, /api/v1, /docs."""
    try:
        from .web.server import serve
    except ImportError as e:
        raise ScisaysError(
            f"scisays serve needs the web extra ({e.name} is missing); install it with "
            "pip install 'scisays[web]'."
        ) from None
    appraiser_for("model")  # a missing or damaged reader stops the server before it listens
    serve(resolve_db(db), host, port, history, api_wait=api_wait)


cache_app = typer.Typer(
    help="Inspect or clear the cache of live-source answers (SCISAYS_CACHE or the config file "
    "choose where it is).",
    no_args_is_help=True,
)
app.add_typer(cache_app, name="cache")


def _open_cache() -> ResponseCache | Path:
    """The cache, or its path when there is none yet (looking must not create one)."""
    path = load_settings().cache_path
    return ResponseCache(path) if not isinstance(path, Path) or path.exists() else path


def _size(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 100_000 else f"{n / 1e3:.1f} kB"


def _when(t: float | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(t)) if t else "-"


@cache_app.command("info")
@friendly
def cache_info(as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """Where the cache is, how many answers it holds, how old they are, and from which services."""
    cache = _open_cache()
    if isinstance(cache, Path):
        info: dict[str, Any] = {"path": str(cache), "entries": 0, "stored_bytes": 0,
                                "oldest": None, "newest": None, "by_host": {}}
    else:
        try:
            info = cache.summary()
        finally:
            cache.close()
    if as_json:
        typer.echo(json.dumps(info, indent=2))
        return
    out = Console(highlight=False)
    out.print(Text(f"HTTP cache {info['path']}: {info['entries']:,} answers, "
                   f"{_size(info['stored_bytes'])} compressed; oldest {_when(info['oldest'])}, "
                   f"newest {_when(info['newest'])}.", style="bold"))
    if info["by_host"]:
        table = Table(title="By service", title_justify="left")
        table.add_column("Host")
        table.add_column("Answers", justify="right")
        for host, n in info["by_host"].items():
            table.add_row(Text(host), f"{n:,}")
        out.print(table)


@cache_app.command("clear")
@friendly
def cache_clear(
    older_than: Annotated[
        float | None,
        typer.Option("--older-than", help="Only answers stored more than this many days ago.",
                     min=0, show_default=False),
    ] = None,
) -> None:
    """Delete cached answers (all, or the old ones); the next ask fetches them again."""
    cache = _open_cache()
    if isinstance(cache, Path):
        typer.echo(f"No cache at {cache}: nothing to clear.")
        return
    try:
        n = cache.clear(None if older_than is None else older_than * 86400.0)
    finally:
        cache.close()
    which = "" if older_than is None else f" older than {older_than:g} days"
    typer.echo(f"Deleted {n:,} cached answers{which} from {cache.path}.")


app.add_typer(build_eval_app(friendly, err), name="eval")


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
