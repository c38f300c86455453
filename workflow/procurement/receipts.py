"""Held receipts: deliveries beyond the approved amount wait for logistics to accept or reject them."""
from __future__ import annotations

from workflow.kernel.access import Actor
from workflow.kernel.db import utcnow
from workflow.kernel.errors import Forbidden, IllegalStep, InvalidInput, NotFound
from .purchasing import book, delivery_view, order_lines_of, settle

DECISIONS = ("accept", "reject")


def _require_logistics(actor: Actor) -> None:
    if not actor.is_("logistics"):
        raise Forbidden("only logistics accepts or rejects a held receipt")


def list_held(actor: Actor, uow, *, limit: int = 200) -> list[dict]:
    """The receipts waiting for logistics, oldest first (the queue shows them too)."""
    _require_logistics(actor)
    with uow:
        return [delivery_view(d) for d in uow.purchase_orders.held_deliveries(limit)]


def decide(delivery_id: int, decision: str, comment: str | None, actor: Actor, uow) -> dict:
    """Accept (the delivery becomes spend, as if received within the approval) or reject (it never
    counts, and its quantity is outstanding again). Either needs a comment and is audited."""
    if decision not in DECISIONS:
        raise NotFound(f"no decision {decision}")
    _require_logistics(actor)
    if not (comment and comment.strip()):
        raise InvalidInput(f"{decision} needs a comment", {"comment": ["Say why the amount is (not) accepted."]})
    with uow:
        orders = uow.purchase_orders
        # The order first, then the delivery and the request: the order in which receive() locks.
        po_id = orders.order_of_delivery(delivery_id)
        if po_id is None:
            raise NotFound("no such delivery")
        po = orders.get(po_id, lock=True)
        delivery = orders.delivery(delivery_id, lock=True)
        if delivery.status != "held":
            raise IllegalStep("only a held receipt is accepted or rejected", allowed=[])
        store = uow.supply_requests
        req = store.get(store.ids_of_lines([delivery.line_id])[0], lock=True)
        line = next(l for l in req.lines if l.id == delivery.line_id)
        if req.requester_id == actor.id:
            raise Forbidden("nobody decides on a receipt of their own request")
        now = utcnow()
        before = po.status
        if decision == "accept":
            book(uow, line, req, delivery.quantity, delivery.amount)
            before = settle(uow, po, [req], order_lines_of(uow, po, [req]), [line], actor)
        delivery.status = "accepted" if decision == "accept" else "rejected"
        delivery.decided_by_id, delivery.decided_at, delivery.decision_comment = actor.id, now, comment.strip()
        orders.save()
        uow.record("delivery", delivery.id, decision, actor, from_state="held", to_state=delivery.status,
                     comment=delivery.decision_comment,
                     data={"purchase_order": po.number, "line_id": line.id, "amount": str(delivery.amount),
                           "reasons": (delivery.hold_reasons or "").split()})
        if decision == "accept":
            uow.record("purchase_order", po.id, "receive", actor, from_state=before, to_state=po.status,
                         data={"accepted_delivery": delivery.id})
            uow.emit("order.received", "purchase_order", po.id, number=po.number, status=po.status,
                 request_ids=[req.id], actor_id=actor.id)
        uow.commit()
        return delivery_view(delivery)
