"""`commandmap dispatch` (headless dispatch for integrations) and `commandmap device qr` (enrolling a phone)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from commandmap.cli import main
from commandmap.services.devices import DeviceDirectory
from commandmap.store import schema
from commandmap.store.migrate import open_store
from tests.mobile.scene import add_site_incident, build_scene


@pytest.fixture
def city(tmp_path):  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 's.sqlite3'}"
    engine = open_store(url)
    scene = build_scene(engine)
    add_site_incident(scene, 1, node=150)
    add_site_incident(scene, 2, node=250)
    yield url, engine, scene
    engine.dispose()


def _tasks(engine) -> list[tuple]:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(select(schema.task.c.incident_id, schema.task.c.officer_id,
                                                      schema.task.c.dispatched_by, schema.task.c.status))]


def test_dispatch_by_badge_then_a_conflict_is_one_line_and_exit_3(city, capsys) -> None:
    url, engine, _scene = city
    assert main(["dispatch", "--db", url, "--incident", "NB-20261125-0001", "--officer", "NB00002",
                 "--seat", "hotline-gw"]) == 0
    out = capsys.readouterr().out
    assert "dispatched to NB-20261125-0001" in out and "task 1" in out
    [(inc, off, by, status)] = _tasks(engine)
    assert (inc, off, status) == (1, 2, "dispatched") and by.endswith("@hotline-gw") and by.startswith("cli:")
    with engine.connect() as conn:
        route = conn.execute(select(schema.task.c.route_lonlat, schema.task.c.predicted_eta_s)).one()
    assert len(route.route_lonlat) >= 2 and route.predicted_eta_s > 0          # routed like the workstation
    # the same officer again, for the other incident: taken
    assert main(["dispatch", "--db", url, "--incident", "NB-20261125-0002", "--officer", "NB00002"]) == 3
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "conflict" in err[0] and "was dispatched to NB-20261125-0001" in err[0]
    # the incident again, to someone else: taken too
    assert main(["dispatch", "--db", url, "--incident", "NB-20261125-0001", "--officer", "NB00003"]) == 3
    assert "already dispatched" in capsys.readouterr().err
    assert len(_tasks(engine)) == 1


def test_dispatch_best_takes_the_recommenders_first_candidate(city, capsys) -> None:
    url, engine, _scene = city
    assert main(["dispatch", "--db", url, "--incident", "NB-20261125-0002", "--best"]) == 0
    assert "ETA" in capsys.readouterr().out
    assert main(["recommend", "--db", url, "--incident", "NB-20261125-0002", "--json"]) == 0
    [(inc, off, _by, _status)] = _tasks(engine)
    assert inc == 2 and off in (1, 2, 3)


@pytest.mark.parametrize("argv, message", [
    (["--incident", "NB-NOPE", "--officer", "NB00001"], "--incident NB-NOPE: no such incident"),
    (["--incident", "NB-20261125-0001", "--officer", "ghost"], "--officer ghost: no officer"),
    (["--incident", "NB-20261125-0001", "--officer", "NB00001", "--seat", "a b"], "--seat:"),
    (["--incident", "NB-20261125-0001", "--officer", "NB00001", "--widen"], "--widen goes with --best"),
])
def test_dispatch_bad_input_is_one_line_exit_2(city, capsys, argv, message) -> None:
    url, engine, _scene = city
    assert main(["dispatch", "--db", url, *argv]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0]
    assert _tasks(engine) == []


def test_dispatch_needs_exactly_one_of_officer_or_best(city) -> None:
    url, _engine, _scene = city
    for argv in (["--incident", "X"], ["--incident", "X", "--officer", "NB00001", "--best"]):
        with pytest.raises(SystemExit) as exc:
            main(["dispatch", "--db", url, *argv])
        assert exc.value.code == 2


def test_device_qr_issues_a_new_token_shown_only_in_its_output(city, capsys, tmp_path) -> None:
    url, engine, scene = city
    old = scene.tokens[1]
    assert main(["device", "qr", "dev-1", "--db", url, "--url", "http://10.0.0.5:5055/"]) == 0
    out = capsys.readouterr().out
    assert "NEW token" in out and "NB00001" in out and ("█" in out or "▀" in out)     # a terminal QR code
    link = out.strip().splitlines()[-1]
    match = re.fullmatch(r"http://10\.0\.0\.5:5055/m/([A-Za-z0-9_-]{40,})\?id=dev-1&accuracy=high&interval=30"
                         r"&distance=30&service=true", link)
    assert match, link
    token = match.group(1)
    directory = DeviceDirectory(engine, refresh_s=0.0)
    assert directory.grant(old) is None                                  # the previous token is dead
    grant = directory.grant(token)
    assert grant is not None and (grant.device_id, grant.officer_id) == ("dev-1", 1)
    with engine.connect() as conn:
        stored = " ".join(str(tuple(r)) for r in conn.execute(select(schema.device)))
        audit = conn.execute(select(schema.audit_event.c.action).order_by(schema.audit_event.c.id.desc())
                             .limit(2)).scalars().all()
    assert token not in stored and audit == ["device.add", "device.revoke"]
    png = tmp_path / "enrol.png"
    assert main(["device", "qr", "dev-1", "--db", url, "--out", str(png)]) == 0
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 200
    assert "http://127.0.0.1:5055/m/" in capsys.readouterr().out


@pytest.mark.parametrize("argv, message", [
    (["dev-1", "--url", "ftp://x"], "--url: 'ftp://x' must look like"),
    (["dev-1", "--url", "http://x:99999"], "--url:"),
    (["dev-1", "--out", "x.jpg"], "--out: 'x.jpg' must name a .png file"),
    (["ghost"], "device id: no active device 'ghost'"),
])
def test_device_qr_bad_input_issues_nothing(city, capsys, argv, message) -> None:
    url, engine, scene = city
    assert main(["device", "qr", *argv, "--db", url]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0]
    assert DeviceDirectory(engine, refresh_s=0.0).grant(scene.tokens[1]) is not None   # old token still works
