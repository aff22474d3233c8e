"""Web app benchmarks (run by hand; numbers go in docs/benchmarks.md).

1. Server time of the report page and the JSON API for a cached question: the app's own
   ``Server-Timing`` header over N sequential requests (median, p95, max).
2. A bounded load test on loopback without extra tools: C connections (threads, keep-alive)
   hammer one URL for D seconds; prints requests/s, latency percentiles and errors.
   (`wrk -t2 -c20 -d30s --latency URL` gives the same numbers with less client overhead.)

    python benchmarks/web_load.py http://127.0.0.1:8000 --connections 20 --seconds 30
"""

from __future__ import annotations

import argparse
import http.client
import statistics
import threading
import time
from collections.abc import Callable
from urllib.parse import urlsplit

QUESTION = "substance=kratom&condition=anxiety&condition=depression"


def server_time(base: str, path: str, n: int) -> list[float]:
    u = urlsplit(base)
    conn = http.client.HTTPConnection(u.hostname, u.port or 80, timeout=60)
    times = []
    for _ in range(n):
        conn.request("GET", path)
        r = conn.getresponse()
        r.read()
        if r.status != 200:
            raise SystemExit(f"{path}: HTTP {r.status}")
        timing = r.getheader("server-timing") or ""
        times.append(float(timing.split("dur=")[1]))
    conn.close()
    return times


def load(base: str, path: str, connections: int, seconds: float) -> None:
    u = urlsplit(base)
    stop = time.monotonic() + seconds
    latencies: list[list[float]] = [[] for _ in range(connections)]
    errors = [0] * connections

    def worker(i: int) -> None:
        conn = http.client.HTTPConnection(u.hostname, u.port or 80, timeout=30)
        while time.monotonic() < stop:
            t0 = time.perf_counter()
            try:
                conn.request("GET", path)
                r = conn.getresponse()
                r.read()
                if r.status != 200:
                    errors[i] += 1
            except OSError:
                errors[i] += 1
                conn.close()
                conn = http.client.HTTPConnection(u.hostname, u.port or 80, timeout=30)
                continue
            latencies[i].append(time.perf_counter() - t0)
        conn.close()

    elapsed = run_threads(connections, worker)
    n = sum(len(lat) for lat in latencies)
    print(f"{path}: {n:,} requests in {elapsed:.1f} s with {connections} connections "
          f"= {n / elapsed:,.0f} req/s; latency {latency_summary(latencies)}; errors {sum(errors)}")


def run_threads(n: int, worker: Callable[[int], None]) -> float:
    """Run ``worker(0)`` … ``worker(n - 1)`` on n threads at once; seconds until all have ended."""
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.monotonic() - t0


def latency_summary(latencies: list[list[float]]) -> str:
    """"p50 …, p99 …, max …" in ms over every thread's latencies (seconds)."""
    lat = sorted(x for xs in latencies for x in xs)
    q = statistics.quantiles(lat, n=100) if len(lat) > 1 else [0.0] * 99
    return (f"p50 {q[49] * 1000:.1f} ms, p99 {q[98] * 1000:.1f} ms, "
            f"max {(lat[-1] if lat else 0.0) * 1000:.1f} ms")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("base", help="e.g. http://127.0.0.1:8000")
    ap.add_argument("--connections", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=30.0)
    ap.add_argument("--timing-requests", type=int, default=200)
    args = ap.parse_args()
    server_time(args.base, f"/api/v1/report?{QUESTION}", 1)  # waits for the build (or loads it)
    for path in (f"/report?{QUESTION}", f"/api/v1/report?{QUESTION}"):
        t = sorted(server_time(args.base, path, args.timing_requests))
        print(f"{path}: server time over {len(t)} cached requests: median {statistics.median(t):.1f} ms, "
              f"p95 {t[int(len(t) * 0.95) - 1]:.1f} ms, max {t[-1]:.1f} ms")
    load(args.base, f"/api/v1/report?{QUESTION}", args.connections, args.seconds)


if __name__ == "__main__":
    main()
