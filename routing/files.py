"""Open a road file of any supported kind, with an on-disk cache of the built graph.

The cache key covers the file's absolute path, size and modification time and the
graph format version, so an edited file or a new format is rebuilt, never misread.
"""

from __future__ import annotations

import os
from pathlib import Path

from .build import BuildReport
from .cache import cache_key as graph_cache_key
from .cache import load_or_build
from .errors import RoadFileError
from .graph import RoadGraph

GRAPH_SUFFIXES = (".cmgraph", ".npz")
OSM_SUFFIXES = (".osm.pbf", ".pbf", ".osm")
VECTOR_SUFFIXES = (".geojson", ".json", ".gpkg", ".shp", ".fgb", ".gml", ".kml", ".zip")


def kind_of(path: str | os.PathLike[str]) -> str:
    """'graph' | 'osm' | 'vector' from the file name; RoadFileError for anything else."""
    name = Path(path).name.lower()
    if name.endswith(GRAPH_SUFFIXES):
        return "graph"
    if name.endswith(OSM_SUFFIXES):
        return "osm"
    if name.endswith(VECTOR_SUFFIXES) or Path(path).is_dir():
        return "vector"
    raise RoadFileError(f"{path}: unknown road file type (expected .osm.pbf, .osm, .geojson, .gpkg, .shp or .cmgraph)")


def build_any(path: str | os.PathLike[str], **options: object) -> tuple[RoadGraph, BuildReport | None]:
    kind = kind_of(path)
    if kind == "graph":
        return RoadGraph.load(path), None
    if kind == "osm":
        from .osm import build_from_osm
        return build_from_osm(path, **options)  # type: ignore[arg-type]
    from .vector import build_from_vector
    return build_from_vector(path, **options)  # type: ignore[arg-type]


def cache_key(path: str | os.PathLike[str]) -> str:
    """The cache name of a road file: its absolute path, size and modification time."""
    p = Path(path).resolve()
    st = p.stat()
    return graph_cache_key(str(p), str(st.st_size), str(st.st_mtime_ns))


def open_roads(path: str | os.PathLike[str], cache_dir: str | os.PathLike[str] | None = None,
               ) -> tuple[RoadGraph, BuildReport | None, bool]:
    """(graph, build report or None, came_from_cache). Built graphs are cached in `cache_dir`."""
    p = Path(path)
    if not p.exists():
        raise RoadFileError(f"{path}: no such file")
    if kind_of(p) == "graph" or cache_dir is None:
        graph, report = build_any(p)
        return graph, report, False
    reports: list[BuildReport | None] = [None]

    def build() -> RoadGraph:
        graph, reports[0] = build_any(p)
        return graph

    graph, from_cache = load_or_build(Path(cache_dir) / f"roads-{cache_key(p)}.cmgraph", build)
    return graph, reports[0], from_cache
