"""The parsing side of a parallel ingest: ``python -m scisays.corpus.worker FILE SKIP BATCH``.

Parses FILE (skipping the first SKIP items, already committed by an earlier run) and writes
pickled messages to standard output: ``("batch", rows, items_done, bytes_read)`` for each
batch, then ``("end",)``; or ``("error", sentence)`` for a problem with the file, or
``("crash", description)`` for a bug. Started only by :func:`scisays.corpus.ingest.ingest_file`.
"""

from __future__ import annotations

import pickle
import sys
from pathlib import Path
from typing import IO, Any

from ..errors import InputFileError
from .ingest import _batches


def _send(out: IO[bytes], msg: tuple[Any, ...]) -> None:
    pickle.dump(msg, out, protocol=pickle.HIGHEST_PROTOCOL)
    out.flush()


def main(argv: list[str]) -> int:
    path, skip, batch_size = Path(argv[0]), int(argv[1]), int(argv[2])
    out = sys.stdout.buffer
    try:
        for batch, done, nbytes in _batches(path, skip, batch_size):
            _send(out, ("batch", batch, done, nbytes))
        _send(out, ("end",))
    except (BrokenPipeError, KeyboardInterrupt):  # the ingest stopped or was killed
        return 1
    except InputFileError as e:
        _send(out, ("error", str(e)))
    except Exception as e:  # reported by the parent as a bug, with its type
        _send(out, ("crash", f"{type(e).__name__}: {e}"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
