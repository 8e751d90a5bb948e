"""The ingest path on real stores: verdicts stored, only good fixes move officers, one transaction."""

from __future__ import annotations

import numpy as np
import pytest
from sqlalchemy import func, select

from commandmap.domain.enums import FixVerdict as V
from commandmap.domain.position_batch import PositionBatch
from commandmap.services.clock import to_epoch
from commandmap.services.ingest import FixBatch, FixIngestor
from commandmap.store import schema
from commandmap.store.changes import changes_since, latest_seq
from tests.live.citykit import CENTER, NOW_S, OfficerSpec, build_city

LON, LAT = CENTER


def east(m: float) -> float:
    return m / (111_320.0 * np.cos(np.radians(LAT)))


def batch(rows, source="simulator") -> FixBatch:
    return FixBatch(np.array([r[0] for r in rows]), np.array([r[1] for r in rows], float),
                    np.array([r[2] for r in rows], float), np.array([r[3] for r in rows], float),
                    accuracy_m=np.full(len(rows), 8.0), source=source)


def positions(engine) -> dict[int, tuple[float, float, float]]:
    with engine.connect() as conn:
        rows = conn.execute(select(schema.officer_position)).all()
    return {r.officer_id: (r.lon, r.lat, to_epoch(r.fix_time)) for r in rows}


def packed_batches(engine) -> dict[int, PositionBatch]:
    with engine.connect() as conn:
        rows = conn.execute(select(schema.position_batch.c.seq, schema.position_batch.c.officers,
                                   schema.position_batch.c.payload)).all()
    out = {r.seq: PositionBatch.from_bytes(r.payload) for r in rows}
    assert all(len(out[r.seq]) == r.officers for r in rows)
    return out


def fix_rows(engine) -> list[tuple[int, float, str]]:
    with engine.connect() as conn:
        rows = conn.execute(select(schema.position_fix).order_by(schema.position_fix.c.officer_id,
                                                             schema.position_fix.c.fix_time)).all()
    return [(r.officer_id, to_epoch(r.fix_time), r.verdict) for r in rows]


@pytest.fixture
def city(store_engine):
    build_city(store_engine, [OfficerSpec(1, LON, LAT, mode="foot", fix_age_s=60),
                              OfficerSpec(2, LON, LAT, mode="car", fix_age_s=60),
                              OfficerSpec(3, LON, LAT, mode="ebike", fix_age_s=None)])
    return store_engine


def test_verdicts_are_stored_and_only_good_fixes_move(city) -> None:
    ing = FixIngestor(city, clock=lambda: NOW_S)
    seq0 = ing_seq(city)
    rep = ing.ingest(batch([
        (1, LON + east(30), LAT, NOW_S - 30),     # good
        (2, LON + east(3000), LAT, NOW_S - 50),   # 3 km in 10 s by car: jump
        (3, LON, LAT, NOW_S - 5),                 # first fix ever: good
        (1, 0.0, 0.0, NOW_S - 20),                # null island: not stored
        (1, LON, LAT, NOW_S + 3600),              # future: stored, never moves
        (77, LON, LAT, NOW_S),                    # unknown device: not stored
        (2, LON, LAT, NOW_S - 90),                # older than the last good fix: out of order
    ]))
    assert [rep.verdict(i) for i in range(7)] == [V.GOOD, V.JUMP, V.GOOD, V.NULL_ISLAND, V.FUTURE,
                                                  V.UNKNOWN_DEVICE, V.OUT_OF_ORDER]
    assert sorted(rep.moved_officer_ids.tolist()) == [1, 3]
    stored = fix_rows(city)
    assert sorted((o, v) for o, _, v in stored) == [(1, "future"), (1, "good"), (2, "jump"), (2, "out_of_order"),
                                                    (3, "good")]
    pos = positions(city)
    assert pos[1][0] == pytest.approx(LON + east(30)) and pos[1][2] == pytest.approx(NOW_S - 30)
    assert pos[2][0] == pytest.approx(LON) and pos[2][2] == pytest.approx(NOW_S - 60), "jump must not move"
    assert pos[3][2] == pytest.approx(NOW_S - 5)
    with city.connect() as conn:
        changes = changes_since(conn, seq0)
    assert [(c.entity, c.entity_id, c.op) for c in changes] == [("position_batch", changes[0].seq, "insert")], \
        "one change row per ingest, naming the packed batch it announces"
    with city.connect() as conn:
        moved = conn.execute(select(schema.position_batch.c.officers)
                             .where(schema.position_batch.c.seq == changes[0].entity_id)).scalar_one()
    assert moved == 2, "the batch row counts the officers moved"
    packed = packed_batches(city)[changes[0].seq]
    assert packed.officer_id.tolist() == [1, 3]
    np.testing.assert_allclose(packed.lon, [LON + east(30), LON])
    np.testing.assert_allclose(packed.fix_time_s, [NOW_S - 30, NOW_S - 5], atol=1e-6)
    assert np.isnan(packed.heading_deg).all(), "no heading reported: NaN in the packed copy, NULL in the table"


def ing_seq(engine) -> int:
    with engine.connect() as conn:
        return latest_seq(conn)


def test_duplicate_batch_is_a_no_op(city) -> None:
    ing = FixIngestor(city, clock=lambda: NOW_S)
    b = batch([(1, LON + east(10), LAT, NOW_S - 40), (2, LON + east(10), LAT, NOW_S - 40)])
    ing.ingest(b)
    before, seq = fix_rows(city), ing_seq(city)
    rep = ing.ingest(b)
    assert rep.counts == {V.DUPLICATE: 2}
    assert fix_rows(city) == before
    assert ing_seq(city) == seq, "a no-op batch must not wake every seat"
    # a fresh ingestor (restart) learns the last fixes from the store and still sees duplicates
    rep2 = FixIngestor(city, clock=lambda: NOW_S).ingest(b)
    assert rep2.counts == {V.DUPLICATE: 2}
    assert fix_rows(city) == before


def test_confirmed_jump_relabels_the_stored_fix_and_moves(city) -> None:
    ing = FixIngestor(city, clock=lambda: NOW_S)
    ing.ingest(batch([(2, LON + east(3000), LAT, NOW_S - 50)]))
    rep = ing.ingest(batch([(2, LON + east(3100), LAT, NOW_S - 45)]))
    assert rep.verdict(0) is V.GOOD and rep.confirmed_jumps == 1
    assert [v for o, _, v in fix_rows(city) if o == 2] == ["good", "good"]
    assert positions(city)[2][0] == pytest.approx(LON + east(3100))


def test_packed_batch_holds_exactly_what_moved_officers_in_the_table(city) -> None:
    ing = FixIngestor(city, clock=lambda: NOW_S)
    seq0 = ing_seq(city)
    b = batch([(1, LON + east(5), LAT, NOW_S - 20), (2, LON + east(9), LAT, NOW_S - 20),
               (1, LON + east(8), LAT, NOW_S - 18), (3, 0.0, 0.0, NOW_S - 20)])
    ing.ingest(FixBatch(b.officer_id, b.lon, b.lat, b.fix_time_s, heading_deg=np.array([10.0, 20.0, 30.0, 40.0])))
    with city.connect() as conn:
        (change,) = changes_since(conn, seq0)
    packed = packed_batches(city)[change.seq]
    table = positions(city)
    assert sorted(packed.officer_id.tolist()) == [1, 2], "officer 1 once (its newest fix), null island not at all"
    for k, oid in enumerate(packed.officer_id.tolist()):
        assert (packed.lon[k], packed.lat[k]) == pytest.approx(table[oid][:2])
        assert packed.fix_time_s[k] == pytest.approx(table[oid][2], abs=1e-6)
    assert dict(zip(packed.officer_id.tolist(), packed.heading_deg.tolist())) == {1: 30.0, 2: 20.0}


def test_old_packed_batches_are_pruned(city) -> None:
    ing = FixIngestor(city, clock=lambda: NOW_S, batch_keep_s=0.0)
    ing.ingest(batch([(1, LON + east(5), LAT, NOW_S - 20)]))
    assert packed_batches(city) == {}, "kept for 0 s: pruned right after the write"
    assert positions(city)[1][0] == pytest.approx(LON + east(5)), "pruning never touches the positions"


def test_two_writers_never_move_an_officer_back_in_time(city) -> None:
    a = FixIngestor(city, clock=lambda: NOW_S)
    b = FixIngestor(city, clock=lambda: NOW_S)
    a.ingest(batch([(1, LON + east(20), LAT, NOW_S - 10)]))
    # b has not seen a's fix: it judges an older fix good, but the store keeps the newer one
    rep = b.ingest(batch([(1, LON, LAT, NOW_S - 20)]))
    assert rep.verdict(0) is V.GOOD
    assert positions(city)[1][2] == pytest.approx(NOW_S - 10)


def test_failed_write_does_not_advance_the_validator(city, monkeypatch) -> None:
    ing = FixIngestor(city, clock=lambda: NOW_S)

    def boom(*a, **k):
        raise RuntimeError("disk full")
    monkeypatch.setattr(ing, "_write_pg" if city.dialect.name == "postgresql" else "_write_sqlite", boom)
    with pytest.raises(RuntimeError):
        ing.ingest(batch([(1, LON + east(20), LAT, NOW_S - 10)]))
    monkeypatch.undo()
    rep = ing.ingest(batch([(1, LON + east(20), LAT, NOW_S - 10)]))
    assert rep.verdict(0) is V.GOOD, "the fix was never stored, so it is not a duplicate"
    with city.connect() as conn:
        assert conn.execute(select(func.count()).select_from(schema.position_fix)).scalar_one() == 1


def test_batch_rejects_mismatched_columns() -> None:
    with pytest.raises(ValueError, match="FixBatch.lat has 1 values"):
        FixBatch(np.array([1, 2]), np.array([1.0, 2.0]), np.array([1.0]), np.array([1.0, 2.0]))


def test_a_failed_prune_never_fails_the_stored_batch(city, monkeypatch, caplog) -> None:
    from sqlalchemy.exc import OperationalError

    import commandmap.services.ingest as ingest_mod

    def boom(*a, **k):
        raise OperationalError("DELETE FROM position_batch", {}, Exception("disk I/O error"))
    monkeypatch.setattr(ingest_mod, "delete", boom)
    ing = FixIngestor(city, clock=lambda: NOW_S, batch_keep_s=0.0)
    rep = ing.ingest(batch([(1, LON + east(5), LAT, NOW_S - 20)]))
    assert rep.moved_officer_ids.tolist() == [1]
    assert "pruning old position batches failed" in caplog.text and "disk I/O error" in caplog.text
    assert len(packed_batches(city)) == 1 and positions(city)[1][0] == pytest.approx(LON + east(5))
