"""Where things live: the default corpus path (XDG data dir), overridable by SCISAYS_DB."""

from __future__ import annotations

import os
from pathlib import Path

from platformdirs import user_data_path

DB_ENV = "SCISAYS_DB"


def default_db_path() -> Path:
    """``$SCISAYS_DB`` if set, else ``corpus.sqlite`` in the per-user data dir
    (``$XDG_DATA_HOME/scisays`` on Linux, usually ``~/.local/share/scisays``)."""
    env = os.environ.get(DB_ENV)
    if env:
        return Path(env).expanduser()
    return user_data_path("scisays", appauthor=False) / "corpus.sqlite"


def resolve_db(db: str | os.PathLike[str] | None) -> Path:
    """The corpus path a command should use: ``--db`` if given, else the default."""
    return Path(db).expanduser() if db else default_db_path()
