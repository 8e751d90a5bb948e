"""A second seat (run as `python -m tests.reliability.seat_follower URL`): a LiveState that
follows the store and prints `task ID WALL_TIME` the moment a task shows in its snapshot, and
`moved N NEWEST_FIX_TIME WALL_TIME` when a refresh moved N officers."""

from __future__ import annotations

import sys
import threading
import time

import numpy as np

from commandmap.live import LiveState
from commandmap.store.migrate import open_store
from commandmap.store.notify import listener_for


def main(url: str) -> None:
    engine = open_store(url)
    live = LiveState(engine)
    listener = listener_for(url)
    shown: set[int] = set()
    last_fix = {"t": live.officers.cols["fix_t"].copy()}

    def on_refresh(_stats) -> None:  # type: ignore[no-untyped-def]
        snap = live.snapshot()
        now = time.time()
        fix_t = live.officers.cols["fix_t"].copy()
        if len(fix_t) == len(last_fix["t"]):
            moved = np.isfinite(fix_t) & ~(fix_t == last_fix["t"])
            if moved.any():
                print(f"moved {int(moved.sum())} {np.nanmax(fix_t):.6f} {now:.6f}", flush=True)
        last_fix["t"] = fix_t
        for tid in snap.routes.task_ids.tolist():
            if tid not in shown:
                shown.add(tid)
                print(f"task {tid} {now:.6f}", flush=True)

    print(f"ready {live.sequence}", flush=True)
    live.follow(threading.Event(), listener=listener, poll_s=0.25, on_refresh=on_refresh)


if __name__ == "__main__":
    main(sys.argv[1])
