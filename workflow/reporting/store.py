"""The stores of reporting: compiled report snapshots (`uow.report_snapshots`) and reduction targets (`uow.reduction_targets`)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from workflow.kernel.db import utcnow
from workflow.kernel.store import MappedStore
from workflow.kernel.uow import UnitOfWork
from .snapshots import FRESH_FOR, ReportSnapshot, plain
from .targets import ReductionTarget


@UnitOfWork.store("report_snapshots")
class ReportSnapshotStore(MappedStore):
    """One compiled snapshot per report and parameters (its key), replaced on recompile."""

    model = ReportSnapshot

    def put(self, report: str, key: str, data: dict) -> None:
        """Insert or replace in one statement: two compilers at once leave one row, the later one."""
        values = {"report": report, "key": key, "data": plain(data), "compiled_at": utcnow()}
        stmt = self._insert().values(**values)
        self._session.execute(stmt.on_conflict_do_update(
            index_elements=["report", "key"], set_={"data": stmt.excluded.data, "compiled_at": stmt.excluded.compiled_at}))

    def fresh(self, report: str, key: str, now: dt.datetime | None = None) -> ReportSnapshot | None:
        """The snapshot of this report and key if it was compiled recently enough (FRESH_FOR), else None."""
        row = self._one(select(ReportSnapshot).where(ReportSnapshot.report == report, ReportSnapshot.key == key))
        if row is None or (now or utcnow()) - row.compiled_at > FRESH_FOR:
            return None
        return row


@UnitOfWork.store("reduction_targets")
class ReductionTargetStore(MappedStore):
    """Yearly reduction targets, one per year, metric and scope ("office" or "department:<id>")."""

    model = ReductionTarget

    def for_scope(self, year: int, metric: str, scope: str, *, lock: bool = False) -> ReductionTarget | None:
        stmt = select(ReductionTarget).where(ReductionTarget.year == year, ReductionTarget.metric == metric,
                                             ReductionTarget.scope == scope)
        return self._one(stmt.with_for_update() if lock else stmt)

    def of_year(self, year: int, department_id: int | None = None) -> list[ReductionTarget]:
        """The year's targets (those of one department when given), by metric and scope."""
        stmt = select(ReductionTarget).where(ReductionTarget.year == year).order_by(ReductionTarget.metric,
                                                                                    ReductionTarget.scope)
        if department_id:
            stmt = stmt.where(ReductionTarget.department_id == department_id)
        return self._all(stmt)
