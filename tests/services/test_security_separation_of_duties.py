"""Issue 14, point 1: a delegation lasts a capped period that does not start in the past (the office's day),
checked by the delegation service itself. Over the API, and two levels two people: tests/http/.
"""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from policies.document import load_document
from workflow.kernel.errors import DelegationRefused
from workflow.people import delegation, accounts

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
NOW = dt.datetime(2026, 3, 10, 1, 0, tzinfo=SHANGHAI)  # a Tuesday, 01:00 in the office (17:00 UTC the day before)


def _service_delegate(runtime, starts, ends, doc=None, delegate="head2"):
    uow = runtime.uow()
    if doc is not None:
        uow.policy_document = doc
    with runtime.uow() as reading:
        head1 = reading.session.scalar(select(accounts.User).where(accounts.User.username == "head1")).as_actor()
    return delegation.delegate(delegate, starts, ends, head1, uow, now=NOW)


@pytest.mark.parametrize("starts,allowed", [
    (dt.datetime(2026, 3, 10, 0, 10, tzinfo=SHANGHAI), True),    # earlier today, office time
    (dt.datetime(2026, 3, 10, 9, 0, tzinfo=SHANGHAI), True),
    (dt.datetime(2026, 3, 9, 23, 30, tzinfo=SHANGHAI), False),   # yesterday in the office, though the same UTC day
    (dt.datetime(2026, 3, 9, 16, 30, tzinfo=dt.timezone.utc), True),  # 00:30 today in the office
    (dt.datetime(2026, 3, 1, 9, 0, tzinfo=SHANGHAI), False),
])
def test_a_delegation_cannot_start_before_today_in_the_office(runtime, starts, allowed):
    if allowed:
        assert _service_delegate(runtime, starts, starts + dt.timedelta(days=2))["delegate"] == "head2"
    else:
        with pytest.raises(DelegationRefused) as refused:
            _service_delegate(runtime, starts, starts + dt.timedelta(days=2))
        assert refused.value.code == "delegation_in_past" and "starts_at" in refused.value.errors


@pytest.mark.parametrize("days,allowed", [(1, True), (90, True), (90.01, False), (365, False)])
def test_a_delegation_lasts_at_most_the_policy_cap(runtime, days, allowed):
    starts = dt.datetime(2026, 3, 11, 9, 0, tzinfo=SHANGHAI)
    ends = starts + dt.timedelta(days=days)
    if allowed:
        assert _service_delegate(runtime, starts, ends)["ends_at"] == ends
    else:
        with pytest.raises(DelegationRefused) as refused:
            _service_delegate(runtime, starts, ends)
        assert refused.value.code == "delegation_too_long" and "ends_at" in refused.value.errors


def test_the_cap_is_the_policy_documents(runtime):
    doc = load_document({"version": "2026.1-short", "queue": {"delegation_max_days": 7}})
    starts = dt.datetime(2026, 3, 11, 9, 0, tzinfo=SHANGHAI)
    assert _service_delegate(runtime, starts, starts + dt.timedelta(days=7), doc)
    with pytest.raises(DelegationRefused) as refused:
        _service_delegate(runtime, starts, starts + dt.timedelta(days=8), doc)
    assert refused.value.extra["max_days"] == 7
