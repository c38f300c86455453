"""Unified purchasing: approved lines of many requests grouped into one order per supplier, then received.

Orders and their deliveries are read and written through `uow.purchase_orders` (purchasing_store.py); their
lines are supply lines, through `uow.supply_requests`.
"""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from workflow.approvals import kernel
from workflow.kernel.access import Actor
from workflow.kernel.db import utcnow
from workflow.kernel.errors import Forbidden, InvalidInput, NotFound
from .model import Delivery, PurchaseOrder, SupplyRequest
from .supply_requests import SUPPLY_FLOW

CENT = Decimal("0.01")
READERS = ("procurement", "finance", "admin", "logistics")


def delivery_view(d: Delivery) -> dict:
    return {"id": d.id, "purchase_order_id": d.purchase_order_id, "line_id": d.line_id, "quantity": d.quantity,
            "unit_price": d.unit_price, "amount": d.amount, "status": d.status,
            "hold_reasons": (d.hold_reasons or "").split(), "received_at": d.received_at,
            "received_by_id": d.received_by_id, "decided_by_id": d.decided_by_id, "decided_at": d.decided_at,
            "decision_comment": d.decision_comment}


def view(uow, po: PurchaseOrder, lines: list | None = None) -> dict:
    """The order as the API answers it; `lines` when the caller has them at hand."""
    if lines is None:
        lines = uow.supply_requests.lines_of_order(po.id)
    numbers = dict(uow.reads.execute(select(SupplyRequest.id, SupplyRequest.number).where(
        SupplyRequest.id.in_({l.request_id for l in lines}))).all())
    return {
        "id": po.id, "number": po.number, "supplier": po.supplier, "status": po.status, "total": po.total,
        "created_at": po.created_at, "created_by_id": po.created_by_id,
        "spend": sum((l.spend for l in lines), Decimal("0.00")),
        "held": [delivery_view(d) for d in uow.purchase_orders.held_of(po.id)],
        "lines": [{"line_id": l.id, "request_id": l.request_id, "request_number": numbers.get(l.request_id),
                   "item_id": l.item_id, "description": l.description, "unit": l.unit, "quantity": l.quantity,
                   "unit_price": l.unit_price, "received_quantity": l.received_quantity, "spend": l.spend}
                  for l in lines],
    }


def _require_buyer(actor: Actor) -> None:
    if not actor.is_("procurement"):
        raise Forbidden("only the procurement officer places and receives orders")


def place_order(supplier: str, line_ids: list[int], actor: Actor, uow) -> dict:
    _require_buyer(actor)
    if not line_ids:
        raise InvalidInput("no lines", {"line_ids": ["At least one line."]})
    if len(set(line_ids)) != len(line_ids):
        raise InvalidInput("repeated line", {"line_ids": ["Each line once."]})
    with uow:
        store = uow.supply_requests
        # The requests are locked in id order (their lines are written only under that lock): two
        # buyers never deadlock and never put one line on two orders.
        requests = store.get_many(store.ids_of_lines(line_ids), lock=True)
        lines = {l.id: l for r in requests.values() for l in r.lines}
        errors = {}
        for n, line_id in enumerate(line_ids):
            line = lines.get(line_id)
            if line is None:
                errors[f"line_ids.{n}"] = ["Unknown line."]
            elif requests[line.request_id].status != "approved" or line.purchase_order_id is not None:
                errors[f"line_ids.{n}"] = ["Not an approved line waiting to be ordered."]
            elif line.item_id is not None and line.supplier != supplier:
                errors[f"line_ids.{n}"] = [f"This catalog item comes from {line.supplier}."]
        if errors:
            raise InvalidInput("lines cannot be ordered", errors)
        po = PurchaseOrder(supplier=supplier, status="placed", created_by_id=actor.id, created_at=utcnow(),
                           total=sum((lines[i].amount for i in line_ids), Decimal("0.00")))
        uow.purchase_orders.add(po)
        po.number = f"PO-{uow.office_year(po.created_at)}-{po.id:06d}"
        for line_id in line_ids:
            lines[line_id].purchase_order_id = po.id
            lines[line_id].supplier = supplier
        store.save_lines([lines[i] for i in line_ids], ("purchase_order_id", "supplier"))
        for req in requests.values():
            if all(l.purchase_order_id is not None for l in req.lines):
                kernel.move(SUPPLY_FLOW, uow, req, "order", actor, data={"purchase_order": po.number})
            else:
                _touch(store, req)
        uow.record("purchase_order", po.id, "place", actor, to_state="placed",
                     data={"lines": line_ids, "total": str(po.total)})
        uow.emit("order.placed", "purchase_order", po.id, number=po.number, supplier=supplier,
             request_ids=sorted(requests), actor_id=actor.id)
        uow.commit()
        uow.purchase_orders.refresh(po)
        return view(uow, po)


def _touch(store, req) -> None:
    """A change the requester can see (lines ordered or received) without a step: a new version."""
    read, req.version, req.updated_at = req.version, req.version + 1, utcnow()
    store.save(req, read, ("version", "updated_at", "committed_amount"))


def _hold_reasons(orders, doc, requests: dict, deliveries: list[dict], lines: dict) -> dict[int, list[str]]:
    """Why each delivery (by its index) must wait for logistics; none for those booked at once.

    above_tolerance: its real amount exceeds the approved amount (quantity x the approved unit
    price) by more than the policy's tolerance. second_level: the request was approved at the
    first level only and its real amount (received, held, this delivery, and what is still to come
    at the approved price) reaches the second-level threshold.
    """
    reasons: dict[int, list[str]] = {n: [] for n in range(len(deliveries))}
    limit = 1 + doc.receipt_tolerance
    for n, d in enumerate(deliveries):
        if d["amount"] > (d["approved"] * limit).quantize(CENT):
            reasons[n].append("above_tolerance")
    for req in requests.values():
        if req.needs_office_review:
            continue
        ids = [l.id for l in req.lines]
        held, real = orders.held_by_line(ids), Decimal("0.00")
        for l in req.lines:
            held_quantity, held_amount = held.get(l.id, (Decimal("0"), Decimal("0.00")))
            to_come = ((l.quantity - l.received_quantity - held_quantity) * l.unit_price).quantize(CENT)
            real += l.spend + held_amount + to_come
        mine = [n for n, d in enumerate(deliveries) if lines[d["line_id"]].request_id == req.id]
        # This receipt's deliveries are among what was still to come, at the approved price.
        real += sum((deliveries[n]["amount"] - deliveries[n]["approved"] for n in mine), Decimal("0.00"))
        if real >= doc.second_level_threshold and not orders.second_level_accepted(ids):
            for n in mine:
                reasons[n].append("second_level")
    return reasons


def book(uow, line, req, quantity: Decimal, amount: Decimal) -> None:
    """A delivery counted: received quantity, spend, and the budget moved from committed to spent.

    The caller saves the line and the request (`settle`)."""
    released = min((quantity * line.unit_price).quantize(CENT), req.committed_amount)
    line.received_quantity += quantity
    line.spend += amount
    req.committed_amount -= released
    uow.budgets.record_spend(req.department_id, req.budget_year, released, amount)


def settle(uow, po: PurchaseOrder, requests, order_lines: list, booked: list, actor: Actor) -> str:
    """Save what deliveries booked; requests received in full move on (the supply flow gives the
    rest of their estimate back to the budget); the order's status follows its lines. Returns the
    order's status before."""
    store = uow.supply_requests
    store.save_lines(booked, ("received_quantity", "spend"))
    touched = {l.request_id for l in booked}
    for req in requests:
        if req.status == "ordered" and all(l.received_quantity >= l.quantity for l in req.lines):
            kernel.move(SUPPLY_FLOW, uow, req, "receive", actor, data={"purchase_order": po.number})
        elif req.id in touched:
            _touch(store, req)
    before = po.status
    if any(l.received_quantity for l in order_lines):
        po.status = ("received" if all(l.received_quantity >= l.quantity for l in order_lines)
                     else "partially_received")
    return before


def order_lines_of(uow, po: PurchaseOrder, requests, lines: list | None = None) -> list:
    """The order's lines (`lines` if read already), those of `requests` as the very objects the
    requests hold, so that a booking shows in both."""
    held = {l.id: l for r in requests for l in r.lines}
    return [held.get(l.id, l) for l in (uow.supply_requests.lines_of_order(po.id) if lines is None else lines)]


def receive(po_id: int, deliveries: list[dict], actor: Actor, uow) -> dict:
    """Record delivered quantities and actual prices; spend = quantity × actual price.

    A delivery beyond the approved amount (see _hold_reasons) is kept as `held`: not spend, not
    received, until logistics accepts it (receipts.decide). The answer's `receipt_status` says
    accepted, held (all of it) or partly_held.
    """
    _require_buyer(actor)
    if not deliveries:
        raise InvalidInput("nothing delivered", {"lines": ["At least one line."]})
    with uow:
        orders = uow.purchase_orders
        po = orders.get(po_id, lock=True)
        if po is None:
            raise NotFound("no such purchase order")
        if po.status == "received":
            raise InvalidInput("already received in full", {"lines": ["The order is complete."]})
        lines = {l.id: l for l in uow.supply_requests.lines_of_order(po.id)}
        held = orders.held_by_line(list(lines))
        errors, seen = {}, set()
        for n, d in enumerate(deliveries):
            line = lines.get(d["line_id"])
            if line is None:
                errors[f"lines.{n}.line_id"] = ["Not a line of this order."]
            elif d["line_id"] in seen:
                errors[f"lines.{n}.line_id"] = ["Each line once per delivery."]
            elif line.received_quantity + held.get(line.id, (0, 0))[0] + d["quantity"] > line.quantity:
                left = line.quantity - line.received_quantity - held.get(line.id, (0, 0))[0]
                errors[f"lines.{n}.quantity"] = [f"More than ordered: {left} outstanding (held receipts count)."]
            seen.add(d["line_id"])
        if errors:
            raise InvalidInput("delivery does not match the order", errors)
        req_ids = sorted({lines[d["line_id"]].request_id for d in deliveries})
        requests = uow.supply_requests.get_many(req_ids, lock=True)
        order_lines = order_lines_of(uow, po, requests.values(), list(lines.values()))
        lines = {l.id: l for l in order_lines}
        priced = [d | {"amount": (d["quantity"] * d["unit_price"]).quantize(CENT),
                       "approved": (d["quantity"] * lines[d["line_id"]].unit_price).quantize(CENT)} for d in deliveries]
        reasons = _hold_reasons(orders, uow.policy_document, requests, priced, lines)
        now = utcnow()
        rows, held_rows, booked = [], [], []
        for n, d in enumerate(priced):
            line = lines[d["line_id"]]
            req = requests[line.request_id]
            if not reasons[n]:
                book(uow, line, req, d["quantity"], d["amount"])
                booked.append(line)
            row = Delivery.of(line, req.department_id, purchase_order_id=po.id, quantity=d["quantity"],
                              unit_price=d["unit_price"], amount=d["amount"], received_by_id=actor.id,
                              received_at=now, status="held" if reasons[n] else "accepted",
                              hold_reasons=" ".join(reasons[n]) or None)
            rows.append(row)
            if reasons[n]:
                held_rows.append((row, d))
        before = settle(uow, po, requests.values(), order_lines, booked, actor)
        orders.add_all(rows)  # with the order's new status: one flush, and the held ones have their ids
        for row, d in held_rows:
            uow.record("delivery", row.id, "hold", actor, to_state="held",
                         data={"purchase_order": po.number, "line_id": row.line_id, "reasons": (row.hold_reasons or "").split(),
                               "amount": str(row.amount), "approved": str(d["approved"])})
        uow.record("purchase_order", po.id, "receive", actor, from_state=before, to_state=po.status,
                     data={"lines": [{"line_id": d["line_id"], "quantity": str(d["quantity"]),
                                      "unit_price": str(d["unit_price"])} for d in deliveries],
                           "held": [row.id for row, _ in held_rows]})
        uow.emit("order.received", "purchase_order", po.id, number=po.number, status=po.status,
             request_ids=req_ids, actor_id=actor.id)
        uow.commit()
        status = "accepted" if not held_rows else ("held" if len(held_rows) == len(priced) else "partly_held")
        return view(uow, po, order_lines) | {"receipt_status": status}


def get_order(po_id: int, actor: Actor, uow) -> dict:
    if not actor.is_(*READERS):
        raise NotFound("no such purchase order")
    with uow:
        po = uow.purchase_orders.get(po_id)
        if po is None:
            raise NotFound("no such purchase order")
        return view(uow, po)


def list_orders(actor: Actor, uow, *, status=None, before_id=None, limit=50) -> list[dict]:
    if not actor.is_(*READERS):
        raise Forbidden("purchase orders are for procurement, finance and logistics")
    with uow:
        return [view(uow, po) for po in uow.purchase_orders.page(status=status, before_id=before_id, limit=limit)]
