"""The task page over plain HTTP (no browser): who may see and act, and what a stale tap does."""

from __future__ import annotations

import json

from sqlalchemy import select

from commandmap.domain.access import Actor, Role
from commandmap.services import lifecycle
from commandmap.services.board import Board
from commandmap.services.devices import revoke_device
from commandmap.services.feeds.mobile_html import pick_language
from commandmap.services.sla import incident_stages
from commandmap.domain.kpi import response_kpis
from commandmap.store.schema import audit_event, task
from tests.mobile.scene import SEAT, add_site_incident, build_scene, dispatch_to
from tests.services.feeds.server_kit import Client, running

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def _status(engine, task_id: int) -> str:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return str(conn.execute(select(task.c.status).where(task.c.id == task_id)).scalar_one())


def _audit_count(engine) -> int:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return len(conn.execute(select(audit_event.c.id)).all())


def _tap(client: Client, token: str, task_id: int, action: str, note: str = "") -> tuple[int, str]:
    client.conn.request("POST", f"/m/{token}/task/{task_id}/{action}", body=f"note={note}".encode(), headers=FORM)
    resp = client.conn.getresponse()
    resp.read()
    return resp.status, resp.getheader("Location") or ""


def test_page_shows_only_the_officers_own_task_and_a_tap_goes_through_the_lifecycle(store_engine) -> None:
    scene = build_scene(store_engine)
    add_site_incident(scene, 1, node=150)
    tid = dispatch_to(scene, 1, 1)
    with running(store_engine) as service:
        client = Client(service.port)
        status, page = client.send("GET", f"/m/{scene.tokens[1]}")
        assert status == 200 and "NB-20261125-0001" in page and "接单" in page and "中山西路138号" in page
        assert "区1 › 街道11 › 网格111" in page and "geo:" in page and "<svg" in page
        assert "http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")   # nothing to fetch
        status, other = client.send("GET", f"/m/{scene.tokens[2]}")        # officer 2 has no task
        assert status == 200 and "NB-20261125-0001" not in other and "暂无任务" in other
        code, where = _tap(client, scene.tokens[1], tid, "ack", note="已到路口")
        assert code == 303 and where == f"/m/{scene.tokens[1]}?r=done&a=ack"
        _, page = client.send("GET", where)
        assert "已接单 ✓" in page
        client.close()
    assert _status(store_engine, tid) == "acknowledged"
    ack = [e for e in Board(store_engine).timeline() if e.action == "task.acknowledge"][0]
    assert ack.actor == "officer NB00001@phone dev-1" and ack.via_phone and ack.detail["note"] == "已到路口"
    assert ack.took_s is not None and 0 <= ack.took_s < 60
    # the 1-minute contact rate counts the phone's acknowledgement
    stages = [s for _, _, s in incident_stages(store_engine).values()]
    kpis = response_kpis(stages, scene.now_s + 3600)
    assert kpis.contact.met == kpis.contact.decided == 1


def test_wrong_revoked_and_other_officers_tokens_get_the_same_401(store_engine) -> None:
    scene = build_scene(store_engine)
    add_site_incident(scene, 1, node=150)
    tid = dispatch_to(scene, 1, 1)
    revoke_device(store_engine, "dev-3", actor=Actor("admin", Role.ADMINISTRATOR, "test"))
    before = _audit_count(store_engine)
    with running(store_engine) as service:
        client = Client(service.port)
        bodies = set()
        for path, method in ((f"/m/{'x' * 43}", "GET"), (f"/m/{scene.tokens[3]}", "GET"), ("/m/", "GET"),
                             (f"/m/{scene.tokens[3]}/task/{tid}/ack", "POST"),
                             (f"/m/{scene.tokens[2]}/task/{tid}/ack", "POST"),      # another officer's task
                             (f"/m/{scene.tokens[2]}/task/999/ack", "POST"),       # no such task
                             (f"/m/{'y' * 43}/events", "GET")):
            status, body = client.send(method, path, body=b"note=" if method == "POST" else None,
                                       headers=FORM if method == "POST" else {})
            assert status == 401, (path, status)
            bodies.add(body)
        assert len(bodies) == 1
        client.close()
    assert _status(store_engine, tid) == "dispatched" and _audit_count(store_engine) == before


def test_double_out_of_order_and_stale_taps_change_nothing_and_say_the_real_state(store_engine) -> None:
    scene = build_scene(store_engine)
    add_site_incident(scene, 1, node=150)
    tid = dispatch_to(scene, 1, 1)
    with running(store_engine) as service:
        client = Client(service.port)
        token = scene.tokens[1]
        for action in ("arrived", "en_route", "resolved"):          # before accepting: mis-taps
            code, where = _tap(client, token, tid, action)
            assert code == 303 and "r=same" in where and "s=dispatched" in where, where
        assert _status(store_engine, tid) == "dispatched"
        assert _tap(client, token, tid, "ack")[1].endswith("r=done&a=ack")
        audits = _audit_count(store_engine)
        code, where = _tap(client, token, tid, "ack")                  # double submit
        assert "r=same" in where and "s=acknowledged" in where
        _, page = client.send("GET", where)
        assert "未更改：任务当前为「已接单」" in page
        _, page = client.send("GET", where, headers={"Accept-Language": "en-GB,en;q=0.9,zh;q=0.5"})
        assert "Nothing changed: the task is accepted" in page
        assert _audit_count(store_engine) == audits and _status(store_engine, tid) == "acknowledged"
        # the task is reassigned meanwhile: the old task's buttons change nothing
        moved = lifecycle.reassign(store_engine, tid, 2, actor=SEAT, predicted_eta_s=100.0)
        assert moved.ok, moved.message
        code, where = _tap(client, token, tid, "en_route")
        assert "r=same" in where and "s=reassigned" in where
        _, page = client.send("GET", where)
        assert "已改派" in page and "暂无任务" in page
        assert _status(store_engine, tid) == "reassigned"
        client.close()


def test_events_stream_sends_the_task_signature_and_a_new_one_after_a_dispatch(sqlite_engine) -> None:
    scene = build_scene(sqlite_engine)
    add_site_incident(scene, 1, node=150)
    with running(sqlite_engine) as service:
        client = Client(service.port)
        client.conn.request("GET", f"/m/{scene.tokens[1]}/events")
        resp = client.conn.getresponse()
        assert resp.status == 200 and resp.getheader("Content-Type", "").startswith("text/event-stream")

        def next_data() -> dict:
            while True:
                line = resp.fp.readline().decode()
                if line.startswith("data: "):
                    return json.loads(line[6:])

        assert next_data() == {"sig": "none"}
        tid = dispatch_to(scene, 1, 1)
        assert next_data() == {"sig": f"{tid}.1"}
        client.conn.close()


def test_a_position_sent_to_the_page_url_is_a_position_report(sqlite_engine) -> None:
    """Traccar Client configured from the QR code posts its JSON to /m/<token>."""
    scene = build_scene(sqlite_engine)
    with running(sqlite_engine) as service:
        client = Client(service.port)
        doc = {"device_id": "dev-1", "location": {"timestamp": "2026-11-25T06:00:00Z",
                                                  "coords": {"latitude": 29.87, "longitude": 121.55}}}
        status, _ = client.send("POST", f"/m/{scene.tokens[1]}", body=json.dumps(doc).encode(),
                                headers={"Content-Type": "application/json"})
        assert status == 200
        status, _ = client.send("POST", f"/m/{scene.tokens[2]}", body=json.dumps(doc).encode(),
                                headers={"Content-Type": "application/json"})
        assert status == 401                         # another device's token: the feed refuses it
        client.close()


def test_language_from_accept_language() -> None:
    assert pick_language(None) == "zh" and pick_language("") == "zh"
    assert pick_language("en-US,en;q=0.9") == "en"
    assert pick_language("zh-CN,zh;q=0.9,en;q=0.8") == "zh"
    assert pick_language("en;q=0.5,zh;q=0.8") == "zh"
    assert pick_language("fr-FR,en;q=0.7") == "en"
    assert pick_language("de-DE") == "zh"


def test_requests_are_rate_limited_per_token_and_failed_tokens_per_address(sqlite_engine) -> None:
    from commandmap.services.feeds.ticks import RateLimiter

    scene = build_scene(sqlite_engine)
    with running(sqlite_engine) as service:
        assert service.pages is not None
        service.pages.limiter = RateLimiter(rate_per_s=0.001, burst=3)
        service.pages.failures = RateLimiter(rate_per_s=0.001, burst=2)
        client = Client(service.port)
        assert [client.send("GET", f"/m/{scene.tokens[1]}")[0] for _ in range(4)] == [200, 200, 200, 429]
        assert client.send("GET", f"/m/{scene.tokens[2]}")[0] == 200          # another phone has its own budget
        assert [client.send("GET", f"/m/{'z' * 43}")[0] for _ in range(3)] == [401, 401, 429]
        client.close()


def test_a_form_too_large_or_a_strange_path_changes_nothing(sqlite_engine) -> None:
    scene = build_scene(sqlite_engine)
    add_site_incident(scene, 1, node=150)
    tid = dispatch_to(scene, 1, 1)
    with running(sqlite_engine) as service:
        client = Client(service.port)
        token = scene.tokens[1]
        assert client.send("POST", f"/m/{token}/task/{tid}/ack", body=b"note=" + b"x" * 5000, headers=FORM)[0] == 413
        assert client.send("POST", f"/m/{token}/task/{tid}/close", body=b"", headers=FORM)[0] == 404
        assert client.send("POST", f"/m/{token}/task/1e3/ack", body=b"", headers=FORM)[0] == 404
        assert client.send("GET", f"/m/{token}/task/{tid}/ack")[0] == 404       # a step is a POST
        client.close()
    assert _status(sqlite_engine, tid) == "dispatched"


def test_an_inspection_task_shows_its_site_and_checks_and_the_phones_tap_moves_the_tour_on(store_engine) -> None:
    """The phone shows an inspection as what it is (plan, stop k of n, the site, the items to check; no
    incident code, no response clocks), and 检查完毕 there — the lifecycle's resolve — sends the officer
    on to the next site in the same step, so the page then shows stop 2."""
    from commandmap.services.assignments import dispatch_plan
    from commandmap.services.clock import from_epoch
    from commandmap.store import schema
    from commandmap.store.changes import record_change

    scene = build_scene(store_engine)
    with store_engine.begin() as conn:
        for sid, node, name in ((31, 150, "老街面馆"), (32, 170, "河畔小吃")):
            lon, lat = (float(v) for v in scene.graph.node_lonlat[node])  # type: ignore[attr-defined]
            conn.execute(schema.site.insert().values(id=sid, name=name, category="catering", domain="food",
                                                     address=f"县前街{sid}号", risk_level=2, grid_id=111,
                                                     lon=lon, lat=lat))
        conn.execute(schema.inspection_plan.insert().values(
            id=3, name="综合查一次 县前街", kind="joint", created_at=from_epoch(scene.now_s), created_by="planner",
            status="planned", detail={"team": [{"officer_id": 1}]}))
        for k, sid in enumerate((31, 32)):
            conn.execute(schema.inspection_item.insert().values(
                plan_id=3, site_id=sid, officer_id=1, department_ids=[1], sequence=k, status="planned",
                check_items=["catering.licence", "catering.kitchen"]))
        record_change(conn, "inspection_plan", 3, "insert")
    res = dispatch_plan(store_engine, 3, scene.graph, seat=SEAT, now_s=scene.now_s)
    assert res.ok, res.message
    (tid,) = res.task_ids
    with running(store_engine) as service:
        client = Client(service.port)
        status, page = client.send("GET", f"/m/{scene.tokens[1]}")
        assert status == 200 and 'data-kind="inspection"' in page
        assert "综合查一次 县前街" in page and "老街面馆" in page and "县前街31号" in page and "第 1/2 站" in page
        assert "食品经营许可证亮证经营" in page and "后厨环境卫生与虫害防治" in page, "the items in words"
        assert "1分钟联系" not in page and "5分钟到场" not in page, "no response clocks on an inspection"
        assert "检查完毕" in page and "区1 › 街道11 › 网格111" in page
        for action in ("ack", "arrived"):
            assert _tap(client, scene.tokens[1], tid, action)[0] == 303
        code, where = _tap(client, scene.tokens[1], tid, "resolved", note="两项合格")
        assert code == 303 and where.endswith("r=done&a=resolved")
        _, page = client.send("GET", where)
        assert "河畔小吃" in page and "第 2/2 站" in page and "待接单" in page, "the next site, awaiting acceptance"
        status, page = client.send("GET", f"/m/{scene.tokens[1]}", headers={"Accept-Language": "en"})
        assert "Joint inspection" in page and "2 of 2" in page and "Food business licence displayed" in page
        client.close()
    assert _status(store_engine, tid) == "completed"
    with store_engine.connect() as conn:
        rec = conn.execute(select(schema.inspection_record.c.site_id, schema.inspection_record.c.officer_ids)).all()
        audit = conn.execute(select(audit_event.c.actor, audit_event.c.detail).where(
            audit_event.c.action == "task.complete")).one()
    assert [tuple(r) for r in rec] == [(31, [1])]
    assert audit.actor.startswith("officer ") and audit.detail["note"] == "两项合格"
    assert audit.detail["inspection"]["stop"] == 1 and audit.detail["inspection"]["next_task"] is not None


def test_a_move_up_shows_on_the_phone_as_a_point_to_go_to(sqlite_engine) -> None:
    """A move-up (no incident) used to leave the phone saying "no task"; it now shows where to go."""
    from commandmap.services.assignments import plan_legs, send_move_up

    scene = build_scene(sqlite_engine)
    target = tuple(float(v) for v in scene.graph.node_lonlat[120])  # type: ignore[attr-defined]
    (leg,) = plan_legs(sqlite_engine, scene.graph, target, [2])
    assert send_move_up(sqlite_engine, leg, seat=SEAT, now_s=scene.now_s).ok
    with running(sqlite_engine) as service:
        client = Client(service.port)
        status, page = client.send("GET", f"/m/{scene.tokens[2]}")
        client.close()
    assert status == 200 and "暂无任务" not in page and 'data-kind="move_up"' in page
    assert "前置调度" in page and "前往前置点位" in page and "接单" in page and "<svg" in page
    assert f"{target[1]:.5f}, {target[0]:.5f}" in page, "no address: the point itself"
