"""`commandmap simulate`: run the simulated city headless against a store, so any number
of seats (`commandmap --db URL`) can watch the same operation."""

from __future__ import annotations

import argparse
import math
import os
import time
from datetime import datetime

from ..cliargs import add_db_argument, parse_speed
from ..errors import UserError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "simulate", help="run the simulated city (officers, incidents, dispatch) against a store",
        description=__doc__)
    add_db_argument(parser)
    parser.add_argument("--speed", type=parse_speed, default=1.0, metavar="FACTOR",
                        help="simulated seconds per wall second, e.g. 10x; 'max' runs as fast as it can "
                             "(default 1x)")
    parser.add_argument("--duration", type=float, default=None, metavar="S",
                        help="stop after S simulated seconds (default: run until Ctrl-C)")
    parser.add_argument("--step", type=float, default=5.0, metavar="S",
                        help="simulated seconds per step (default 5)")
    parser.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    parser.add_argument("--incidents-per-hour", type=float, default=None, metavar="N",
                        help="mean incident rate (default: one per 25 on-duty officers per hour)")
    parser.add_argument("--no-auto-dispatch", action="store_true",
                        help="leave dispatching to the people at the workstations")
    parser.add_argument("--quiet", action="store_true", help="no progress lines")
    parser.add_argument("--report", action="store_true",
                        help="at the end, print the steady-state summary: the band of open incidents, the share "
                             "of P1 dispatched within 60 s, the 1-minute contact and 5-minute arrival rates")
    parser.add_argument("--warmup", type=float, default=1800.0, metavar="S",
                        help="simulated seconds left out of the open-incident band of --report (default 1800)")
    parser.add_argument("--stop-with", type=int, default=None, metavar="PID",
                        help="stop when process PID (the app that started this simulator) is gone, even when it "
                             "was killed without a word")
    parser.set_defaults(func=run)


MAX_INCIDENTS_PER_HOUR = 36_000.0   # ten a second: beyond that a step never ends
MAX_STEP_S = 3_600.0


def _check(args: argparse.Namespace) -> None:
    """Every numeric option finite and in range: one line naming the option, never a traceback."""
    def finite(name: str, value: float) -> None:
        if not math.isfinite(value):
            raise UserError(f"{name} must be a finite number, got {value}")

    finite("--step", args.step)
    if not 0 < args.step <= MAX_STEP_S:
        raise UserError(f"--step must be a positive number of seconds up to {MAX_STEP_S:.0f}, got {args.step}")
    if args.duration is not None:
        finite("--duration", args.duration)
        if args.duration <= 0:
            raise UserError(f"--duration must be a positive number of seconds, got {args.duration}")
    if not 0 <= args.seed < 2 ** 63:
        raise UserError(f"--seed must be a whole number from 0 to 2**63-1, got {args.seed}")
    if args.incidents_per_hour is not None:
        finite("--incidents-per-hour", args.incidents_per_hour)
        if not 0 <= args.incidents_per_hour <= MAX_INCIDENTS_PER_HOUR:
            raise UserError(f"--incidents-per-hour must be from 0 to {MAX_INCIDENTS_PER_HOUR:,.0f}, "
                            f"got {args.incidents_per_hour}")
    if getattr(args, "stop_with", None) is not None and args.stop_with <= 1:
        raise UserError(f"--stop-with must be the process id of this simulator's parent, got {args.stop_with}")
    finite("--warmup", args.warmup)
    if args.warmup < 0:
        raise UserError(f"--warmup must be zero or more seconds, got {args.warmup}")


def run(args: argparse.Namespace) -> int:
    from ..services.city import CityDataError
    from ..services.retention import AutoPruner
    from ..services.simulation import SimConfig, SimulationEngine
    from ..services.simulation.steady import SteadyStateReport, measure, open_incidents
    from ..store.migrate import open_store
    from ..store.repos import is_empty

    _check(args)
    engine = open_store(getattr(args, "db", None))
    try:
        with engine.connect() as conn:
            if is_empty(conn):
                raise UserError(f"store {engine.url.render_as_string(hide_password=True)} has no city yet: "
                                "run `commandmap demo` first")
        config = SimConfig(seed=args.seed, incidents_per_hour=args.incidents_per_hour,
                           auto_dispatch=not args.no_auto_dispatch)
        wall0 = time.time()
        try:
            sim = SimulationEngine(engine, config=config, start_s=wall0)   # resumes later if the store is ahead
        except CityDataError as exc:
            raise UserError(str(exc)) from None
        sim0 = sim.now
        speed = args.speed
        if speed != float("inf"):
            sim.publish_clock(wall0, speed, sim0_s=sim0)   # the same mapping the loop below paces by
        print(f"simulation starts at {_stamp(sim0)} (seed {args.seed})", flush=True)
        end = None if args.duration is None else sim0 + args.duration
        steady = SteadyStateReport(sim0, sim0, args.warmup) if args.report else None
        if steady is not None:
            steady.samples.append((sim0, open_incidents(engine)))
        total = None
        last_print = sim0
        from ..services.simulation.control import read_auto_dispatch, write_auto_dispatch
        write_auto_dispatch(engine, not args.no_auto_dispatch)   # seats may flip it while we run
        pruner = AutoPruner(engine)
        watch = getattr(args, "stop_with", None)
        try:
            while end is None or sim.now < end:
                if watch is not None and os.getppid() != watch:
                    break        # the app that started us is gone (killed -9 leaves no one to stop us)
                if speed == float("inf"):
                    target = sim.now + args.step
                else:
                    target = sim0 + (time.time() - wall0) * speed
                    if target - sim.now < args.step:
                        time.sleep(min(0.2, (args.step - (target - sim.now)) / speed))
                        continue
                if end is not None:
                    target = min(target, end)
                switch = read_auto_dispatch(engine)
                if switch is not None and switch != sim.auto_dispatch:
                    sim.set_auto_dispatch(switch)
                report = sim.step(target)
                pruner.maybe_prune(sim.now)   # history retention; a failure is logged, never fatal
                if total is None:
                    total = report
                else:
                    total.add(report)
                if steady is not None and sim.now - steady.samples[-1][0] >= 60.0:
                    steady.samples.append((sim.now, open_incidents(engine)))
                if not args.quiet and sim.now - last_print >= 60.0:
                    last_print = sim.now
                    print(_line(sim.now - sim0, total), flush=True)
        except KeyboardInterrupt:
            pass
        if total is not None:
            print(_line(sim.now - sim0, total, final=True), flush=True)
        if steady is not None:
            steady.end_s = sim.now
            for line in measure(engine, steady).lines():
                print(line, flush=True)
        return 0
    finally:
        engine.dispose()


def _stamp(epoch_s: float) -> str:
    from ..services.incident_codes import CITY_TZ
    return datetime.fromtimestamp(epoch_s, CITY_TZ).strftime("%Y-%m-%d %H:%M:%S")


def _line(elapsed_s: float, total, final: bool = False) -> str:  # type: ignore[no-untyped-def]
    bad = sum(v for k, v in total.verdicts.items() if k != "good")
    head = "simulated" if final else "t+"
    return (f"{head} {elapsed_s:,.0f} s: {total.fixes:,} fixes ({bad:,} flagged), {total.incidents} incidents, "
            f"{total.dispatched} dispatched, {total.acknowledged} acknowledged, {total.arrived} arrived, "
            f"{total.resolved} resolved, {total.closed} closed"
            + (f", {total.escalated} whistle(s) escalated" if total.escalated else ""))
