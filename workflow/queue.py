"""The work queue: what the caller can act on now, oldest first, one SQL query per page."""
from __future__ import annotations

import base64
import datetime as dt

from sqlalchemy import and_, or_, select

from .access import Actor
from .errors import InvalidInput
from .people import Department, User
from .supply import SupplyLine, SupplyRequest


def encode_cursor(moment: dt.datetime, row_id: int) -> str:
    return base64.urlsafe_b64encode(f"{moment.isoformat()}|{row_id}".encode()).decode()


def decode_cursor(cursor: str) -> tuple[dt.datetime, int]:
    try:
        moment, row_id = base64.urlsafe_b64decode(cursor.encode()).decode().split("|")
        parsed = dt.datetime.fromisoformat(moment)
        if parsed.tzinfo is None:
            raise ValueError
        return parsed, int(row_id)
    except (ValueError, UnicodeDecodeError):
        raise InvalidInput("bad cursor", {"cursor": ["Not a cursor this API gave out."]})


def _after(ts_col, id_col, cursor):
    if not cursor:
        return True
    moment, row_id = decode_cursor(cursor)
    return or_(ts_col > moment, and_(ts_col == moment, id_col > row_id))


def _review_items(actor: Actor, session, cursor, limit) -> list[dict]:
    req = SupplyRequest
    if actor.role == "dept_head":
        where = and_(req.status == "dept_review", req.department_id == actor.department_id)
    else:
        where = req.status == "office_review"
    stmt = (select(req.id, req.number, req.status, req.purpose, req.total, req.version, req.status_changed_at,
                   req.needs_office_review, User.username, User.full_name, Department.code)
            .join(User, User.id == req.requester_id).join(Department, Department.id == req.department_id)
            .where(where, req.requester_id != actor.id, _after(req.status_changed_at, req.id, cursor))
            .order_by(req.status_changed_at, req.id).limit(limit))
    return [{"kind": "supply_request", "id": r.id, "number": r.number, "status": r.status, "purpose": r.purpose,
             "total": r.total, "version": r.version, "requester": r.username, "requester_name": r.full_name,
             "department": r.code, "waiting_since": r.status_changed_at,
             "actions": ["approve", "return", "reject"]} for r in session.execute(stmt)]


def _purchase_items(session, cursor, limit) -> list[dict]:
    req, line = SupplyRequest, SupplyLine
    stmt = (select(line.id, line.description, line.category, line.quantity, line.unit, line.unit_price,
                   line.supplier, line.item_id, req.id.label("request_id"), req.number, req.status_changed_at,
                   Department.code)
            .join(req, req.id == line.request_id).join(Department, Department.id == req.department_id)
            .where(req.status == "approved", line.purchase_order_id.is_(None),
                   _after(req.status_changed_at, line.id, cursor))
            .order_by(req.status_changed_at, line.id).limit(limit))
    return [{"kind": "supply_line", "id": r.id, "request_id": r.request_id, "number": r.number,
             "description": r.description, "category": r.category, "quantity": r.quantity, "unit": r.unit,
             "unit_price": r.unit_price, "supplier": r.supplier, "item_id": r.item_id, "department": r.code,
             "waiting_since": r.status_changed_at, "actions": ["order"]} for r in session.execute(stmt)]


def my_queue(actor: Actor, uow, *, cursor: str | None = None, limit: int = 50) -> dict:
    with uow:
        if actor.role in ("dept_head", "logistics"):
            items = _review_items(actor, uow.session, cursor, limit)
        elif actor.role == "procurement":
            items = _purchase_items(uow.session, cursor, limit)
        else:
            items = []
        next_cursor = encode_cursor(items[-1]["waiting_since"], items[-1]["id"]) if len(items) == limit else None
        return {"items": items, "next_cursor": next_cursor}
