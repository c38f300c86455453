"""The work queue: what the caller can act on now, oldest first, one SQL query per page.

Every flow's reviews (approvals/registry.py) and the fleet's, the buyer's and logistics' own
items are one UNION ALL ordered by (waiting_since, kind, id), and the cursor is that triple:
pages never overlap or skip, however many items arrive meanwhile.
"""
from __future__ import annotations

import base64
import datetime as dt
from functools import lru_cache

from sqlalchemy import Integer, Numeric, String, and_, bindparam, literal, select, tuple_, union_all

from workflow.approvals.columns import behalf_column, none_of
from workflow.approvals.flow import DECISIONS
from workflow.kernel.access import Actor
from workflow.kernel.db import UTCDateTime, utcnow
from workflow.kernel.errors import BadQuery
from workflow.people.accounts import Department, User
from workflow.procurement.model import SupplyLine, SupplyRequest
from workflow.procurement.model import Delivery, PurchaseOrder
from workflow.vehicles.fleet import Driver
from workflow.vehicles.model import Trip, TripRequest, queue_item as trip_items
from .registry import FLOWS

# Every flow's reviews offer its decisions; the other kinds are the roles' own work.
ACTIONS = {name: list(DECISIONS) for name in FLOWS} | {
    "supply_line": ["order"],
    "trip_dispatch": ["dispatch", "cancel"],
    "trip_close": ["close"],
    "trip_drive": ["depart", "arrive"],
    "held_receipt": ["accept", "reject"],
}


def encode_cursor(moment: dt.datetime, kind: str, row_id: int) -> str:
    return base64.urlsafe_b64encode(f"{moment.isoformat()}|{kind}|{row_id}".encode()).decode()


def decode_cursor(cursor: str) -> tuple[dt.datetime, str, int]:
    try:
        moment, kind, row_id = base64.urlsafe_b64decode(cursor.encode()).decode().split("|")
        parsed = dt.datetime.fromisoformat(moment)
        if parsed.tzinfo is None or kind not in ACTIONS:
            raise ValueError
        return parsed, kind, int(row_id)
    except (ValueError, UnicodeDecodeError):
        raise BadQuery("bad cursor", {"cursor": ["Not a cursor this API gave out."]}) from None


def _supply_lines():
    r, line = SupplyRequest, SupplyLine
    return (select(literal("supply_line").label("kind"), behalf_column(None), line.id.label("id"), r.number.label("number"),
                   r.status.label("status"), line.description.label("title"),
                   (line.quantity * line.unit_price).label("amount"), r.version.label("version"),
                   User.username.label("requester"), Department.code.label("department"),
                   none_of(String).label("destination"), none_of(UTCDateTime).label("depart_at"),
                   none_of(Numeric(7, 2)).label("distance_km"), line.supplier.label("supplier"),
                   r.id.label("request_id"), r.status_changed_at.label("waiting_since"))
            .join(r, r.id == line.request_id).join(User, User.id == r.requester_id)
            .join(Department, Department.id == r.department_id)
            .where(r.status == "approved", line.purchase_order_id.is_(None)))


def _held_receipts(actor_id: int):
    """Deliveries above their approval, for logistics (never those of the caller's own requests)."""
    r, d = SupplyRequest, Delivery
    return (select(literal("held_receipt").label("kind"), behalf_column(None), d.id.label("id"), r.number.label("number"),
                   d.status.label("status"), SupplyLine.description.label("title"), d.amount.label("amount"),
                   r.version.label("version"), User.username.label("requester"), Department.code.label("department"),
                   none_of(String).label("destination"), none_of(UTCDateTime).label("depart_at"),
                   none_of(Numeric(7, 2)).label("distance_km"), PurchaseOrder.supplier.label("supplier"),
                   r.id.label("request_id"), d.received_at.label("waiting_since"))
            .join(SupplyLine, SupplyLine.id == d.line_id).join(r, r.id == SupplyLine.request_id)
            .join(PurchaseOrder, PurchaseOrder.id == d.purchase_order_id)
            .join(User, User.id == r.requester_id).join(Department, Department.id == r.department_id)
            .where(d.status == "held", r.requester_id != actor_id))


def _reviews(approver: Actor, caller_id: int, behalf: str | None = None) -> list:
    """Review items of every flow for an approver (for a delegate: of the colleague, never the caller's own)."""
    parts = []
    for name, flow in FLOWS.items():
        m = flow.model
        not_mine = and_(m.requester_id != approver.id, m.requester_id != caller_id)
        if approver.role == "dept_head":
            where = and_(m.status == flow.first_level, m.department_id == approver.department_id, not_mine)
        elif approver.role == "logistics":
            where = and_(m.status == flow.second_level, not_mine)
        else:
            continue
        parts.append(flow.queue_item(where, name, behalf))
    return parts


def _parts(actor: Actor, today: tuple, delegators=()) -> list:
    parts = _reviews(actor, actor.id)
    for colleague in delegators:
        parts += _reviews(colleague, actor.id, behalf=colleague.username)
    if actor.role == "logistics":
        parts.append(_held_receipts(actor.id))
    elif actor.role == "procurement":
        parts.append(_supply_lines())
    elif actor.role == "fleet":
        parts += [trip_items(TripRequest.status == "approved", "trip_dispatch", None),
                  trip_items(TripRequest.status == "returned", "trip_close", None)]
    elif actor.role == "driver":
        # Today's trips (office day) and any trip still under way.
        mine = select(Trip.id).join(Driver, Driver.id == Trip.driver_id).where(Driver.user_id == actor.id)
        start, end = today
        parts.append(trip_items(and_(TripRequest.trip_id.in_(mine), TripRequest.status.in_(("dispatched", "on_trip")),
                                 (TripRequest.status == "on_trip") | and_(TripRequest.depart_at >= start,
                                                                          TripRequest.depart_at < end)),
                            "trip_drive", None, waiting=TripRequest.depart_at))
    return parts


def _page_of(part, with_cursor: bool, limit: int):
    """One part's own page after the cursor, in cursor order: `limit` rows at most.

    The cursor, the order and the limit go inside each part, so that each reads the first rows
    of its queue index (status[, department], status_changed_at, id) instead of the union
    sorting every waiting item on each page; the kind is constant within a part.
    """
    c = part.selected_columns
    if with_cursor:
        # Typed binds: SQLite compares stored UTC text, so the moment must be stored-format too.
        part = part.where(tuple_(c.waiting_since, c.kind, c.id) > tuple_(
            bindparam("after_moment", type_=UTCDateTime()), bindparam("after_kind", type_=String()),
            bindparam("after_id", type_=Integer())))
    # A subquery, not a bare parenthesised SELECT: SQLite allows no LIMIT inside UNION ALL.
    return select(part.order_by(c.waiting_since, c.id).limit(limit).subquery())


@lru_cache(maxsize=512)
def _statement(actor: Actor, delegators: tuple[Actor, ...], with_cursor: bool, limit: int):
    """The page query of one caller, built once: building it costs more than running it."""
    today = (bindparam("day_start", type_=UTCDateTime()), bindparam("day_end", type_=UTCDateTime()))
    parts = [_page_of(part, with_cursor, limit) for part in _parts(actor, today, delegators)]
    if not parts:
        return None
    q = (union_all(*parts) if len(parts) > 1 else parts[0]).subquery()
    return select(q).order_by(q.c.waiting_since, q.c.kind, q.c.id).limit(limit)


def my_queue(actor: Actor, uow, *, cursor: str | None = None, limit: int = 50) -> dict:
    after = decode_cursor(cursor) if cursor else None
    with uow:
        now = utcnow().astimezone(uow.office_tz)
        start = dt.datetime.combine(now.date(), dt.time(), uow.office_tz)
        delegators = tuple(u.as_actor() for u in uow.delegations.active_delegators(actor.id))
        stmt = _statement(actor, delegators, after is not None, limit)
        if stmt is None:
            return {"items": [], "next_cursor": None}
        params: dict[str, object] = (
            {"day_start": start, "day_end": start + dt.timedelta(days=1)} if actor.role == "driver" else {})
        if after:
            params.update(after_moment=after[0], after_kind=after[1], after_id=after[2])
        rows = uow.reads.execute(stmt, params).all()
        items = [dict(r._mapping) | {"actions": ACTIONS[r.kind]} for r in rows]
        now_utc = utcnow()
        if reviews := [item for item in items if item["kind"] in FLOWS]:
            calendar = uow.calendar.load()  # read only when there is a review to date
            for item in reviews:
                item["due_at"] = FLOWS[item["kind"]].due_at(item["waiting_since"], uow.policy_document,
                                                            uow.office_tz, calendar)
                item["overdue"] = now_utc >= item["due_at"]
        last = items[-1] if len(items) == limit else None
        return {"items": items,
                "next_cursor": encode_cursor(last["waiting_since"], last["kind"], last["id"]) if last else None}
