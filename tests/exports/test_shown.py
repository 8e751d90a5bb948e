"""Every recommendation a dispatcher saw is stored, with who was sent from it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, func, select

from commandmap.services.shown import shown_at, shown_for_task
from commandmap.services.workbench import Workbench
from commandmap.store import schema
from tests.services.conftest import DEMO_NOW


@pytest.fixture(scope="module")
def store(mini_city, tmp_path_factory, demo_home) -> Iterator[Engine]:
    from commandmap.services.demo.load import load_demo_into_store
    from commandmap.store.migrate import open_store

    engine = open_store(f"sqlite:///{tmp_path_factory.mktemp('shown') / 'city.sqlite3'}")
    load_demo_into_store(engine, mini_city)
    yield engine
    engine.dispose()


def _count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(schema.recommendation_shown)).scalar_one())


def test_the_list_shown_and_the_officer_sent_from_it_are_stored(store) -> None:
    t = [DEMO_NOW.timestamp() + 10]
    wb = Workbench(store, None, seat="seat-7", clock=lambda: t[0], crs="EPSG:32651")
    with store.connect() as conn:
        iid = conn.execute(select(schema.incident.c.id).where(schema.incident.c.status == "new")
                           .order_by(schema.incident.c.id).limit(1)).scalar_one()
    rec = wb.recommend(iid)
    assert len(rec.candidates) >= 2, rec.message
    wb.shown.flush()                       # a seat writes what it showed on its own thread
    assert _count(store) == 1
    t[0] += 5
    wb.recommend(iid)                      # the same list again: not stored twice
    wb.shown.flush()
    assert _count(store) == 1
    t[0] += 5
    second = rec.candidates[1]             # the dispatcher passes over the first candidate
    result = wb.dispatch(iid, second)
    assert result.ok, result.message
    sent_at = t[0]
    wb.shown.flush()
    listed = shown_for_task(store, result.task_id)
    assert listed is not None and listed.seat == "seat-7" and listed.incident_id == iid
    assert listed.chosen_officer_id == second.officer_id and listed.rank_of(second.officer_id) == 2
    first = listed.candidates[0]
    assert (first.officer_id, first.eta_s) == (rec.candidates[0].officer_id, round(rec.candidates[0].eta_s, 1))
    assert first.eta_s <= listed.candidates[1].eta_s          # "why not X": X was faster, and on the list
    assert listed.dispatched_at_s == pytest.approx(sent_at, abs=1e-3)
    assert listed.at_s == pytest.approx(DEMO_NOW.timestamp() + 10, abs=1e-3)
    # replay: at any moment, the list that was on screen then
    assert shown_at(store, DEMO_NOW.timestamp() + 9, [iid]) == {}
    assert shown_at(store, DEMO_NOW.timestamp() + 12, [iid])[iid].id == listed.id
