"""One store per flow aggregate behind the unit of work (the writes through them: tests/http/test_flow_stores_http.py)."""
from __future__ import annotations

import pytest

import workflow.models  # noqa: F401 - every mapped class, and the stores registered by the flows
from workflow.worklist import registry  # noqa: F401 - the flows, and with them their stores


def test_a_unit_of_work_has_one_store_of_each_kind(runtime):
    with runtime.uow() as uow:
        assert uow.supply_requests is uow.supply_requests
        assert uow.trip_requests is uow.trip_requests
        with pytest.raises(AttributeError, match="no store"):
            _ = uow.purchase_requisitions
