"""A real `kill -9` in the middle of an ingest leaves a consistent corpus; re-running finishes."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path


def _workers_for(path: Path) -> list[int]:
    """PIDs of live `scisays.corpus.worker` processes parsing ``path``."""
    found = []
    for proc_dir in Path("/proc").iterdir():
        if not proc_dir.name.isdigit():
            continue
        try:
            cmdline = (proc_dir / "cmdline").read_bytes().split(b"\0")
            state = (proc_dir / "stat").read_text().split(") ")[-1][:1]
        except OSError:
            continue
        if b"scisays.corpus.worker" in cmdline and str(path).encode() in cmdline and state != "Z":
            found.append(int(proc_dir.name))
    return found


def many_records(path: Path, n: int = 60_000) -> Path:
    """A JSON Lines file of ``n`` kratom records: big enough to be killed in the middle of."""
    with path.open("w") as f:
        for i in range(n):
            f.write(json.dumps({"id": f"r{i}", "title": f"kratom record {i}",
                                "abstract": "Kratom users reported relief of anxiety. " * 5}) + "\n")
    return path


def test_kill_9_mid_ingest_then_resume(tmp_path: Path):
    src = many_records(tmp_path / "many.jsonl")
    db = tmp_path / "c.sqlite"
    cmd = [sys.executable, "-m", "scisays.cli", "corpus", "ingest", str(src), "--db", str(db)]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    done = 0
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
        try:
            con = sqlite3.connect(db, timeout=0.1)
            row = con.execute("SELECT items_done FROM ingested_files").fetchone()
            con.close()
        except sqlite3.Error:
            continue
        if row and row[0] >= 4000:
            done = row[0]
            break
    workers = _workers_for(src)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert done, "the ingest never committed a batch"
    assert workers, "a file this big should be parsed in a worker process"
    # The file is big enough to be parsed in a worker process: it must not outlive the ingest.
    deadline = time.monotonic() + 20
    while _workers_for(src) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _workers_for(src), "the parsing worker outlived the killed ingest"
    con = sqlite3.connect(db)
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    count = con.execute("SELECT count(*) FROM records").fetchone()[0]
    progress = con.execute("SELECT items_done FROM ingested_files").fetchone()[0]
    fts = con.execute("SELECT count(*) FROM records_fts WHERE records_fts MATCH 'kratom'").fetchone()[0]
    con.close()
    assert count == progress and count % 2000 == 0 and 0 < count < 60_000
    assert fts == count
    rerun = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    assert f"resumed after {count:,}" in rerun.stderr
    con = sqlite3.connect(db)
    assert con.execute("SELECT count(*) FROM records").fetchone()[0] == 60_000
    con.close()


def test_kill_9_mid_cluster_ingest_then_resume(tmp_path: Path, store, cluster_address: str):
    """The same on a Dask cluster, into either backend: the files are parsed on the workers, this
    process writes; a kill -9 while it writes loses no committed batch, and a re-run resumes."""
    from scisays.corpus import Corpus

    src = many_records(tmp_path / "many.jsonl")
    where = getattr(store, "url", None) or str(store)
    Corpus.open(store, create=True).close()
    cmd = [sys.executable, "-m", "scisays.cli", "corpus", "ingest", str(src), "--db", where,
           "--scheduler", cluster_address]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    done = 0
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
        try:
            with Corpus.open(store) as c:
                row = c.conn.execute("SELECT items_done FROM ingested_files").fetchone()
        except Exception:
            continue
        if row and row[0] >= 4000:
            done = int(row[0])
            break
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert done, "the ingest never committed a batch"
    with Corpus.open(store) as c:
        count = c.count()
        progress = int(c.conn.execute("SELECT items_done FROM ingested_files").fetchone()[0])
        assert count == progress and count % 2000 == 0 and 0 < count < 60_000
        assert len(c.search(["kratom"], limit=100_000)) == count
    rerun = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    with Corpus.open(store) as c:
        assert c.count() == 60_000
