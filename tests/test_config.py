"""Settings from the environment, the TOML config file and the defaults."""

from __future__ import annotations

from pathlib import Path

import pytest

from scisays.config import SERVICE_URLS, load_settings, parse_duration
from scisays.errors import ConfigError

CONFIG = """
email = "me@example.org"
ncbi_api_key = "from-file"
cache = "~/my-cache.sqlite"
cache_ttl = "7d"
timeout = "45s"
retries = 5
max_records = 500
scheduler = "tcp://sched.example:8786"

[urls]
pubmed = "https://mirror.example.org/eutils"
openfda = "http://127.0.0.1:8080/fda/"
"""


def test_file_then_environment(tmp_path: Path):
    cfg = tmp_path / "config.toml"
    cfg.write_text(CONFIG)
    s = load_settings({"SCISAYS_CONFIG": str(cfg), "NCBI_API_KEY": "from-env",
                       "SCISAYS_CTGOV_URL": "http://localhost:9000/v2"})
    assert s.email == "me@example.org" and s.ncbi_api_key == "from-env"  # the environment wins
    assert s.url("pubmed") == "https://mirror.example.org/eutils/"  # always ends in '/'
    assert s.url("openfda") == "http://127.0.0.1:8080/fda/"
    assert s.url("clinicaltrials") == "http://localhost:9000/v2/"
    assert s.url("europepmc") == SERVICE_URLS["europepmc"][1]
    assert s.cache_path == Path("~/my-cache.sqlite").expanduser()
    assert (s.cache_ttl, s.timeout, s.retries, s.max_records) == (7 * 86400, 45, 5, 500)
    assert s.config_file == cfg
    assert s.scheduler == "tcp://sched.example:8786"
    assert load_settings({"SCISAYS_CONFIG": str(cfg), "SCISAYS_SCHEDULER": "tcp://10.0.0.1:8786"}
                         ).scheduler == "tcp://10.0.0.1:8786"


def test_defaults_without_a_file(tmp_path: Path):
    s = load_settings({"SCISAYS_CONFIG": str(tmp_path / "none.toml")})
    assert s.url("pubmed") == "https://eutils.ncbi.nlm.nih.gov/entrez/eutils/"
    assert s.cache_ttl == 86400 and s.retries == 3 and s.config_file is None and s.scheduler == ""


@pytest.mark.parametrize(
    ("text", "env", "message"),
    [
        ("cache_ttl = [", {}, "is not valid TOML"),
        ('[urls]\npubmedd = "https://x/"', {}, "unknown service 'pubmedd'"),
        ('[urls]\npubmed = "ftp://x/"', {}, "must be an http(s) URL"),
        ('cache_ttl = "soon"', {}, "cache_ttl in"),
        ("", {"SCISAYS_RETRIES": "-1"}, "SCISAYS_RETRIES must not be negative"),
        ("", {"SCISAYS_TIMEOUT": "fast"}, "SCISAYS_TIMEOUT must be a duration"),
        ("urls = 3", {}, "[urls] must be a table"),
        ('scheduler = "sched:8786"', {}, "must be a Dask scheduler address"),
        ("", {"SCISAYS_CACHE": "mysql://db/x"}, "unknown scheme 'mysql'"),
    ],
)
def test_bad_settings_are_one_sentence(tmp_path: Path, text: str, env: dict, message: str):
    cfg = tmp_path / "config.toml"
    cfg.write_text(text)
    with pytest.raises(ConfigError) as e:
        load_settings({"SCISAYS_CONFIG": str(cfg), **env})
    assert message in str(e.value) and str(e.value).endswith(".")


def test_durations():
    assert [parse_duration(v, "x") for v in (90, "90", "90s", "30m", "24h", "7d", "1.5h")] == [
        90, 90, 90, 1800, 86400, 604800, 5400]
