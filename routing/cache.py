"""The one way a built road graph is kept on disk: load it, rebuild it when missing,
damaged or of another version, and save it atomically (a temp file, then os.replace).

Callers name the file by `cache_key`, a hash of what the graph was built from plus the
graph format, builder and compiled-structure versions, so a changed source or a new
version never meets an old file. A file of the right name is still checked on load
(format version, metadata, the CRC32 of every array) and rebuilt when that fails:
a cache may be lost or damaged, it is never trusted blindly.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Callable
from pathlib import Path

from .atomic import write_atomic
from .build import BUILDER_VERSION
from .errors import RoadFileError
from .graph import COMPILED_VERSION, FORMAT_VERSION, RoadGraph


def cache_key(*parts: str, length: int = 24) -> str:
    """Hex digest of the parts and the versions that decide what a saved graph holds."""
    raw = "|".join([*parts, f"v{FORMAT_VERSION}", f"b{BUILDER_VERSION}", f"c{COMPILED_VERSION}"])
    return hashlib.sha256(raw.encode()).hexdigest()[:length]


def save_cached(path: str | os.PathLike[str], graph: RoadGraph) -> bool:
    """Save `graph` (with its compiled structures) at `path`; False when the cache folder
    cannot be written, which only costs speed on the next start."""
    try:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        graph.save(path)
    except OSError:
        return False
    return True


def load_or_build(path: str | os.PathLike[str], build: Callable[[], RoadGraph],
                  use_cache: bool = True) -> tuple[RoadGraph, bool]:
    """(graph, came_from_cache). With `use_cache` False the graph is built and the file
    written afresh. Errors of `build` propagate; errors of the cache never do."""
    p = Path(path)
    if use_cache and p.is_file():
        try:
            return RoadGraph.load(p), True
        except RoadFileError:
            with contextlib.suppress(OSError):
                p.unlink()  # damaged or another version: rebuilt below
    graph = build()
    save_cached(p, graph)
    return graph, False


__all__ = ["cache_key", "load_or_build", "save_cached", "write_atomic"]
