"""Routing benchmark: nearest-k by ETA, coverage, snapping and cached load on a city-sized graph.

Runs our method and the plain networkx full reverse Dijkstra baseline in the same
process, on the same scenes and officers, and checks that both give the same answer.
Default graph: the full demo city (commandmap.services.demo); if that is unavailable,
a synthetic 512×512 lattice city. Say which graph was used wherever figures are quoted.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--roads", default=None, metavar="FILE|demo[:SCALE]|synthetic",
                        help="road file or graph (default: the full demo city, else a synthetic lattice)")
    parser.add_argument("--json", metavar="OUT", help="also write the results as JSON here")
    parser.add_argument("--queries", type=int, default=300, help="scenes timed per case (default 300)")
    parser.add_argument("--baseline-queries", type=int, default=5, help="scenes for the networkx baseline (default 5)")
    parser.add_argument("--officers", type=int, default=25_000, help="officers in the city (default 25,000)")
    parser.add_argument("--k", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-baseline", action="store_true", help="skip the networkx baseline")
    parser.add_argument("--in-process", action="store_true",
                        help="measure in this process (by default a fresh process loads the cached graph, "
                             "so peak memory is not inflated by building it)")
    parser.add_argument("--label", default=None, help=argparse.SUPPRESS)


def _rss_mb() -> float:
    """Peak RSS of this process. VmHWM where Linux has it: getrusage's ru_maxrss survives
    fork + exec, so a fresh child would report its parent's peak (the parent builds and
    compiles the city)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _graph(spec: str | None) -> tuple[Any, str]:
    from routing.synthetic import synthetic_city
    if spec == "synthetic":
        g, _ = synthetic_city(512)
        return g, f"synthetic lattice city 512×512 (~100 m blocks, hierarchy + one-ways): {g.n_nodes:,} nodes"
    if spec is None or spec == "demo" or spec.startswith("demo:"):
        try:
            from ..services.roads import load_roads
            g, _ = load_roads(spec or "demo:full")
            return g, f"demo city ({g.source}): {g.n_nodes:,} nodes"
        except Exception as exc:  # demo city not available: fall back, and say so
            if spec is not None:
                raise
            g, _ = synthetic_city(512)
            return g, (f"synthetic lattice city 512×512 (demo city unavailable: {type(exc).__name__}): "
                       f"{g.n_nodes:,} nodes")
    from ..services.roads import load_roads
    g, _ = load_roads(spec)
    return g, f"{Path(spec).name} (real OpenStreetMap): {g.n_nodes:,} nodes"


def _on_road_points(graph: Any, n: int, rng: np.random.Generator, noise_m: float = 10.0) -> np.ndarray:
    """Random points along the roads (length-weighted) plus GPS-like noise, as lon/lat."""
    w = graph.edge_length_m / graph.edge_length_m.sum()
    e = rng.choice(graph.n_edges, size=n, p=w)
    f = rng.random(n)
    a = graph.node_xy[graph.edge_u[e]]
    b = graph.node_xy[graph.edge_v[e]]
    return graph.xy_to_lonlat(a + f[:, None] * (b - a) + rng.normal(0, noise_m, (n, 2)))


def _ms(samples: list[float]) -> tuple[float, float]:
    arr = np.array(samples) * 1000.0
    return float(np.percentile(arr, 50)), float(np.percentile(arr, 95))


def _vm_rss_mb() -> float:
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return _rss_mb()


def run(args: argparse.Namespace) -> int:
    if args.in_process or args.label is not None:
        return _measure(args)
    import subprocess
    import sys
    t0 = time.perf_counter()
    graph, label = _graph(args.roads)
    build_s = time.perf_counter() - t0
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "city.cmgraph")
        graph.save(path)
        del graph
        argv = [sys.executable, "-c", "import sys; from commandmap.cli import main; sys.exit(main(sys.argv[1:]))",
                "bench", "routing", "--roads", path, "--label", label,
                "--queries", str(args.queries), "--baseline-queries", str(args.baseline_queries),
                "--officers", str(args.officers), "--k", str(args.k), "--seed", str(args.seed)]
        if args.no_baseline:
            argv.append("--no-baseline")
        if args.json:
            argv += ["--json", args.json]
        env = dict(os.environ, COMMANDMAP_BENCH_BUILD_S=f"{build_s:.1f}")
        return subprocess.run(argv, env=env, check=False).returncode


def _measure(args: argparse.Namespace) -> int:
    from routing import Candidates, RoadGraph, coverage, nearest, snap
    from routing.reference import ReferenceRouter

    rng = np.random.default_rng(args.seed)
    rss_start = _vm_rss_mb()
    t0 = time.perf_counter()
    build_s: float | None
    tmp = tempfile.TemporaryDirectory()
    if args.label is not None:   # a fresh process: the parent saved the graph (with compiled structures) here
        path, label = args.roads, args.label
        env_build = os.environ.get("COMMANDMAP_BENCH_BUILD_S")
        build_s = float(env_build) if env_build else None
    else:
        graph0, label = _graph(args.roads)
        build_s = time.perf_counter() - t0
        path = os.path.join(tmp.name, "city.cmgraph")
        graph0.save(path)
        del graph0
    size_mb = os.path.getsize(path) / 1e6
    loads = []
    for _ in range(3):
        t = time.perf_counter()
        graph = RoadGraph.load(path)
        loads.append(time.perf_counter() - t)
        if len(loads) < 3:
            del graph   # one city in memory at a time, so peak RSS stays that of the app
    load_s = statistics.median(loads)
    n_off = args.officers
    officers = _on_road_points(graph, n_off, rng)
    ids = np.arange(1, n_off + 1, dtype=np.int64)
    scenes = _on_road_points(graph, args.queries, rng, noise_m=20.0)
    del graph
    # load to first answer: a fresh load, the officers snapped, one nearest query
    t = time.perf_counter()
    graph = RoadGraph.load(path)
    first = Candidates(ids=ids, lonlat=officers)
    first.snapped(graph, "car")
    nearest(graph, tuple(scenes[0]), first, k=args.k)
    first_answer_s = time.perf_counter() - t
    del first

    snaps = []
    for _ in range(5):
        t = time.perf_counter()
        snap(graph, officers, mode="car")
        snaps.append(time.perf_counter() - t)
    snap_ms = statistics.median(snaps) * 1000

    cases: list[dict[str, Any]] = []
    sets = {}
    for available in (n_off, min(1000, n_off), min(50, n_off)):
        pick = np.sort(rng.choice(n_off, size=available, replace=False))
        cands = Candidates(ids=ids[pick], lonlat=officers[pick])
        t = time.perf_counter()
        cands.snapped(graph, "car")
        prep_ms = (time.perf_counter() - t) * 1000
        for sc in scenes[:5]:
            nearest(graph, tuple(sc), cands, k=args.k)  # warm-up
        times: list[float] = []
        with_routes: list[float] = []
        methods: dict[str, int] = {}
        scipy_runs = 0
        for sc in scenes:
            t = time.perf_counter()
            res = nearest(graph, tuple(sc), cands, k=args.k)
            times.append(time.perf_counter() - t)
            for p in res.picked:
                p.path_lonlat
            with_routes.append(time.perf_counter() - t)
            for m in res.stats.values():
                kind, _, runs = m.method.partition("×")
                methods[kind] = methods.get(kind, 0) + 1
                scipy_runs += int(runs or 0)
        p50, p95 = _ms(times)
        r50, r95 = _ms(with_routes)
        cases.append({"available": int(available), "p50_ms": round(p50, 3), "p95_ms": round(p95, 3),
                      "with_routes_p50_ms": round(r50, 3), "with_routes_p95_ms": round(r95, 3),
                      "prepare_ms": round(prep_ms, 1), "search": methods, "scipy_runs": scipy_runs,
                      "baseline_p50_ms": None, "agree": None})
        sets[available] = cands
    rss_ours = _rss_mb()
    rss_now = _vm_rss_mb()
    graph_mb = _graph_bytes(graph) / 1e6

    cov_ms = {}
    for available in (n_off, min(1000, n_off)):
        cands = sets[available]   # already snapped for this snapshot, as in the live app
        coverage(graph, cands, limit_s=300.0)
        ts = []
        for _ in range(5):
            t = time.perf_counter()
            coverage(graph, cands, limit_s=300.0)
            ts.append(time.perf_counter() - t)
        cov_ms[available] = statistics.median(ts) * 1000
    ts = []
    for _ in range(3):
        t = time.perf_counter()
        coverage(graph, officers, limit_s=300.0)
        ts.append(time.perf_counter() - t)
    cov_fresh_ms = statistics.median(ts) * 1000

    # what the saved structures spare: compiling them from the graph of record alone
    bare = RoadGraph.from_bytes(graph.to_bytes())
    t = time.perf_counter()
    bare.net("car")
    bare.contracted("car")
    bare.snapper("car")
    compile_s = time.perf_counter() - t
    del bare
    tmp.cleanup()

    nx_build_s = None
    if not args.no_baseline:
        t = time.perf_counter()
        ref = ReferenceRouter(graph, "car")
        nx_build_s = time.perf_counter() - t
        for case in cases:
            cands = sets[case["available"]]
            ts, agree = [], 0
            for sc in scenes[:args.baseline_queries]:
                t = time.perf_counter()
                want = ref.nearest(tuple(sc), cands, k=args.k)
                ts.append(time.perf_counter() - t)
                got = nearest(graph, tuple(sc), cands, k=args.k)
                if isinstance(want, str):
                    agree += int(got.status == want)
                else:
                    agree += int([p.id for p in got.picked] == [w[0] for w in want]
                                 and np.allclose([p.eta_s for p in got.picked], [w[1] for w in want], rtol=1e-9, atol=1e-6))
            case["baseline_p50_ms"] = round(statistics.median(ts) * 1000, 1)
            case["agree"] = f"{agree}/{len(ts)}"

    result = {
        "graph": label, "nodes": graph.n_nodes, "edges": graph.n_edges, "officers": n_off, "k": args.k,
        "queries": args.queries, "cases": cases, "coverage_ms": round(cov_ms[n_off], 1),
        "coverage_1k_ms": round(cov_ms[min(1000, n_off)], 1), "coverage_with_snap_ms": round(cov_fresh_ms, 1), "snap_25k_ms": round(snap_ms, 1),
        "snap_points": n_off, "load_s": round(load_s, 3), "file_mb": round(size_mb, 1),
        "first_answer_s": round(first_answer_s, 3), "compile_s": round(compile_s, 2), "build_s": None if build_s is None else round(build_s, 1), "rss_mb": round(rss_ours, 0),
        "rss_growth_mb": round(rss_now - rss_start, 0), "graph_arrays_mb": round(graph_mb, 1),
        "rss_with_baseline_mb": round(_rss_mb(), 0), "nx_build_s": None if nx_build_s is None else round(nx_build_s, 1),
        "load_avg": os.getloadavg()[0],
    }
    print(format_table(result))
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2), encoding="utf-8")
    return 0


def _graph_bytes(graph: Any) -> int:
    """Bytes held in numpy arrays by the graph and everything compiled from it."""
    return int(graph.nbytes())


def format_table(r: dict[str, Any]) -> str:
    lines = [
        f"### Routing benchmark — {r['graph']}, {r['edges']:,} directed edges",
        "",
        f"{r['officers']:,} officers placed on roads (10 m GPS noise), {r['queries']} scenes, k = {r['k']}, mode car. "
        f"Same process, same scenes for both methods. Load average at the end: {r['load_avg']:.1f} (2 cores, shared).",
        "",
        "| officers available | ours p50 ms | ours p95 ms | with 5 routes p50 / p95 ms | search | networkx full reverse Dijkstra p50 ms | same answer |",
        "|---:|---:|---:|---:|---|---:|---:|",
    ]
    for c in r["cases"]:
        search = ", ".join(f"{k} {v}" for k, v in c["search"].items())
        if c.get("scipy_runs") and c["search"].get("scipy"):
            search += f" ({c['scipy_runs']} runs)"
        base = "—" if c["baseline_p50_ms"] is None else f"{c['baseline_p50_ms']:,.1f}"
        lines.append(f"| {c['available']:,} | {c['p50_ms']:.3f} | {c['p95_ms']:.3f} | "
                     f"{c['with_routes_p50_ms']:.2f} / {c['with_routes_p95_ms']:.2f} | {search} | {base} | {c['agree'] or '—'} |")
    lines += [
        "",
        "| measure | value |",
        "|---|---:|",
        f"| coverage refresh, {r['officers']:,} officers already snapped (one multi-source run + nearest officer per node) | {r['coverage_ms']:.1f} ms |",
        f"| coverage refresh, 1,000 officers already snapped | {r['coverage_1k_ms']:.1f} ms |",
        f"| coverage from raw lon/lat, {r['officers']:,} officers (snap + run) | {r['coverage_with_snap_ms']:.1f} ms |",
        f"| snapping {r['snap_points']:,} points onto edges | {r['snap_25k_ms']:.1f} ms |",
        f"| cached graph load ({r['file_mb']:.0f} MB file: graph + compiled structures of every mode) | {r['load_s']:.3f} s |",
        f"| load to first answer (fresh load, {r['officers']:,} officers snapped, one nearest query) | {r['first_answer_s']:.3f} s |",
        f"| compiling car net + junction graph + snap index without the saved structures | {r['compile_s']:.2f} s |",
        f"| graph + compiled structures + search views (array bytes) | {r['graph_arrays_mb']:.0f} MB |",
        f"| process RSS growth from start to after all our queries | {r['rss_growth_mb']:.0f} MB |",
        f"| peak RSS, our method (whole process: Python, numpy/scipy/shapely, graph, indexes, officers) | {r['rss_mb']:.0f} MB |",
        f"| peak RSS incl. networkx baseline graph | {r['rss_with_baseline_mb']:.0f} MB |",
    ]
    if r.get("nx_build_s") is not None:
        lines.append(f"| networkx baseline graph build | {r['nx_build_s']:.1f} s |")
    return "\n".join(lines)
