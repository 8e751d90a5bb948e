"""The app's seat identity: --user logs in through the users service; the wall is a viewer."""

from __future__ import annotations

import pytest

from commandmap.app import LaunchError, _log_in
from commandmap.domain.access import Actor, Role
from commandmap.services.users import add_user
from commandmap.services.workbench import Workbench


def test_user_wall_and_no_login(sqlite_engine) -> None:
    add_user(sqlite_engine, "zhang", "dispatcher", "a long enough secret", actor=Actor("root", Role.ADMINISTRATOR))
    assert _log_in(sqlite_engine, ("zhang", "a long enough secret"), False, "seat-2") == \
        Actor("zhang", Role.DISPATCHER, "seat-2")
    with pytest.raises(LaunchError, match="^--user: wrong user name or password$"):
        _log_in(sqlite_engine, ("zhang", "nope"), False, "seat-2")
    wall = _log_in(sqlite_engine, None, True, "wall-1")
    assert wall.role is Role.VIEWER
    bench = Workbench(sqlite_engine, None, seat="wall-1", clock=lambda: 0.0, crs="EPSG:32651", actor=wall)
    assert bench.read_only and bench.actor.label == "wall@wall-1"
    assert _log_in(sqlite_engine, None, False, "s") is None
