"""SLA clocks: contact 60 s and arrival 5 min after dispatch; scalar and vector rules agree."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from commandmap.domain.sla import (LEVEL_CODES, LEVELS_BY_CODE, SlaLevel, SlaPolicy, StageTimes, sla_levels,
                                   sla_state, stage_durations)

T0 = 1_800_000_000.0


def test_not_dispatched_has_no_clock() -> None:
    s = sla_state(StageTimes(reported_s=T0), now_s=T0 + 1000)
    assert s.level is SlaLevel.NOT_STARTED
    assert s.contact.deadline_s is None


def test_contact_clock_ok_at_risk_breached() -> None:
    st_ = StageTimes(reported_s=T0, dispatched_s=T0 + 10)
    assert sla_state(st_, T0 + 20).contact.level is SlaLevel.OK
    assert sla_state(st_, T0 + 10 + 50).contact.level is SlaLevel.AT_RISK   # 50 s of 60 used
    late = sla_state(st_, T0 + 10 + 61)
    assert late.contact.level is SlaLevel.BREACHED
    assert late.contact.remaining_s == pytest.approx(-1)
    assert late.arrival.level is SlaLevel.OK
    assert late.level is SlaLevel.BREACHED


def test_met_clocks_stop() -> None:
    st_ = StageTimes(reported_s=T0, dispatched_s=T0, acknowledged_s=T0 + 30, arrived_s=T0 + 290)
    s = sla_state(st_, T0 + 10_000)
    assert (s.contact.level, s.arrival.level) == (SlaLevel.OK, SlaLevel.OK)
    assert s.arrival.met_at_s == T0 + 290


def test_late_ack_stays_breached_after_the_fact() -> None:
    s = sla_state(StageTimes(reported_s=T0, dispatched_s=T0, acknowledged_s=T0 + 75), T0 + 80)
    assert s.contact.level is SlaLevel.BREACHED
    assert s.arrival.level is SlaLevel.OK


def test_arrival_counts_as_contact_and_resolution_as_arrival() -> None:
    s = sla_state(StageTimes(reported_s=T0, dispatched_s=T0, arrived_s=T0 + 40), T0 + 500)
    assert s.contact.level is SlaLevel.OK
    s2 = sla_state(StageTimes(reported_s=T0, dispatched_s=T0, acknowledged_s=T0 + 5, resolved_s=T0 + 400),
                   T0 + 500)
    assert s2.arrival.level is SlaLevel.BREACHED


def test_policy_rejects_nonsense() -> None:
    with pytest.raises(ValueError, match="deadlines"):
        SlaPolicy(contact_s=0)


def test_stage_durations() -> None:
    d = stage_durations(StageTimes(T0, T0 + 40, T0 + 70, T0 + 280, T0 + 1000))
    assert (d.to_dispatch_s, d.to_contact_s, d.to_arrival_s, d.on_scene_s, d.total_s) == (40, 30, 240, 720, 1000)
    assert stage_durations(StageTimes(T0)).to_contact_s is None


opt = st.one_of(st.none(), st.floats(0, 600))


@settings(max_examples=300, deadline=None)
@given(opt, opt, opt, opt, st.floats(0, 900))
def test_vector_levels_equal_scalar_state(disp, ack, arr, res, now) -> None:
    def abs_(x):
        return None if x is None else T0 + x
    d = abs_(disp)
    stages = StageTimes(T0, d, abs_(ack) if d is not None else None, abs_(arr) if d is not None else None,
                        abs_(res) if d is not None else None)
    scalar = sla_state(stages, T0 + now).level

    def arr_(x):
        return np.array([np.nan if x is None else x])
    vec = sla_levels(arr_(stages.dispatched_s), arr_(stages.acknowledged_s), arr_(stages.arrived_s), T0 + now,
                     resolved_s=arr_(stages.resolved_s))
    assert LEVELS_BY_CODE[int(vec[0])] is scalar
    assert LEVEL_CODES[scalar] == int(vec[0])
