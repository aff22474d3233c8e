"""A bounded loopback load test of two `scisays serve` processes sharing one PostgreSQL corpus.

Starts two servers on 127.0.0.1 over the same database (``--db``, a corpus with the kratom-dev
records at least), then for ``--seconds`` has ``--connections`` client threads ask the JSON API,
alternating between the two servers, for ``--questions`` different questions (kratom for anxiety
with different study limits: each is its own report, built on first request). A request answers
200 (the report), 503 "still being built" (counted as pending, not an error), or anything else
(an error, as is a 503 for another reason, such as a corpus the servers cannot read). Then every
question is asked of both servers until answered, and the shared job table is read:

- **lost**: a question one server never answers, or the two answer differently;
- **duplicated**: a question built more than once (``jobs.builds`` > 1) although the corpus did
  not change.

    python benchmarks/serve_shared.py --db postgresql://postgres@127.0.0.1:55432/kratom \
        [--connections 16] [--seconds 30] [--questions 40]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import socket
import subprocess
import sys
import time
from pathlib import Path

import psycopg

from scisays.web.params import parse_request
from web_load import latency_summary, run_threads

SCISAYS = str(Path(sys.executable).with_name("scisays"))
BUILDING = b"still being built"  # a 503 that says so is a build in progress; any other, an error


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def get(port: int, path: str, timeout: float = 60) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path)
        r = conn.getresponse()
        return r.status, r.read()
    finally:
        conn.close()


def wait_up(port: int, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            said = proc.stderr.read().decode() if proc.stderr else ""
            raise SystemExit(f"the server on port {port} exited: {said}")
        try:
            if get(port, "/api/v1/schema", 5)[0] == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"the server on port {port} did not come up")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", required=True)
    ap.add_argument("--connections", type=int, default=16)
    ap.add_argument("--seconds", type=float, default=30.0)
    ap.add_argument("--questions", type=int, default=40)
    args = ap.parse_args()
    paths = [f"/api/v1/report?substance=kratom&condition=anxiety&source=corpus&limit={100 + i}"
             for i in range(args.questions)]
    ids = [parse_request("kratom", ["anxiety"], ["corpus"], 100 + i).id for i in range(args.questions)]
    with psycopg.connect(args.db, autocommit=True) as db:  # a fresh start: no job or report yet
        for table in ("jobs", "reports"):
            if db.execute("SELECT to_regclass(%s)", (table,)).fetchone()[0]:
                db.execute(f"DELETE FROM {table} WHERE id = ANY(%s)", (ids,))
    ports = [free_port(), free_port()]
    env = {**os.environ, "SCISAYS_DB": args.db}
    procs = [subprocess.Popen([SCISAYS, "serve", "--port", str(p)], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE) for p in ports]
    try:
        for p, proc in zip(ports, procs, strict=True):
            wait_up(p, proc)
        stop = time.monotonic() + args.seconds
        lat: list[list[float]] = [[] for _ in range(args.connections)]
        pending = [0] * args.connections
        errors = [0] * args.connections

        def worker(i: int) -> None:
            rng = random.Random(i)
            n = 0
            while time.monotonic() < stop:
                port = ports[(i + n) % 2]
                n += 1
                t0 = time.perf_counter()
                try:
                    status, body = get(port, rng.choice(paths))
                except OSError:
                    errors[i] += 1
                    continue
                if status == 200:
                    lat[i].append(time.perf_counter() - t0)
                elif status == 503 and BUILDING in body:
                    pending[i] += 1
                else:
                    errors[i] += 1

        elapsed = run_threads(args.connections, worker)
        served = sum(len(xs) for xs in lat)
        print(f"two servers, {args.connections} connections, {args.questions} questions, {elapsed:.1f} s: "
              f"{served:,} reports served = {served / elapsed:,.0f}/s; latency {latency_summary(lat)}; "
              f"{sum(pending)} answered 'still being built'; errors {sum(errors)}")
        lost = 0
        for path in paths:
            answers = []
            for port in ports:
                deadline = time.monotonic() + 300
                status, body = get(port, path)
                while status == 503 and BUILDING in body and time.monotonic() < deadline:
                    status, body = get(port, path)
                answers.append((status, json.loads(body) if status == 200 else None))
            if any(s != 200 for s, _ in answers) or answers[0][1] != answers[1][1]:
                lost += 1
        with psycopg.connect(args.db, autocommit=True) as db:
            builds = dict(db.execute("SELECT id, builds FROM jobs WHERE id = ANY(%s)", (ids,)).fetchall())
        duplicated = sum(1 for i in ids if builds.get(i, 0) > 1)
        never = sum(1 for i in ids if i not in builds)
        print(f"questions: {args.questions}; lost {lost}; built more than once {duplicated}; "
              f"never built {never}")
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(10)


if __name__ == "__main__":
    main()
