"""Switches a running simulator reads from the store, so a seat can steer a simulator in another process.

Today one switch: whether the simulated dispatcher works the queue (a showcase)
or leaves it to the people at the workstations. The simulator polls it every
step. A seat flips it with `set_auto_dispatch`, which needs the settings
permission (a denial is audited) and audits the change in the same
transaction; `write_auto_dispatch` is the simulator's own start-up write.
"""

from __future__ import annotations

from sqlalchemy import Connection, Engine, select

from ...domain.access import Actor, Permission
from ...store.audit import append_audit
from ...store.schema import city_meta
from ..authz import require

AUTO_DISPATCH_KEY = "sim.auto_dispatch"


def _write(conn: Connection, on: bool) -> None:
    value = "1" if on else "0"
    done = conn.execute(city_meta.update().where(city_meta.c.key == AUTO_DISPATCH_KEY).values(value=value))
    if done.rowcount == 0:
        conn.execute(city_meta.insert().values(key=AUTO_DISPATCH_KEY, value=value))


def write_auto_dispatch(engine: Engine, on: bool) -> None:
    """The simulator's own write (its start-up state): no person acts, nothing to check."""
    with engine.begin() as conn:
        _write(conn, on)


def set_auto_dispatch(engine: Engine, on: bool, *, actor: Actor | str) -> None:
    """A person at a seat flips the switch: `authz.Forbidden` (audited) without the settings permission;
    otherwise the change and its audit row commit together."""
    detail = {"key": AUTO_DISPATCH_KEY, "value": "1" if on else "0"}
    who = require(engine, actor, Permission.SETTINGS, "setting", 0, detail)
    with engine.begin() as conn:
        _write(conn, on)
        append_audit(conn, who.label, "setting", "setting", 0, detail)


def read_auto_dispatch(engine: Engine) -> bool | None:
    """The switch as stored; None when no seat or simulator has set it (or it holds nonsense)."""
    with engine.connect() as conn:
        value = conn.execute(select(city_meta.c.value).where(city_meta.c.key == AUTO_DISPATCH_KEY)).scalar()
    return {"1": True, "0": False}.get(str(value)) if value is not None else None
