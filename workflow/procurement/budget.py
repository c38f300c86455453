"""Office-supply budgets per department and year: committed on approval, spent on receipt."""
from __future__ import annotations

from decimal import Decimal
from typing import overload

from sqlalchemy import CheckConstraint, ForeignKey, UniqueConstraint, bindparam, select, update
from sqlalchemy.orm import Mapped, mapped_column

from workflow.kernel.access import Actor
from workflow.kernel.db import Base, Money, connection
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


def budget_for(session, department_id: int, year: int, *, lock: bool = False) -> Budget | None:
    stmt = select(Budget).where(Budget.department_id == department_id, Budget.year == year)
    if lock:
        stmt = stmt.with_for_update()
    return session.scalar(stmt)


_B = Budget.__table__.c
_FIGURES = select(_B.amount, _B.committed, _B.spent).where(_B.department_id == bindparam("d"),
                                                          _B.year == bindparam("y"))


def remaining(session, department_id: int, year: int) -> Decimal | None:
    """What is left of the department's budget for the year; None when it has none."""
    row = connection(session).execute(_FIGURES, {"d": department_id, "y": year}).first()
    return None if row is None else left(row.amount, row.committed, row.spent)


def set_budget(department_id: int, year: int, amount: Decimal, actor: Actor, uow) -> int:
    from workflow.people.accounts import Department

    if not actor.is_("admin", "finance"):
        raise Forbidden("only finance or an administrator sets budgets")
    if amount < 0:
        raise InvalidInput("negative budget", {"amount": ["Must not be negative."]})
    with uow:
        if uow.session.get(Department, department_id) is None:
            raise NotFound("no such department")
        budget = budget_for(uow.session, department_id, year, lock=True)
        if budget is None:
            budget = Budget(department_id=department_id, year=year, amount=amount, committed=ZERO, spent=ZERO)
            uow.session.add(budget)
        else:
            budget.amount = amount
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


def _move(session, department_id: int, year: int, committed: Decimal, spent: Decimal = ZERO) -> None:
    # One UPDATE that adds to the stored figures: it takes the row lock itself, so there is no
    # SELECT ... FOR UPDATE round trip, and concurrent approvals never overwrite each other's sums.
    if any(isinstance(o, Budget) for o in session.new) or any(
            isinstance(o, Budget) for o in session.identity_map.values()):
        # A budget added first goes first; loaded ones are kept in step.
        session.execute(update(Budget).where(Budget.department_id == department_id, Budget.year == year)
                        .values(committed=Budget.committed + committed, spent=Budget.spent + spent))
        return
    # No budget object in the session: a Core statement, without the ORM's bookkeeping, and the
    # request's own unsaved changes (if any) are flushed once, at the commit.
    connection(session).execute(_MOVE, {"d": department_id, "y": year, "c": committed, "s": spent})


_MOVE = (Budget.__table__.update().where(_B.department_id == bindparam("d"), _B.year == bindparam("y"))
         .values(committed=_B.committed + bindparam("c", type_=Money), spent=_B.spent + bindparam("s", type_=Money)))


def commit_amount(session, department_id: int, year: int, amount: Decimal) -> None:
    _move(session, department_id, year, amount)


def release_amount(session, department_id: int, year: int, amount: Decimal) -> None:
    _move(session, department_id, year, -amount)


def record_spend(session, department_id: int, year: int, released: Decimal, spent: Decimal) -> None:
    _move(session, department_id, year, -released, spent)


def list_budgets(year: int, actor: Actor, uow) -> list[dict]:
    """Finance, logistics and admin see every department; a department head sees their own."""
    from workflow.people.accounts import Department

    if not actor.is_("finance", "admin", "logistics", "dept_head"):
        raise Forbidden("budgets are for finance, administrators, logistics and department heads")
    with uow:
        stmt = (select(Budget, Department.code).join(Department, Department.id == Budget.department_id)
                .where(Budget.year == year).order_by(Department.code))
        if actor.is_("dept_head"):
            stmt = stmt.where(Budget.department_id == actor.department_id)
        return [view(b) | {"department_id": b.department_id, "department": code}
                for b, code in uow.session.execute(stmt)]
