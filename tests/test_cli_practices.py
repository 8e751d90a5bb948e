"""`commandmap draw | plan-inspection | coverage | kpi` on a copy of the mini demo store."""

from __future__ import annotations

import json
import sqlite3

import pytest

from commandmap.cli import main
from tests.services.conftest import demo_home, mini_city, mini_store  # noqa: F401 - session fixtures


@pytest.fixture()
def url(mini_store, tmp_path) -> str:  # noqa: F811
    dst = tmp_path / "mini.sqlite3"
    src, out = sqlite3.connect(mini_store.url.database), sqlite3.connect(dst)
    src.backup(out)
    src.close()
    out.close()
    return f"sqlite:///{dst}"


def test_draw_twice_gives_a_byte_identical_list(url, tmp_path, capsys) -> None:
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    args = ["draw", "--db", url, "--seed", "42", "--sites", "6", "--inspectors", "2", "--category", "餐饮",
            "--as-of", "2026-11-26"]
    assert main([*args, "--out", str(a)]) == 0
    assert main([*args, "--out", str(b), "--no-record"]) == 0
    assert a.read_bytes() == b.read_bytes()
    lines = a.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("seed,as_of,registry_version") and len(lines) == 1 + 6 * 2
    assert main([*args[:4], "43", *args[5:], "--out", str(b)]) == 0
    assert a.read_bytes() != b.read_bytes()


@pytest.mark.parametrize("argv, message", [
    (["draw", "--seed", "1", "--sites", "2", "--inspectors", "5000"], "qualify"),
    (["draw", "--seed", "1", "--sites", "2", "--inspectors", "2", "--category", "nope"], "not a site category"),
    (["draw", "--seed", "1", "--sites", "2", "--inspectors", "2", "--district", "nowhere"], "no such district"),
    (["draw", "--seed", "1", "--sites", "2", "--inspectors", "1"], "at least 2"),
    (["plan-inspection", "--sites", "1,999999"], "no site with id 999999"),
    (["plan-inspection", "--sites", "1,x"], "not an id"),
    (["coverage", "--minutes", "0"], "--minutes"),
    (["kpi", "--from", "2026-12-01", "--to", "2026-11-01"], "not before"),
])
def test_bad_requests_say_one_line_and_exit_2(url, tmp_path, capsys, argv, message) -> None:
    out = ["--out", str(tmp_path / "x.csv")] if argv[0] == "draw" else []
    assert main([argv[0], "--db", url, *argv[1:], *out]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1 and "Traceback" not in err
    assert not (tmp_path / "x.csv").exists()


def test_plan_coverage_and_kpi_print_json(url, capsys) -> None:
    assert main(["plan-inspection", "--db", url, "--sites", "1,2,3", "--json"]) == 0
    plan = json.loads(capsys.readouterr().out)
    assert sorted(s["site_id"] for s in plan["route"]) == [1, 2, 3] and plan["team"]
    assert plan["visits_avoided"] == plan["separate_visits"] - 3
    assert main(["coverage", "--db", url, "--minutes", "5", "--moves", "3", "--json"]) == 0
    cov = json.loads(capsys.readouterr().out)
    assert 0 < cov["sites_share"] <= 1 and len(cov["moves"]) == 3
    assert cov["sites_share_after_moves"] > cov["sites_share"]
    assert main(["kpi", "--db", url, "--from", "2025-11-25", "--to", "2026-11-26", "--json"]) == 0
    k = json.loads(capsys.readouterr().out)
    assert k["inspections"] > 0 and 0 < k["cross_department_rate"] < 1
    assert k["visits_avoided"] > 0 and sum(k["cases_by_domain"].values()) > 0


def _machine_has_cjk_font() -> bool:
    import shutil
    import subprocess
    if shutil.which("fc-list") is None:
        return False
    out = subprocess.run(["fc-list", ":lang=zh"], capture_output=True, text=True, check=False).stdout
    return "CJK" in out


def test_draw_and_plan_export_pdf(url, tmp_path) -> None:
    pdf = tmp_path / "draw.pdf"
    assert main(["draw", "--db", url, "--seed", "5", "--sites", "3", "--inspectors", "2",
                 "--out", str(tmp_path / "d.csv"), "--pdf", str(pdf)]) == 0
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF")
    if _machine_has_cjk_font():
        assert b"CJK" in data   # the Chinese names are set in a CJK font, not boxes
    plan_pdf = tmp_path / "plan.pdf"
    assert main(["plan-inspection", "--db", url, "--sites", "1,2,3", "--pdf", str(plan_pdf)]) == 0
    assert plan_pdf.read_bytes().startswith(b"%PDF")


def test_whistle_raise_accept_escalate(url, capsys) -> None:
    assert main(["whistle", "raise", "--db", url, "--grid", "3", "--category", "占道经营",
                 "--accept-within", "0.0001"]) == 0
    first = int(capsys.readouterr().out.split()[1].rstrip(":"))
    assert main(["whistle", "raise", "--db", url, "--grid", "4", "--category", "占道经营"]) == 0
    second = int(capsys.readouterr().out.split()[1].rstrip(":"))
    assert main(["whistle", "accept", "--db", url, "--incident", str(second)]) == 0
    capsys.readouterr()
    import time
    deadline = time.monotonic() + 5.0
    while True:  # the first one's 6 ms clock runs out; poll, no fixed sleep
        assert main(["whistle", "escalate", "--db", url]) == 0
        out = capsys.readouterr().out
        if str(first) in out or time.monotonic() > deadline:
            break
    assert out.startswith("1 whistle(s) escalated") and str(first) in out
    assert main(["whistle", "accept", "--db", url, "--incident", str(second)]) == 2
    assert "already accepted" in capsys.readouterr().err
    assert main(["whistle", "raise", "--db", url, "--grid", "999999", "--category", "占道经营"]) == 2


def test_plan_inspection_dispatch_sends_the_team_as_tasks(url, capsys) -> None:
    from sqlalchemy import create_engine, select

    from commandmap.store import schema

    assert main(["plan-inspection", "--db", url, "--sites", "1,2,3", "--dispatch", "--by", "seat 7", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    sent = out["dispatch"]
    assert sent["ok"] and len(sent["task_ids"]) == len(out["team"]) and out["plan_id"]
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(select(schema.task.c.kind, schema.task.c.plan_id, schema.task.c.incident_id,
                                       schema.task.c.dispatched_by)
                                .where(schema.task.c.id.in_(sent["task_ids"]))).all()
            team_status = conn.execute(select(schema.officer.c.status).where(
                schema.officer.c.id.in_([m["officer_id"] for m in out["team"]]))).scalars().all()
    finally:
        engine.dispose()
    assert {(r.kind, r.plan_id, r.incident_id, r.dispatched_by) for r in rows} == {
        ("inspection", out["plan_id"], None, "seat 7")}
    assert set(team_status) == {"dispatched"}
    assert main(["plan-inspection", "--db", url, "--sites", "1,2,3", "--dispatch", "--by", " "]) == 2
    assert "--by" in capsys.readouterr().err


def test_coverage_send_move_ups_repositions_officers(url, capsys) -> None:
    assert main(["coverage", "--db", url, "--moves", "3", "--send-move-ups", "2", "--json"]) == 0
    cov = json.loads(capsys.readouterr().out)
    assert [s["ok"] for s in cov["sent"]] == [True, True] and all(len(s["task_ids"]) == 1 for s in cov["sent"])
    assert main(["coverage", "--db", url, "--send-move-ups", "-1"]) == 2
    assert "--send-move-ups" in capsys.readouterr().err
    assert main(["coverage", "--db", url, "--moves", "2", "--send-move-ups", "1"]) == 0
    text = capsys.readouterr().out
    assert "sent: officer" in text and "moved up by cli" in text


def test_a_dispatched_plan_worked_to_the_end_grows_commandmap_kpi_by_what_it_promised(url, capsys) -> None:
    """plan-inspection --dispatch, then every team member accepts, arrives and resolves at each site
    (the lifecycle path of a phone or a seat): `commandmap kpi` counts one more inspection per site and
    exactly the visits the plan said it would avoid."""
    from sqlalchemy import select

    from commandmap.services import lifecycle
    from commandmap.store import schema
    from commandmap.store.migrate import open_store

    assert main(["kpi", "--db", url, "--json"]) == 0
    before = json.loads(capsys.readouterr().out)
    assert main(["plan-inspection", "--db", url, "--sites", "1,2,3", "--dispatch", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["dispatch"]["ok"]
    engine = open_store(url)
    open_ = ["dispatched", "acknowledged", "en_route", "on_scene"]
    steps = 0
    try:
        while True:
            with engine.connect() as conn:
                tasks = conn.execute(select(schema.task.c.id, schema.task.c.officer_id).where(
                    schema.task.c.plan_id == out["plan_id"], schema.task.c.status.in_(open_))).all()
            if not tasks:
                break
            for t in tasks:
                for step in (lifecycle.acknowledge, lifecycle.arrive, lifecycle.resolve):
                    assert step(engine, t.id, actor=f"officer {t.officer_id}").ok
            steps += 1
            assert steps <= 3, "one round per site"
        with engine.connect() as conn:
            status = conn.execute(select(schema.inspection_plan.c.status).where(
                schema.inspection_plan.c.id == out["plan_id"])).scalar_one()
    finally:
        engine.dispose()
    assert steps == 3 and status == "done"
    assert main(["kpi", "--db", url, "--json"]) == 0
    after = json.loads(capsys.readouterr().out)
    assert after["inspections"] - before["inspections"] == 3
    assert after["visits_avoided"] - before["visits_avoided"] == out["visits_avoided"] > 0
    assert after["joint_inspections"] - before["joint_inspections"] == sum(
        len(s["departments"]) >= 2 for s in out["route"])
