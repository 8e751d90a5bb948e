"""RoadGraph: the city's directed road network as flat numpy arrays.

The arrays are the graph of record on disk and on the hot path; `to_networkx()`
rebuilds the equivalent networkx MultiDiGraph on demand (analysis, reference checks),
so loading a cached city never touches networkx.
"""

from __future__ import annotations

import io
import json
import os
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np

from .atomic import write_atomic
from .errors import RoadFileError
from .projection import to_lonlat, to_xy
from .speeds import ROAD_CLASSES, TRAVEL_MODES, SpeedTable, check_mode

if TYPE_CHECKING:  # pragma: no cover
    import networkx as nx

    from .compiled import ModeNet
    from .contract import Contracted
    from .snap import SnapIndex

FORMAT_NAME = "commandmap-roadgraph"
FORMAT_VERSION = 1
# version of the compiled structures a saved graph may carry (see to_bytes); saved ones of
# another version are ignored and compiled afresh
COMPILED_VERSION = 1
_COMPILED = "compiled"

_ARRAY_FIELDS: dict[str, tuple[type, int]] = {
    # name: (dtype, ndim)
    "node_xy": (np.float64, 2),
    "node_lonlat": (np.float64, 2),
    "edge_u": (np.int32, 1),
    "edge_v": (np.int32, 1),
    "edge_length_m": (np.float64, 1),
    "edge_class": (np.int8, 1),
    "edge_name_id": (np.int32, 1),
    "edge_twin": (np.int32, 1),
    "edge_maxspeed_kmh": (np.float32, 1),
    "edge_geom_offsets": (np.int64, 1),
    "edge_geom_xy": (np.float64, 2),
}


class RoadGraph:
    """Directed road graph in a metric CRS.

    Each road segment between two junctions is one directed edge, or two (u->v and
    v->u, linked through `edge_twin`) when it is not one-way. Edge polylines are
    stored flat: edge e's points are `edge_geom_xy[edge_geom_offsets[e]:edge_geom_offsets[e+1]]`
    and run from node `edge_u[e]` to node `edge_v[e]`.
    """

    def __init__(self, *, crs: str, node_xy: np.ndarray, node_lonlat: np.ndarray,
                 edge_u: np.ndarray, edge_v: np.ndarray, edge_length_m: np.ndarray,
                 edge_class: np.ndarray, edge_name_id: np.ndarray, names: tuple[str, ...],
                 edge_twin: np.ndarray, edge_maxspeed_kmh: np.ndarray,
                 edge_geom_offsets: np.ndarray, edge_geom_xy: np.ndarray,
                 speeds: SpeedTable | None = None, source: str = "") -> None:
        self.crs = crs
        self.node_xy = np.ascontiguousarray(node_xy, dtype=np.float64)
        self.node_lonlat = np.ascontiguousarray(node_lonlat, dtype=np.float64)
        self.edge_u = np.ascontiguousarray(edge_u, dtype=np.int32)
        self.edge_v = np.ascontiguousarray(edge_v, dtype=np.int32)
        self.edge_length_m = np.ascontiguousarray(edge_length_m, dtype=np.float64)
        self.edge_class = np.ascontiguousarray(edge_class, dtype=np.int8)
        self.edge_name_id = np.ascontiguousarray(edge_name_id, dtype=np.int32)
        self.names = tuple(names)
        self.edge_twin = np.ascontiguousarray(edge_twin, dtype=np.int32)
        self.edge_maxspeed_kmh = np.ascontiguousarray(edge_maxspeed_kmh, dtype=np.float32)
        self.edge_geom_offsets = np.ascontiguousarray(edge_geom_offsets, dtype=np.int64)
        self.edge_geom_xy = np.ascontiguousarray(edge_geom_xy, dtype=np.float64)
        self.speeds = speeds or SpeedTable.defaults()
        self.source = source
        self._check()
        self._travel_time: dict[str, np.ndarray] = {}
        self._nets: dict[str, ModeNet] = {}
        self._contracted: dict[str, Contracted] = {}
        self._snap_index: SnapIndex | None = None
        self._saved: dict[str, dict[str, np.ndarray]] = {}   # compiled arrays read from a file, not yet used
        self._nx: nx.MultiDiGraph | None = None
        self.file_path: str | None = None   # the file this graph was last loaded from or saved to

    # ---- shape -------------------------------------------------------------------------
    @property
    def n_nodes(self) -> int:
        return int(self.node_xy.shape[0])

    @property
    def n_edges(self) -> int:
        return int(self.edge_u.shape[0])

    @property
    def edge_oneway(self) -> np.ndarray:
        """True where the edge has no reverse twin (a one-way segment)."""
        return self.edge_twin < 0

    @property
    def bounds_xy(self) -> tuple[float, float, float, float]:
        lo = self.edge_geom_xy.min(axis=0) if len(self.edge_geom_xy) else self.node_xy.min(axis=0)
        hi = self.edge_geom_xy.max(axis=0) if len(self.edge_geom_xy) else self.node_xy.max(axis=0)
        return float(lo[0]), float(lo[1]), float(hi[0]), float(hi[1])

    @property
    def edge_names(self) -> list[str]:
        return [self.names[i] for i in self.edge_name_id]

    def edge_xy(self, e: int) -> np.ndarray:
        """Polyline of edge `e` in metres, from edge_u[e] to edge_v[e]."""
        return self.edge_geom_xy[self.edge_geom_offsets[e]:self.edge_geom_offsets[e + 1]]

    def __repr__(self) -> str:
        return f"RoadGraph({self.n_nodes} nodes, {self.n_edges} edges, {self.crs}, source={self.source!r})"

    def _check(self) -> None:
        n, e = self.n_nodes, self.n_edges
        if self.node_xy.shape != (n, 2) or self.node_lonlat.shape != (n, 2):
            raise ValueError("node_xy and node_lonlat must both be (N,2)")
        for name in ("edge_v", "edge_length_m", "edge_class", "edge_name_id", "edge_twin", "edge_maxspeed_kmh"):
            if getattr(self, name).shape != (e,):
                raise ValueError(f"{name} must have shape ({e},), got {getattr(self, name).shape}")
        if self.edge_geom_offsets.shape != (e + 1,):
            raise ValueError(f"edge_geom_offsets must have shape ({e + 1},)")
        if e and (self.edge_u.min() < 0 or self.edge_v.min() < 0 or max(self.edge_u.max(), self.edge_v.max()) >= n):
            raise ValueError("edge_u/edge_v refer to nodes outside 0..N-1")
        if e and (self.edge_class.min() < 0 or self.edge_class.max() >= len(ROAD_CLASSES)):
            raise ValueError("edge_class holds a code outside ROAD_CLASSES")
        if e and (self.edge_name_id.min() < 0 or self.edge_name_id.max() >= max(len(self.names), 1)):
            raise ValueError("edge_name_id refers outside names")
        if e and (self.edge_twin.max() >= e):
            raise ValueError("edge_twin refers outside the edges")
        if self.edge_geom_offsets[0] != 0 or self.edge_geom_offsets[-1] != len(self.edge_geom_xy) \
                or (e and np.any(np.diff(self.edge_geom_offsets) < 2)):
            raise ValueError("edge_geom_offsets must start at 0, end at len(edge_geom_xy), and give each edge >= 2 points")

    # ---- speeds and times ----------------------------------------------------------------
    def speed_kmh(self, mode: str = "car") -> np.ndarray:
        """Per-edge speed for `mode` (km/h); NaN where the mode may not use the edge."""
        return self.speeds.edge_kmh(check_mode(mode), self.edge_class, self.edge_maxspeed_kmh)

    def travel_time_s(self, mode: str = "car") -> np.ndarray:
        """Per-edge travel time for `mode` in seconds; +inf where the mode may not use the edge."""
        tt = self._travel_time.get(mode)
        if tt is None:
            kmh = self.speed_kmh(mode)
            with np.errstate(invalid="ignore", divide="ignore"):
                tt = self.edge_length_m / (kmh / 3.6)
            tt = np.where(np.isfinite(tt), tt, np.inf)
            tt.flags.writeable = False
            self._travel_time[mode] = tt
        return tt

    def with_speeds(self, speeds: SpeedTable) -> RoadGraph:
        """The same roads under another speed table (arrays shared, caches fresh)."""
        return RoadGraph(**self._array_kwargs(), names=self.names, crs=self.crs, speeds=speeds, source=self.source)

    # ---- compiled structures (built lazily, cached) ------------------------------------
    def net(self, mode: str = "car") -> ModeNet:
        """CSR arrays of the arcs `mode` may use (see routing.compiled)."""
        check_mode(mode)
        net = self._nets.get(mode)
        if net is None:
            from .compiled import ModeNet
            saved = self._take_saved(f"{mode}.net")
            net = None
            if saved is not None:
                try:
                    net = ModeNet.from_arrays(self, mode, **saved)
                except (ValueError, TypeError, KeyError, IndexError):
                    net = None
            if net is None:
                net = ModeNet.build(self, mode)
            self._nets[mode] = net
        return net

    def contracted(self, mode: str = "car") -> Contracted:
        """The junction graph the hot path searches for `mode` (see routing.contract)."""
        check_mode(mode)
        got = self._contracted.get(mode)
        if got is None:
            from .contract import Contracted
            net = self.net(mode)
            saved = self._take_saved(f"{mode}.chains")
            if saved is not None:
                try:
                    got = Contracted.from_chains(net, **saved)
                except (ValueError, TypeError, KeyError, IndexError):
                    got = None
            if got is None:
                got = Contracted.build(net)
            self._contracted[mode] = got
        return got

    def snapper(self, mode: str | None = None) -> SnapIndex:
        """Spatial index over every segment, shared by all modes; a mode's own segments are
        chosen by `SnapIndex.usable(graph, mode)`."""
        if mode is not None:
            check_mode(mode)
        if self._snap_index is None:
            from .snap import SnapIndex
            saved = self._take_saved("snap")
            if saved is not None:
                try:
                    self._snap_index = SnapIndex.from_arrays(self, saved)
                except (ValueError, TypeError, KeyError, IndexError):
                    self._snap_index = None
            if self._snap_index is None:
                self._snap_index = SnapIndex.build(self)
        return self._snap_index

    def _take_saved(self, group: str) -> dict[str, np.ndarray] | None:
        return self._saved.pop(group, None)

    def nbytes(self) -> int:
        """Bytes held in numpy arrays by the graph and everything compiled from it so far
        (including saved structures read from a file and not turned into objects yet)."""
        total = sum(v.nbytes for v in self._array_kwargs().values())
        total += sum(a.nbytes for group in self._saved.values() for a in group.values())
        total += sum(v.nbytes for v in self._travel_time.values())
        for net in self._nets.values():
            total += net.nbytes()
        for con in self._contracted.values():
            total += con.nbytes()
        if self._snap_index is not None:
            total += sum(v.nbytes for v in vars(self._snap_index).values()
                         if isinstance(v, np.ndarray) and v is not self.edge_length_m)
        return int(total)

    # ---- projection helpers ----------------------------------------------------------
    def lonlat_to_xy(self, lonlat: np.ndarray) -> np.ndarray:
        return to_xy(self.crs, lonlat)

    def xy_to_lonlat(self, xy: np.ndarray) -> np.ndarray:
        return to_lonlat(self.crs, xy)

    @cached_property
    def lonlat_bounds(self) -> tuple[float, float, float, float]:
        lo = self.node_lonlat.min(axis=0)
        hi = self.node_lonlat.max(axis=0)
        return float(lo[0]), float(lo[1]), float(hi[0]), float(hi[1])

    # ---- networkx ----------------------------------------------------------------------
    def to_networkx(self, with_geometry: bool = True) -> nx.MultiDiGraph:
        """The graph of record as networkx (cached when built with geometry).

        Nodes: x, y (metres), lon, lat. Edges keyed by edge index: length (m),
        travel_time (s, car), travel_time_foot / travel_time_ebike / travel_time_car
        (inf = barred), road_class, speed (car km/h), name, oneway, twin (key of the reverse
        edge of the same segment, -1 if one-way), geometry (shapely, metres).
        """
        if self._nx is not None:
            return self._nx
        import networkx as nx

        g = nx.MultiDiGraph(crs=self.crs, source=self.source, speeds=self.speeds.to_dict())
        xs, ys = self.node_xy[:, 0].tolist(), self.node_xy[:, 1].tolist()
        lons, lats = self.node_lonlat[:, 0].tolist(), self.node_lonlat[:, 1].tolist()
        g.add_nodes_from((i, {"x": xs[i], "y": ys[i], "lon": lons[i], "lat": lats[i]}) for i in range(self.n_nodes))
        tts = {m: self.travel_time_s(m).tolist() for m in TRAVEL_MODES}
        car_kmh = self.speed_kmh("car").tolist()
        lengths = self.edge_length_m.tolist()
        classes = [ROAD_CLASSES[c] for c in self.edge_class.tolist()]
        names = self.edge_names
        oneway = self.edge_oneway.tolist()
        twins = self.edge_twin.tolist()
        geoms: list[Any] | None = None
        if with_geometry:
            import shapely
            geoms = list(shapely.linestrings(self.edge_geom_xy,
                                             indices=np.repeat(np.arange(self.n_edges), np.diff(self.edge_geom_offsets))))
        us, vs = self.edge_u.tolist(), self.edge_v.tolist()
        for e in range(self.n_edges):
            attrs = {"length": lengths[e], "travel_time": tts["car"][e], "travel_time_car": tts["car"][e],
                     "travel_time_ebike": tts["ebike"][e], "travel_time_foot": tts["foot"][e],
                     "road_class": classes[e], "speed": car_kmh[e], "name": names[e], "oneway": oneway[e],
                     "twin": twins[e]}
            if geoms is not None:
                attrs["geometry"] = geoms[e]
            g.add_edge(us[e], vs[e], key=e, **attrs)
        if with_geometry:
            self._nx = g
        return g

    # ---- persistence -------------------------------------------------------------------
    def _array_kwargs(self) -> dict[str, np.ndarray]:
        return {name: getattr(self, name) for name in _ARRAY_FIELDS}

    def to_bytes(self, compiled: bool = False) -> bytes:
        """Compact, pickle-free serialisation (an uncompressed .npz).

        `compiled`: also store the hot-path structures of every travel mode (mode nets,
        junction chains, the snap index), compiling what is not compiled yet, so a load
        answers its first query without compiling anything. The graph of record is the
        same either way; readers that do not know the extra arrays ignore them."""
        meta: dict[str, Any] = {"format": FORMAT_NAME, "version": FORMAT_VERSION, "crs": self.crs,
                                "source": self.source, "speeds": self.speeds.to_dict(),
                                "road_classes": list(ROAD_CLASSES)}
        names = np.array(self.names if self.names else ("",), dtype=str)
        arrays: dict[str, Any] = dict(self._array_kwargs())
        if compiled:
            meta["compiled"] = {"version": COMPILED_VERSION, "modes": list(TRAVEL_MODES)}
            for mode in TRAVEL_MODES:
                for name, arr in self.net(mode).arrays().items():
                    arrays[f"{_COMPILED}.{mode}.net.{name}"] = arr
                for name, arr in self.contracted(mode).arrays().items():
                    arrays[f"{_COMPILED}.{mode}.chains.{name}"] = arr
            for name, arr in self.snapper().arrays().items():
                arrays[f"{_COMPILED}.snap.{name}"] = arr
        arrays["meta"] = np.frombuffer(json.dumps(meta).encode("utf-8"), dtype=np.uint8)
        arrays["names"] = names
        buf = io.BytesIO()
        np.savez(buf, **arrays)
        return buf.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes, *, origin: str = "road graph bytes") -> RoadGraph:
        return cls._read(io.BytesIO(data), origin)

    @classmethod
    def _read(cls, source: Any, origin: str) -> RoadGraph:
        try:
            with np.load(source, allow_pickle=False) as npz:
                arrays = {k: npz[k] for k in npz.files}
        except Exception as exc:
            raise RoadFileError(f"{origin}: not a CommandMap road graph ({type(exc).__name__}: {exc})") from None
        try:
            meta = json.loads(bytes(arrays.pop("meta")).decode("utf-8"))
        except Exception:
            raise RoadFileError(f"{origin}: not a CommandMap road graph (no readable metadata)") from None
        if meta.get("format") != FORMAT_NAME:
            raise RoadFileError(f"{origin}: not a CommandMap road graph (format {meta.get('format')!r})")
        if meta.get("version") != FORMAT_VERSION:
            raise RoadFileError(f"{origin}: road graph format version {meta.get('version')} "
                                f"is not supported (expected {FORMAT_VERSION}); rebuild it")
        if tuple(meta.get("road_classes", ())) != ROAD_CLASSES:
            raise RoadFileError(f"{origin}: road classes differ from this version; rebuild it")
        missing = [k for k in (*_ARRAY_FIELDS, "names") if k not in arrays]
        if missing:
            raise RoadFileError(f"{origin}: road graph is missing arrays {', '.join(missing)}")
        kwargs: dict[str, Any] = {}
        for name, (dtype, ndim) in _ARRAY_FIELDS.items():
            arr = arrays[name]
            if arr.ndim != ndim:
                raise RoadFileError(f"{origin}: array {name} has {arr.ndim} dimensions, expected {ndim}")
            kwargs[name] = arr.astype(dtype, copy=False)
        names = tuple(str(s) for s in arrays["names"].tolist())
        try:
            graph = cls(crs=str(meta["crs"]), names=names, speeds=SpeedTable.from_dict(meta.get("speeds", {})),
                        source=str(meta.get("source", "")), **kwargs)
        except (ValueError, KeyError) as exc:
            raise RoadFileError(f"{origin}: inconsistent road graph ({exc})") from None
        if (meta.get("compiled") or {}).get("version") == COMPILED_VERSION:
            # kept aside and turned into structures on first use; anything that does not fit
            # this graph is ignored there and compiled afresh (never trusted blindly)
            prefix = f"{_COMPILED}."
            for key, arr in arrays.items():
                if key.startswith(prefix):
                    group, _, name = key[len(prefix):].rpartition(".")
                    graph._saved.setdefault(group, {})[name] = arr
        return graph

    def save(self, path: str | os.PathLike[str], compiled: bool = True) -> None:
        """Write atomically (temp file + rename) so a crash never leaves half a cache.
        By default with the compiled structures of every mode (see to_bytes)."""
        write_atomic(path, self.to_bytes(compiled=compiled))
        self.file_path = os.fspath(path)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> RoadGraph:
        path = os.fspath(path)
        try:
            size = os.path.getsize(path)
            fh = open(path, "rb")
        except OSError as exc:
            raise RoadFileError(f"{path}: cannot read road graph ({exc.strerror})") from None
        if not size:
            fh.close()
            raise RoadFileError(f"{path}: file is empty")
        with fh:   # read member by member straight from the file (no second copy of it in memory)
            graph = cls._read(fh, path)
        graph.file_path = path
        return graph
