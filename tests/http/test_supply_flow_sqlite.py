"""The procurement flow over the in-process API on the embedded SQLite default."""
from decimal import Decimal

from sqlalchemy import select

from tests.http.lifecycle import run_full_lifecycle
from workflow.people.accounts import Department
from workflow.procurement.budget import Budget


def test_request_goes_from_draft_to_received_with_budget_turned_into_spend(client, runtime):
    result = run_full_lifecycle(client)
    with runtime.uow() as uow:
        dep = uow.session.scalar(select(Department).where(Department.code == "GEN"))
        budget = uow.session.scalar(select(Budget).where(Budget.department_id == dep.id))
        assert budget.spent == result["spend"]
        assert budget.committed == Decimal("0.00")
