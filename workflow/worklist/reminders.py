"""Due times for queue items, reminders when they are overdue, escalation to the next level.

An item waiting for review is due `queue.due_working_days` working days (the office's calendar,
workflow/kernel/office_calendar.py: public holidays, adjusted weekends, the office's own days) after it
reached its level. Overdue, its
approvers get a `task.overdue` reminder once; still waiting one period later, a first-level item
goes up to logistics (`escalate`). Both are written to the audit trail by the system user.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import or_, select

from workflow.approvals import kernel
from workflow.kernel.db import utcnow
from .registry import FLOWS


def remind_and_escalate(uow, now: dt.datetime | None = None) -> dict:
    """One pass over the review queues; returns {"reminded": n, "escalated": m}."""
    now = now or utcnow()
    doc, zone = uow.policy_document, uow.office_tz
    period = doc.data["queue"]["due_working_days"]
    counts = {"reminded": 0, "escalated": 0}
    with uow:
        calendar = uow.calendar.load()
        system = None
        for kind, flow in FLOWS.items():
            model, first = flow.model, flow.first_level
            # Anything waiting longer than the shortest possible period is a candidate.
            cutoff = now - dt.timedelta(days=period)
            ids = uow.reads.scalars(select(model.id).where(
                model.status.in_((first, flow.second_level)), model.status_changed_at <= cutoff,
                or_(model.reminded_at.is_(None), model.reminded_at < model.status_changed_at)
                | (model.status == first)).order_by(model.id).with_for_update(skip_locked=True)).all()
            store = flow.store_of(uow)
            for item_id in ids:
                req = store.get(item_id)  # its row is locked above
                due = flow.due_at(req.status_changed_at, doc, zone, calendar)
                if now < due:
                    continue
                system = system or uow.users.system_actor()
                base = {"number": req.number, "requester_id": req.requester_id, "department_id": req.department_id,
                        "actor_id": system.id}
                if req.status == first and now >= calendar.add_working_days(due, period, zone):
                    kernel.move(flow, uow, req, "escalate", system, data={"overdue_since": due.isoformat()},
                                events=False)
                    uow.emit("task.assigned", kind, req.id, level=req.status, escalated=True, version=req.version, **base)
                    counts["escalated"] += 1
                elif req.reminded_at is None or req.reminded_at < req.status_changed_at:
                    req.reminded_at = now
                    store.save(req, req.version, ("reminded_at",))
                    uow.record(kind, req.id, "remind", system, from_state=req.status, to_state=req.status,
                                 data={"due": due.isoformat()})
                    uow.emit("task.overdue", kind, req.id, level=req.status, version=req.version, **base)
                    counts["reminded"] += 1
        uow.commit()
    return counts
