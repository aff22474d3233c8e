"""A throwaway PostgreSQL server for the tests (and benchmarks), like Dask's LocalCluster.

``$SCISAYS_TEST_POSTGRES`` (a ``postgresql://`` URL of a database the tests may fill with
schemas) is used when set. Otherwise the Debian ``postgresql`` package's ``initdb`` and
``pg_ctl`` start a private server on 127.0.0.1 (a free port, data and socket in a temporary
folder, no fsync), run as the ``postgres`` user when the tests run as root, and stop it at the
end. Each test gets a schema of its own in that server (``schema_url``), dropped afterwards.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

from fakeserver import closed_ports

ENV = "SCISAYS_TEST_POSTGRES"


def _bindir() -> Path | None:
    found = shutil.which("initdb")
    if found:
        return Path(found).resolve().parent
    for candidate in sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True):
        return Path(candidate).parent
    return None


def why_unavailable() -> str:
    """Empty if a server can be had, else why not (the tests skip with it, or fail under CI)."""
    if os.environ.get(ENV):
        return ""
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return "psycopg is not installed (pip install -e '.[test]')"
    if _bindir() is None:
        return f"no PostgreSQL server binaries (apt-get install postgresql) and ${ENV} is not set"
    return ""


@contextmanager
def server() -> Iterator[str]:
    """The URL of a database on a running server (the given one, or a private one)."""
    given = os.environ.get(ENV)
    if given:
        yield given
        return
    bindir = _bindir()
    assert bindir is not None
    root = Path(tempfile.mkdtemp(prefix="scisays-pg-"))
    prefix: list[str] = []
    if os.geteuid() == 0:  # initdb refuses to run as root
        shutil.chown(root, "postgres")
        prefix = ["runuser", "-u", "postgres", "--"]
    data, port = root / "data", closed_ports(1)[0]
    run = {"check": True, "stdout": subprocess.DEVNULL, "stderr": subprocess.PIPE, "cwd": root}
    subprocess.run([*prefix, str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres",
                    "--no-sync", "-E", "UTF8", "--locale", "C.UTF-8"], **run)  # type: ignore[call-overload]
    options = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off"
    subprocess.run([*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-o", options, "-l",
                    str(root / "log"), "-w", "-t", "60", "start"], **run)  # type: ignore[call-overload]
    try:
        import psycopg
        with psycopg.connect(f"postgresql://postgres@127.0.0.1:{port}/postgres", autocommit=True) as c:
            c.execute("CREATE DATABASE scisays_test")
        yield f"postgresql://postgres@127.0.0.1:{port}/scisays_test"
    finally:
        subprocess.run([*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w",
                        "stop"], check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=root)
        shutil.rmtree(root, ignore_errors=True)


@contextmanager
def schema_url(base: str) -> Iterator[str]:
    """``base`` with its own new, empty schema first on the search path; dropped afterwards."""
    import psycopg

    name = "t_" + uuid.uuid4().hex[:12]
    with psycopg.connect(base, autocommit=True) as c:
        c.execute(f"CREATE SCHEMA {name}")
        # extensions live in public, shared by the schemas (CREATE EXTENSION is per database)
        c.execute("CREATE EXTENSION IF NOT EXISTS unaccent SCHEMA public")
    sep = "&" if "?" in base else "?"
    try:
        yield f"{base}{sep}options=" + quote(f"-c search_path={name},public", safe="")
    finally:
        with psycopg.connect(base, autocommit=True) as c:
            c.execute(f"DROP SCHEMA {name} CASCADE")
