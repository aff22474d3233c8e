"""The Dask side of bulk work: connecting to a scheduler, keeping a few tasks in flight per
worker, and turning a cluster failure into one sentence.

Only the local process writes the corpus; the cluster computes (parses files, appraises
records) with pure functions, so a task lost with its worker is simply computed again.
Needs the optional ``cluster`` extra (``pip install 'scisays[cluster]'``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from ..errors import ScisaysError

T = TypeVar("T")
R = TypeVar("R")


class ClusterError(ScisaysError):
    """The Dask scheduler could not be reached, or the cluster failed mid-run."""


@contextmanager
def connect(scheduler: str, timeout: float = 10.0) -> Iterator[Any]:
    """A ``distributed.Client`` for the scheduler at ``scheduler``, closed afterwards."""
    try:
        from distributed import Client
    except ImportError:
        raise ClusterError("--scheduler needs Dask's distributed package; install it with "
                           "pip install 'scisays[cluster]'.") from None
    try:
        client = Client(scheduler, timeout=timeout,  # type: ignore[no-untyped-call]
                        set_as_default=False)
    except (OSError, TimeoutError, ValueError) as e:
        raise ClusterError(f"Cannot reach the Dask scheduler at {scheduler} ({type(e).__name__}); "
                           "check the address and that the scheduler is running.") from None
    try:
        yield client
    finally:
        client.close()  # type: ignore[no-untyped-call]


def run_ordered(client: Any, scheduler: str, fn: Callable[..., R], jobs: Iterable[tuple[Any, ...]],
                ) -> Iterator[R]:
    """``fn(*job)`` for each job on the cluster, two in flight per worker, results in job order."""
    slots = max(2, 2 * len(client.scheduler_info().get("workers", {})))
    pending: list[Any] = []
    for job in jobs:
        pending.append(client.submit(fn, *job, pure=False))
        if len(pending) >= slots:
            yield result(pending.pop(0), scheduler)
    for f in pending:
        yield result(f, scheduler)


def result(future: Any, scheduler: str) -> Any:
    """A task's result; ClusterError if the cluster (not the task's own code) failed."""
    try:
        return future.result()
    except Exception as e:
        if not isinstance(e, (OSError, TimeoutError)) and not type(e).__module__.startswith(
                ("distributed", "concurrent", "asyncio")):
            raise  # a bug in the task, not the cluster: keep its traceback
        raise ClusterError(f"The Dask cluster at {scheduler} failed mid-run ({type(e).__name__}); "
                           "what was done is stored: run the same command again to resume.") from None
