"""The supply flow's row store (workflow/procurement/store.py) and the session's cached connection."""
from decimal import Decimal

import pytest
from sqlalchemy import select, text

from workflow.kernel.db import connection
from workflow.kernel.errors import StaleVersion
from workflow.people.accounts import User
from workflow.procurement import store
from workflow.procurement.model import SupplyRequest
from workflow.procurement.supply_requests import LineInput, create_draft


def _draft(runtime) -> dict:
    with runtime.uow() as uow:
        staff = uow.session.scalar(select(User).where(User.username == "staff1")).as_actor()
        paper = uow.session.execute(text("SELECT id FROM catalog_items WHERE sku = 'PAP-A4-R'")).scalar_one()
    return create_draft("Paper", None, [LineInput(quantity=Decimal("2"), item_id=paper),
                                        LineInput(quantity=Decimal("1"), description="Folders", category="stationery",
                                                  unit="pack", unit_price=Decimal("12.50"))], staff, runtime.uow())


def test_load_brings_the_request_its_people_budget_and_lines_in_order(runtime):
    draft = _draft(runtime)
    with runtime.uow() as uow:
        req = store.load(connection(uow.session), draft["id"])
        budget = uow.session.execute(text("SELECT amount - committed - spent FROM budgets WHERE department_id = :d"),
                                     {"d": req.department_id}).scalar_one()
    assert (req.number, req.status, req.version, req.total) == (draft["number"], "draft", 1, Decimal(draft["total"]))
    assert req.requester.username == "staff1" and req.department.code == draft["department"]["code"]
    assert [(l.id, l.position) for l in req.lines] == [(l["id"], l["position"]) for l in draft["lines"]]
    assert [l.amount for l in req.lines] == [Decimal(l["amount"]) for l in draft["lines"]]
    assert req.budget_remaining == Decimal(str(budget))


def test_load_of_a_missing_request_is_none(memory_runtime):
    with memory_runtime.uow() as uow:
        assert store.load(connection(uow.session), 987654) is None


def test_save_writes_only_at_the_version_read_and_changes_nothing_otherwise(runtime):
    draft = _draft(runtime)
    with runtime.uow() as uow:
        req = store.load(connection(uow.session), draft["id"], for_update=True)
        req.purpose, req.version = "Changed behind the reader's back", 2
        with pytest.raises(StaleVersion):
            store.save(connection(uow.session), req, 5, ("purpose", "version"))  # read at 5: not stored
        store.save(connection(uow.session), req, 1, ("version",))
        uow.commit()
    with runtime.uow() as uow:
        stored = uow.session.get(SupplyRequest, draft["id"])
        assert (stored.version, stored.purpose) == (2, "Paper")  # only the fields named were written


def test_the_cached_connection_lasts_one_transaction(memory_runtime):
    with memory_runtime.uow() as uow:
        first = connection(uow.session)
        assert connection(uow.session) is first
        uow.commit()
        second = connection(uow.session)  # a new transaction asks the session again
        assert second is not first and not first.in_transaction() and second.in_transaction()
        uow.rollback()
        assert "_connection" not in uow.session.info
