"""Every writer of a supply request goes through its store, and both flows' stores refuse a stale write."""
from __future__ import annotations

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session

from tests.http.lifecycle import run_full_lifecycle
from tests.http.trip_support import trip_body
from workflow.kernel.errors import StaleVersion
from workflow.procurement.model import SupplyFinding, SupplyLine, SupplyRequest


def test_the_mapped_classes_never_write_a_supply_request(client):
    """Drafts, revisions, every action, orders and receipts go through the store's statements: the
    ORM flushes no supply request, line or finding during a whole lifecycle."""
    flushed: list[str] = []
    models = (SupplyRequest, SupplyLine, SupplyFinding)

    def note(session, flush_context, instances):
        flushed.extend(type(o).__name__ for o in (*session.new, *session.dirty, *session.deleted)
                       if isinstance(o, models))

    event.listen(Session, "before_flush", note)
    try:
        result = run_full_lifecycle(client)
        status, revised = client.post("staff1", "/api/v1/supply-requests", {
            "purpose": "Pens", "lines": [{"item_id": client.item_id("STA-PEN-G"), "quantity": "1"}]})
        assert status == 201
        status, revised = client.patch("staff1", f"/api/v1/supply-requests/{revised['id']}", {
            "version": 1, "purpose": "More pens", "lines": [{"item_id": client.item_id("STA-PEN-G"), "quantity": "3"}]})
        assert status == 200, revised
    finally:
        event.remove(Session, "before_flush", note)
    assert result["request"]["status"] == "received"
    assert revised["purpose"] == "More pens" and revised["version"] == 2 and revised["lines"][0]["quantity"] == "3"
    assert flushed == []


@pytest.mark.parametrize("store", ["supply_requests", "trip_requests"])
def test_a_store_refuses_a_write_read_at_an_older_version(client, runtime, store):
    if store == "supply_requests":
        status, item = client.post("staff1", "/api/v1/supply-requests", {
            "purpose": "Pens", "lines": [{"item_id": client.item_id("STA-PEN-G"), "quantity": "1"}]})
    else:
        status, item = client.post("staff1", "/api/v1/trip-requests", trip_body())
    assert status == 201, item
    with runtime.uow() as uow:
        found = getattr(uow, store).get(item["id"], lock=True)
        found.purpose = "changed meanwhile?"
        with pytest.raises(StaleVersion):
            getattr(uow, store).save(found, found.version + 5, ("purpose",))
        uow.rollback()
    with runtime.uow() as uow:
        assert getattr(uow, store).get(item["id"]).purpose == item["purpose"]
