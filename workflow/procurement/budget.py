"""Office-supply budgets per department and year: committed on approval, spent on receipt.

Read and moved through `uow.budgets` (purchasing_store.py).
"""
from __future__ import annotations

from decimal import Decimal
from typing import overload

from sqlalchemy import CheckConstraint, ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from workflow.kernel.access import Actor
from workflow.kernel.db import Base, Money
from workflow.kernel.errors import Forbidden, InvalidInput, NotFound

ZERO = Decimal("0.00")


class Budget(Base):
    __tablename__ = "budgets"
    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    year: Mapped[int]
    amount: Mapped[Decimal] = mapped_column(Money)
    committed: Mapped[Decimal] = mapped_column(Money, default=ZERO)
    spent: Mapped[Decimal] = mapped_column(Money, default=ZERO)
    __table_args__ = (
        UniqueConstraint("department_id", "year", name="uq_budgets_department_year"),
        CheckConstraint("amount >= 0", name="amount_not_negative"),
    )

    @property
    def remaining(self) -> Decimal:
        return left(self.amount, self.committed, self.spent)


def left(amount: Decimal, committed: Decimal, spent: Decimal) -> Decimal:
    """What is left of a budget: one definition, for mapped budgets and plain rows alike."""
    return amount - committed - spent


def set_budget(department_id: int, year: int, amount: Decimal, actor: Actor, uow) -> int:
    from workflow.people.accounts import Department

    if not actor.is_("admin", "finance"):
        raise Forbidden("only finance or an administrator sets budgets")
    if amount < 0:
        raise InvalidInput("negative budget", {"amount": ["Must not be negative."]})
    with uow:
        if uow.reads.get(Department, department_id) is None:
            raise NotFound("no such department")
        budget = uow.budgets.of(department_id, year, lock=True)
        if budget is None:
            budget = uow.budgets.add(Budget(department_id=department_id, year=year, amount=amount, committed=ZERO,
                                            spent=ZERO))
        else:
            budget.amount = amount
            uow.budgets.save()
        uow.commit()
        return budget.id


@overload
def view(budget: Budget) -> dict: ...
@overload
def view(budget: None) -> None: ...
def view(budget: Budget | None) -> dict | None:
    if budget is None:
        return None
    return {"year": budget.year, "amount": budget.amount, "committed": budget.committed,
            "spent": budget.spent, "remaining": budget.remaining}


def list_budgets(year: int, actor: Actor, uow) -> list[dict]:
    """Finance, logistics and admin see every department; a department head sees their own."""
    if not actor.is_("finance", "admin", "logistics", "dept_head"):
        raise Forbidden("budgets are for finance, administrators, logistics and department heads")
    with uow:
        rows = (uow.budgets.of_year(year, department_id=actor.department_id) if actor.is_("dept_head")
                else uow.budgets.of_year(year))
        return [view(b) | {"department_id": b.department_id, "department": code} for b, code in rows]
