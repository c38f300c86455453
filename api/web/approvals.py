"""Approvers' pages: the queue (supply, trips, held receipts; oldest first, overdue marked) and its actions."""
from __future__ import annotations

from flask import abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from marshmallow import ValidationError

from api.auth import uow
from api.fields import ID_MAX, is_id
from api.purchase_orders.schemas import ReceiptDecisionSchema
from api.ratelimits import BULK_MAX_ITEMS, bulk_items
from workflow.approvals import kernel
from workflow.kernel.errors import BadQuery, DomainError
from workflow.procurement import receipts
from workflow.worklist import queue
from workflow.worklist.registry import FLOWS

from .auth import login_required, web_actor
from .errors import invalid_form, pages_blueprint


blp = pages_blueprint("web_approvals", __name__)


@blp.get("/app/queue", endpoint="queue")
@login_required
def queue_page():
    page = queue.my_queue(web_actor(), uow(), cursor=request.args.get("cursor") or None, limit=50)
    return render_template("web/queue.html", page=page)


@blp.post("/app/queue/bulk-approve")
@login_required
def bulk_approve():
    """Approve the selected items one by one: each is checked and audited on its own."""
    actor = web_actor()
    items = bulk_items()
    if len(items) > BULK_MAX_ITEMS:  # each item costs one action against the rate limit, too
        raise BadQuery("too many items", {"item": [_("At most %(most)s items at once; %(given)s were selected.",
                                                     most=BULK_MAX_ITEMS, given=len(items))]})
    results = []
    for value in items:
        kind, _sep, rest = value.partition(":")
        item_id, _sep, version = rest.partition(":")
        try:
            if not (is_id(item_id) and is_id(version) and int(item_id) <= ID_MAX and int(version) <= ID_MAX):
                raise ValueError(value)
            if kind not in FLOWS:
                raise ValueError(kind)
            done = kernel.act(FLOWS[kind], int(item_id), "approve", int(version), actor, uow())
            results.append({"number": done["number"], "ok": True, "status": done["status"]})
        except DomainError as exc:
            results.append({"number": f"#{item_id}", "ok": False, "message": exc.message})
        except ValueError:
            results.append({"number": value, "ok": False, "message": "not an item of the queue"})
    return render_template("web/bulk_result.html", results=results)


@blp.post("/app/receipts/<int:delivery_id>/<action>")
@login_required
def decide_receipt(delivery_id: int, action: str):
    """Logistics accepts or rejects a held receipt from the queue, with a comment (the API's limits)."""
    if action not in receipts.DECISIONS:
        abort(404)
    try:
        given = ReceiptDecisionSchema().load({"comment": (request.form.get("comment") or "").strip()})
    except ValidationError as exc:
        return invalid_form(exc)
    receipts.decide(delivery_id, action, given["comment"], web_actor(), uow())
    return redirect(url_for("web_approvals.queue"))
