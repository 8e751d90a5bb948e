"""Roles are enforced inside the services, every denial is audited, logins lock after repeated failures."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from commandmap.domain.access import Actor, Role
from commandmap.services import lifecycle
from commandmap.services.authz import Forbidden
from commandmap.services.devices import add_device
from commandmap.services.dispatch import dispatch
from commandmap.services.users import (MAX_FAILURES, LoginFailed, add_user, check_password, hash_password,
                                       list_users, login, set_locked, set_password)
from commandmap.store import schema
from commandmap.store.audit import verify_audit_chain
from tests.live.citykit import CENTER, NOW_S, OfficerSpec, add_incident, build_city

LON, LAT = CENTER
ADMIN = Actor("root", Role.ADMINISTRATOR, "console")
PASSWORD = "correct horse battery"


@pytest.fixture
def city(store_engine):
    build_city(store_engine, [OfficerSpec(i, LON, LAT) for i in (1, 2)])
    with store_engine.begin() as conn:
        add_incident(conn, 41)
    return store_engine


def audit(engine) -> list[tuple[str, str, dict]]:
    with engine.connect() as conn:
        rows = conn.execute(select(schema.audit_event).order_by(schema.audit_event.c.id)).all()
    return [(r.actor, r.action, r.detail) for r in rows]


def count(engine, table) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def test_a_viewer_cannot_dispatch_the_service_refuses_and_audits_it(city) -> None:
    wall = Actor("wall", Role.VIEWER, "video-wall")
    res = dispatch(city, 41, 1, seat=wall, predicted_eta_s=60.0, now_s=NOW_S)
    assert not res.ok and res.conflict == "forbidden" and res.message == "wall (viewer) may not dispatch"
    assert count(city, schema.task) == 0
    assert audit(city)[-1][:2] == ("wall@video-wall", "denied")
    assert audit(city)[-1][2]["permission"] == "dispatch"


def test_a_dispatcher_dispatches_as_user_at_seat_and_an_analyst_cannot_cancel(city) -> None:
    who = Actor("zhang", Role.DISPATCHER, "seat-3")
    res = dispatch(city, 41, 1, seat=who, predicted_eta_s=60.0, now_s=NOW_S)
    assert res.ok
    with city.connect() as conn:
        assert conn.execute(select(schema.task.c.dispatched_by)).scalar_one() == "zhang@seat-3"
    refused = lifecycle.cancel(city, 41, actor=Actor("li", Role.ANALYST, "a1"), now_s=NOW_S)
    assert not refused.ok and refused.conflict == "forbidden"
    refused = lifecycle.reassign(city, res.task_id, 2, actor=Actor("v", Role.VIEWER), predicted_eta_s=9.0, now_s=NOW_S)
    assert not refused.ok and refused.conflict == "forbidden"
    assert [a[1] for a in audit(city)] == ["task.dispatch", "denied", "denied"]
    assert lifecycle.cancel(city, 41, actor=Actor("chief", Role.COMMANDER, "c1"), now_s=NOW_S).ok
    with city.connect() as conn:
        assert verify_audit_chain(conn).ok


def test_device_and_user_management_need_the_administrator(city) -> None:
    with pytest.raises(Forbidden):
        add_device(city, "phone", "1", actor=Actor("zhang", Role.DISPATCHER))
    with pytest.raises(Forbidden):
        add_user(city, "mallory", "commander", PASSWORD, actor=Actor("zhang", Role.COMMANDER))
    with pytest.raises(Forbidden):
        add_user(city, "mallory", "commander", PASSWORD, actor="simulator")   # automata manage nothing
    assert count(city, schema.device) == 0 and count(city, schema.app_user) == 0
    assert [a[1] for a in audit(city)] == ["denied", "denied", "denied"]


def test_passwords_are_scrypt_hashes() -> None:
    stored = hash_password(PASSWORD)
    assert stored.startswith("scrypt$16384$8$1$") and PASSWORD not in stored
    assert check_password(stored, PASSWORD) and not check_password(stored, PASSWORD + "!")
    assert hash_password(PASSWORD) != stored            # salted


def test_login_audits_and_locks_after_repeated_failures(city) -> None:
    add_user(city, "zhang", "dispatcher", PASSWORD, actor=ADMIN)
    actor = login(city, "zhang", PASSWORD, seat="seat-1")
    assert actor == Actor("zhang", Role.DISPATCHER, "seat-1")
    for _ in range(MAX_FAILURES):
        with pytest.raises(LoginFailed, match="wrong user name or password"):
            login(city, "zhang", "guess", seat="seat-1")
    with pytest.raises(LoginFailed, match="locked"):
        login(city, "zhang", PASSWORD, seat="seat-1")        # even the right password now
    with pytest.raises(LoginFailed, match="wrong user name or password"):
        login(city, "nobody", PASSWORD, seat="seat-1")
    actions = [a[1] for a in audit(city)]
    assert actions == ["user.add", "login"] + ["login.failed"] * MAX_FAILURES + ["user.lock", "login.failed",
                                                                                  "login.failed"]
    assert list_users(city)[0].locked
    set_password(city, "zhang", "another long secret", actor=ADMIN)      # unlocks
    assert login(city, "zhang", "another long secret", seat="s").role is Role.DISPATCHER
    set_locked(city, "zhang", True, actor=ADMIN)
    with pytest.raises(LoginFailed, match="locked"):
        login(city, "zhang", "another long secret", seat="s")


@pytest.mark.parametrize("name, role, password, message", [
    ("a b", "viewer", PASSWORD, "user name"), ("x", "system", PASSWORD, "role"), ("x", "boss", PASSWORD, "role"),
    ("x", "viewer", "short", "password"),
])
def test_bad_accounts_are_refused_with_the_field(city, name, role, password, message) -> None:
    from commandmap.errors import UserError
    with pytest.raises(UserError, match=f"^{message}"):
        add_user(city, name, role, password, actor=ADMIN)
