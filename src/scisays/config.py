"""Where things live and how scisays talks to the outside world.

- The corpus: ``--db``, else ``$SCISAYS_DB``, else the per-user data dir; a file path, or a
  ``postgresql://`` URL for a PostgreSQL database shared by several processes and machines.
- Live-source settings (:class:`Settings`): base URLs of every service, NCBI identification,
  API keys, the HTTP response cache and its time to live, timeouts and retries. Each comes from
  an environment variable, else the config file (TOML; ``$SCISAYS_CONFIG``, else
  ``config.toml`` in the per-user config dir), else a default.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from platformdirs import user_cache_path, user_config_path, user_data_path

from .errors import ConfigError, UsageError

DB_ENV = "SCISAYS_DB"
CONFIG_ENV = "SCISAYS_CONFIG"


def default_db_path() -> Path:
    """``$SCISAYS_DB`` if set, else ``corpus.sqlite`` in the per-user data dir
    (``$XDG_DATA_HOME/scisays`` on Linux, usually ``~/.local/share/scisays``)."""
    env = os.environ.get(DB_ENV)
    if env:
        return Path(env).expanduser()
    return user_data_path("scisays", appauthor=False) / "corpus.sqlite"


# "postgresql://…", "sqlite:///…" — also after Path() has folded "//" to "/" (--db is a Path)
_DB_URL = re.compile(r"^(?P<scheme>[A-Za-z][A-Za-z0-9+.-]+):/")


@dataclass(frozen=True, slots=True)
class DatabaseUrl:
    """A PostgreSQL database named by its URL (``postgresql://user:password@host:port/db``).

    ``str()`` never shows the password: messages and reports name the database by
    :attr:`redacted`; :attr:`url` is what the driver connects with."""

    url: str

    @property
    def redacted(self) -> str:
        parts = urlsplit(self.url)
        if parts.password is None:
            return self.url
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
        return urlunsplit(parts._replace(netloc=netloc))

    def __str__(self) -> str:
        return self.redacted


#: Where a corpus (and the state shared with it) lives: a SQLite file or a PostgreSQL database.
DbLocation = Path | DatabaseUrl


def resolve_db(db: str | os.PathLike[str] | None) -> DbLocation:
    """The corpus a command should use: ``--db`` if given, else ``$SCISAYS_DB``, else the default.

    A database URL is never taken for a path: ``sqlite:///path`` is that file,
    ``postgresql://…`` (or ``postgres://…``) a PostgreSQL database; any other scheme is one clear
    error (a UsageError for --db, a ConfigError for $SCISAYS_DB)."""
    given = os.fspath(db) if db else ""
    value = given or os.environ.get(DB_ENV, "")
    if not value:
        return default_db_path()
    return parse_location(value, "--db" if given else f"${DB_ENV}", UsageError if given else ConfigError)


def parse_location(value: str, where: str, error: type[UsageError | ConfigError] = ConfigError) -> DbLocation:
    """A file path, ``sqlite:///path``, or a ``postgresql://`` URL (``where`` names the setting
    in the error of an unknown scheme or a URL without a file or database)."""
    m = _DB_URL.match(value)
    if m is None:
        return Path(value).expanduser()
    scheme = m.group("scheme").lower()
    rest = value[m.end() - 1:]  # from the first "/"
    if scheme == "sqlite":
        path = rest[2:] if rest.startswith("//") else rest  # the empty authority of sqlite:///…
        if not path.strip("/"):
            raise error(f"{where} {value!r} names no file; write sqlite:///path/to/corpus.sqlite "
                        "or a plain path.")
        return Path(path).expanduser()
    if scheme in ("postgresql", "postgres"):
        if not rest.startswith("//"):
            rest = "/" + rest  # Path() folded "postgresql://host/db" to "postgresql:/host/db"
        url = f"postgresql:{rest}"
        if not urlsplit(url).path.strip("/") and "dbname=" not in url:
            raise error(f"{where} {DatabaseUrl(url)} names no database; write "
                        "postgresql://user@host:5432/database.")
        return DatabaseUrl(url)
    raise error(f"{where} {value!r} has the unknown scheme {scheme!r}; give a file path for a SQLite "
                "corpus (or sqlite:///path), or a postgresql:// URL.")


def db_was_chosen(db: str | os.PathLike[str] | None) -> bool:
    """Whether the user named a corpus (``--db`` or ``$SCISAYS_DB``) rather than the default."""
    return bool(db) or bool(os.environ.get(DB_ENV))


# -- live sources -------------------------------------------------------------------------

#: service key -> (environment variable, default base URL)
SERVICE_URLS: dict[str, tuple[str, str]] = {
    "pubmed": ("SCISAYS_PUBMED_URL", "https://eutils.ncbi.nlm.nih.gov/entrez/eutils/"),
    "europepmc": ("SCISAYS_EUROPEPMC_URL", "https://www.ebi.ac.uk/europepmc/webservices/rest/"),
    "clinicaltrials": ("SCISAYS_CTGOV_URL", "https://clinicaltrials.gov/api/v2/"),
    "openfda": ("SCISAYS_OPENFDA_URL", "https://api.fda.gov/"),
    "mesh": ("SCISAYS_MESH_URL", "https://id.nlm.nih.gov/mesh/"),
    "pubchem": ("SCISAYS_PUBCHEM_URL", "https://pubchem.ncbi.nlm.nih.gov/rest/pug/"),
}

#: config-file key -> environment variable, for the scalar settings
_SCALAR_ENV = {
    "email": "SCISAYS_EMAIL",
    "ncbi_api_key": "NCBI_API_KEY",
    "openfda_api_key": "OPENFDA_API_KEY",
    "cache": "SCISAYS_CACHE",
    "cache_ttl": "SCISAYS_CACHE_TTL",
    "timeout": "SCISAYS_TIMEOUT",
    "retries": "SCISAYS_RETRIES",
    "max_records": "SCISAYS_MAX_RECORDS",
    "scheduler": "SCISAYS_SCHEDULER",
}

DEFAULT_CACHE_TTL = 24 * 3600.0
DEFAULT_TIMEOUT = 30.0
DEFAULT_RETRIES = 3
DEFAULT_MAX_RECORDS = 2000
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$", re.IGNORECASE)
_UNIT = {"": 1.0, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything the live sources need to know; see the README for each key."""

    urls: Mapping[str, str] = field(default_factory=lambda: {k: v[1] for k, v in SERVICE_URLS.items()})
    email: str = ""
    ncbi_api_key: str = ""
    openfda_api_key: str = ""
    cache_path: DbLocation = field(default_factory=lambda: default_cache_path())
    cache_ttl: float = DEFAULT_CACHE_TTL
    timeout: float = DEFAULT_TIMEOUT
    retries: int = DEFAULT_RETRIES
    max_records: int = DEFAULT_MAX_RECORDS
    scheduler: str = ""  # a Dask scheduler for corpus ingest/appraise ("" = local processes)
    config_file: Path | None = None

    def url(self, service: str) -> str:
        """The base URL of ``service`` (always ending in '/')."""
        return self.urls[service]


def default_cache_path() -> Path:
    """``http.sqlite`` in the per-user cache dir (usually ``~/.cache/scisays`` on Linux)."""
    return user_cache_path("scisays", appauthor=False) / "http.sqlite"


def config_path(env: Mapping[str, str] | None = None) -> Path:
    """``$SCISAYS_CONFIG``, else ``config.toml`` in the per-user config dir."""
    env = os.environ if env is None else env
    given = env.get(CONFIG_ENV)
    if given:
        return Path(given).expanduser()
    return user_config_path("scisays", appauthor=False) / "config.toml"


def parse_duration(value: object, what: str) -> float:
    """Seconds from ``3600``, ``"90s"``, ``"30m"``, ``"24h"`` or ``"7d"``; ConfigError otherwise."""
    if isinstance(value, bool):
        raise ConfigError(f"{what} must be a duration such as 24h or 3600, not {value!r}.")
    if isinstance(value, int | float) and value >= 0:
        return float(value)
    m = _DURATION.match(str(value))
    if not m:
        raise ConfigError(f"{what} must be a duration such as 24h, 30m, 7d or 3600, not {value!r}.")
    return float(m.group(1)) * _UNIT[m.group(2).lower()]


def _positive_int(value: object, what: str) -> int:
    try:
        n = int(str(value).strip())
    except ValueError:
        raise ConfigError(f"{what} must be a whole number, not {value!r}.") from None
    if n < 0:
        raise ConfigError(f"{what} must not be negative, not {value!r}.")
    return n


def _scheduler(value: object, what: str) -> str:
    text = str(value).strip()
    if not re.match(r"^(?:tcp|tls|inproc|ucx)://\S+$", text):
        raise ConfigError(f"{what} must be a Dask scheduler address such as tcp://host:8786, not {value!r}.")
    return text


def _base_url(value: object, what: str) -> str:
    text = str(value).strip()
    if not re.match(r"^https?://[^/\s]+", text):
        raise ConfigError(f"{what} must be an http(s) URL such as https://host/path/, not {value!r}.")
    return text if text.endswith("/") else text + "/"


def _read_file(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"The config file {path} is not valid TOML ({e}); fix or remove it.") from None
    except OSError as e:
        raise ConfigError(f"Cannot read the config file {path} ({e.strerror}).") from None


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Settings from the environment, then the config file, then the defaults.

    Raises ConfigError (one sentence naming the key) for a malformed file or value."""
    env = os.environ if env is None else env
    path = config_path(env)
    data = _read_file(path)
    file_urls = data.get("urls", {})
    if not isinstance(file_urls, dict):
        raise ConfigError(f"In {path}, [urls] must be a table of service = \"URL\" lines.")
    unknown = set(file_urls) - set(SERVICE_URLS)
    if unknown:
        raise ConfigError(
            f"In {path}, [urls] has unknown service {sorted(unknown)[0]!r}; "
            f"the services are {', '.join(SERVICE_URLS)}."
        )
    urls = {}
    for key, (var, default) in SERVICE_URLS.items():
        if env.get(var):
            urls[key] = _base_url(env[var], var)
        elif key in file_urls:
            urls[key] = _base_url(file_urls[key], f"urls.{key} in {path}")
        else:
            urls[key] = default

    def get(key: str) -> tuple[object, str] | None:
        var = _SCALAR_ENV[key]
        if env.get(var):
            return env[var], var
        if key in data:
            return data[key], f"{key} in {path}"
        return None

    defaults = Settings()
    kwargs: dict[str, Any] = {"urls": urls, "config_file": path if data else None}
    for key in ("email", "ncbi_api_key", "openfda_api_key"):
        got = get(key)
        if got is not None:
            kwargs[key] = str(got[0]).strip()
    if (got := get("cache")) is not None:
        kwargs["cache_path"] = parse_location(str(got[0]), got[1])
    if (got := get("cache_ttl")) is not None:
        kwargs["cache_ttl"] = parse_duration(*got)
    if (got := get("timeout")) is not None:
        kwargs["timeout"] = parse_duration(*got) or defaults.timeout
    if (got := get("retries")) is not None:
        kwargs["retries"] = _positive_int(*got)
    if (got := get("max_records")) is not None:
        kwargs["max_records"] = max(1, _positive_int(*got))
    if (got := get("scheduler")) is not None:
        kwargs["scheduler"] = _scheduler(*got)
    return Settings(**kwargs)
