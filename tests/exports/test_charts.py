"""Charts compute the right percentiles and rates on a store with known timestamps."""

from __future__ import annotations

import csv

import numpy as np
import pytest

from commandmap.domain.analytics import busy_share, distributions, percentile
from commandmap.domain.sla import StageTimes
from commandmap.services.charts import chart_data, write_csv
from commandmap.services.exports.window import TimeWindow

from .conftest import T0


def test_percentiles_of_known_durations() -> None:
    # dispatched→acknowledged of 10, 20, …, 100 s: p50 = 55, p90 = 91 (linear interpolation)
    stages = [StageTimes(0.0, 5.0, 5.0 + 10 * k, None) for k in range(1, 11)]
    d = distributions(stages)["dispatched_to_acknowledged"]
    assert (d.n, d.p50_s, d.p90_s) == (10, 55.0, pytest.approx(91.0))
    assert d.within_target == 0.6 and d.target_s == 60.0
    assert distributions(stages)["dispatched_to_arrived"].p50_s is None     # nobody arrived yet
    assert percentile(np.array([np.nan, 3.0]), 50) == 3.0


def test_busy_share_clips_to_the_window() -> None:
    # two officers over 100 s: one task 50 s inside, one from before the window still open
    assert busy_share([(10.0, 60.0), (-50.0, None)], 2, 0.0, 100.0) == pytest.approx((50 + 100) / 200)


def test_chart_data_on_the_known_hour(history, tmp_path) -> None:
    data = chart_data(history.engine, TimeWindow(T0, T0 + 3600), now_s=T0 + 7200)
    assert data.incidents == 3
    contact = data.distributions["dispatched_to_acknowledged"]
    assert sorted(contact.values_s) == [20.0, 90.0] and contact.p50_s == 55.0 and contact.p90_s == pytest.approx(83.0)
    arrival = data.distributions["dispatched_to_arrived"]
    assert sorted(arrival.values_s) == [170.0, 440.0] and arrival.within_target == 0.5
    to_dispatch = data.distributions["reported_to_dispatched"]
    assert sorted(to_dispatch.values_s) == [30.0, 60.0]
    (district, k), = data.by_district.items()
    assert k.dispatched == 2 and (k.contact.met, k.contact.decided) == (1, 2) and (k.arrival.met, k.arrival.decided) == (1, 2)
    assert data.by_hour[9].dispatched == 2 and data.by_hour[10].dispatched == 0     # reported 09:00–09:20 Beijing
    assert data.by_category_district == {"占道经营": {district: 3}}
    assert set(data.utilisation_by_department) and all(0 <= v <= 1 for v in data.utilisation_by_department.values())
    assert chart_data(history.engine, TimeWindow(T0, T0 + 3600), "no such district", now_s=T0).incidents == 0
    out = write_csv(data, tmp_path / "charts.csv")
    with out.open(encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    p90 = [r for r in rows if r["chart"] == "stage" and r["key"] == "dispatched_to_acknowledged" and r["measure"] == "p90_s"]
    assert float(p90[0]["value"]) == pytest.approx(83.0)
