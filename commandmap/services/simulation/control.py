"""Switches a running simulator reads from the store, so a seat can steer a simulator in another process.

Today one switch: whether the simulated dispatcher works the queue (a showcase)
or leaves it to the people at the workstations. The simulator polls it every
step; writing it is one small transaction any seat may make.
"""

from __future__ import annotations

from sqlalchemy import Engine, select

from ...store.schema import city_meta

AUTO_DISPATCH_KEY = "sim.auto_dispatch"


def write_auto_dispatch(engine: Engine, on: bool) -> None:
    value = "1" if on else "0"
    with engine.begin() as conn:
        done = conn.execute(city_meta.update().where(city_meta.c.key == AUTO_DISPATCH_KEY).values(value=value))
        if done.rowcount == 0:
            conn.execute(city_meta.insert().values(key=AUTO_DISPATCH_KEY, value=value))


def read_auto_dispatch(engine: Engine) -> bool | None:
    """The switch as stored; None when no seat or simulator has set it (or it holds nonsense)."""
    with engine.connect() as conn:
        value = conn.execute(select(city_meta.c.value).where(city_meta.c.key == AUTO_DISPATCH_KEY)).scalar()
    return {"1": True, "0": False}.get(str(value)) if value is not None else None
