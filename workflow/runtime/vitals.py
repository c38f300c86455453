"""Figures an operator watches, read from the database: queue depth per role, outbox lag, failed deliveries."""
from __future__ import annotations

from sqlalchemy import func, select

from workflow.kernel.db import utcnow
from workflow.kernel.outbox import OutboxEvent
from workflow.notifications.notices import Message
from workflow.procurement.model import SupplyLine, SupplyRequest
from workflow.vehicles.model import TripRequest

# Which statuses wait for which role: the same conditions as the queue (workflow/worklist/queue.py) uses,
# summed over every department and person of the role.
SUPPLY_WAITING = {"dept_review": "dept_head", "office_review": "logistics"}
TRIP_WAITING = {"requested": "dept_head", "office_review": "logistics", "approved": "fleet", "returned": "fleet"}
ROLES = ("dept_head", "logistics", "procurement", "fleet")


def read(uow) -> dict:
    """{"queue_depth": {role: n}, "outbox_unpublished": n, "outbox_lag_seconds": s, "failed_messages": n}."""
    with uow:
        reads = uow.reads
        depth = dict.fromkeys(ROLES, 0)
        for status, n in reads.execute(select(SupplyRequest.status, func.count()).where(
                SupplyRequest.status.in_(SUPPLY_WAITING)).group_by(SupplyRequest.status)):
            depth[SUPPLY_WAITING[status]] += n
        for status, n in reads.execute(select(TripRequest.status, func.count()).where(
                TripRequest.status.in_(TRIP_WAITING)).group_by(TripRequest.status)):
            depth[TRIP_WAITING[status]] += n
        depth["procurement"] = reads.scalar(select(func.count()).select_from(SupplyLine).join(
            SupplyRequest, SupplyRequest.id == SupplyLine.request_id).where(
            SupplyRequest.status == "approved", SupplyLine.purchase_order_id.is_(None)))
        unpublished, oldest = reads.execute(select(func.count(), func.min(OutboxEvent.created_at)).where(
            OutboxEvent.published_at.is_(None))).one()
        failed = reads.scalar(select(func.count()).select_from(Message).where(Message.status == "failed"))
    # min() keeps the column's type, so the time comes back aware (UTC) on SQLite too.
    lag = max(0.0, (utcnow() - oldest).total_seconds()) if oldest is not None else 0.0
    return {"queue_depth": depth, "outbox_unpublished": unpublished, "outbox_lag_seconds": lag,
            "failed_messages": failed}
