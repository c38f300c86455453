"""Batched planning and sending on the embedded SQLite default: each mark is committed, a failure stays on its message."""
from sqlalchemy import select

from workflow.kernel.outbox import OutboxEvent, emit
from workflow.kernel.uow import UnitOfWork
from workflow.notifications import sending
from workflow.notifications.notices import Message
from workflow.people.accounts import User


def _task_events(runtime, n: int) -> list[int]:
    with UnitOfWork(runtime.session_factory) as uow:  # no in-process hook: only this test delivers
        staff = uow.session.scalar(select(User).where(User.username == "staff1"))
        events = [emit(uow.session, "task.assigned", "supply_request", 9000 + i, level="dept_review",
                       department_id=staff.department_id, requester_id=staff.id, number=f"SR-T-{i}")
                  for i in range(n)]
        uow.session.flush()
        ids = [e.id for e in events]
        uow.commit()
    return ids


def test_a_batch_on_sqlite_is_planned_once_and_each_send_or_failure_is_kept(runtime):
    ids = _task_events(runtime, 4)
    due = [m for m, _ in sending.plan_events(ids, runtime.uow(), "http://x", ("email",))]
    again = [m for m, _ in sending.plan_events(ids, runtime.uow(), "http://x", ("email",))]

    def deliver(msg):
        if msg.id == due[1]:
            raise OSError("refused")

    done = sending.send_messages(due, runtime.uow(), {"email": deliver})
    with runtime.uow() as uow:
        rows = {m.id: (m.status, m.attempts) for m in uow.session.scalars(select(Message).where(Message.id.in_(due)))}
        unplanned = uow.session.scalars(select(OutboxEvent.id).where(OutboxEvent.id.in_(ids),
                                                                     OutboxEvent.planned_at.is_(None))).all()
    assert len(due) == 4 and again == due and unplanned == []
    assert [m for m, _ in done.errors] == [due[1]]
    assert rows == {m: ("pending", 1) if m == due[1] else ("sent", 1) for m in due}
