"""Staff pages: home, new supply request with live policy feedback, my requests, a request, a trip."""
from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask import abort, current_app, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from marshmallow import ValidationError

from api.auth import uow
from api.errors import flatten
from api.fields import ID_MAX, OrderedQuantity, is_id
from api.supply_requests.schemas import ActionSchema, SupplyRequestInSchema
from api.trip_requests.schemas import TripActionSchema, TripRequestInSchema

from workflow.kernel.errors import DomainError, JustificationRequired, NotFound, PolicyBlocked
from workflow.people.delegation import may_review
from workflow.procurement import catalog, supply_requests
from workflow.procurement.supply_requests import SUPPLY_FLOW, LineInput
from workflow.vehicles import destinations, dispatch, trip_requests

from .auth import login_required, web_actor
from .diagrams import flow_diagram
from .errors import error_page, invalid_form, pages_blueprint

blp = pages_blueprint("web_pages", __name__)


@blp.get("/app")
@login_required
def home():
    actor = web_actor()
    start = {"procurement": "web_purchasing.waiting", "fleet": "web_fleet.board", "driver": "web_fleet.driver",
             "dept_head": "web_approvals.queue", "logistics": "web_approvals.queue",
             "finance": "web_finance.dashboard", "admin": "web_admin.index"}
    if actor.role in start:
        return redirect(url_for(start[actor.role]))
    return redirect(url_for("web_pages.my_requests"))


def _lines_from_form(form) -> tuple[list[LineInput], dict]:
    """Rows of (item, quantity) from the form; empty rows are skipped, bad quantities reported
    (with the API's limits: above 0, at most a million, three decimals; at most 100 lines)."""
    lines, errors = [], {}
    limit = SupplyRequestInSchema().fields["lines"].validate
    items, quantities = form.getlist("item_id"), form.getlist("quantity")
    swapped = form.getlist("swapped_from_item_id")
    # Not strict: a posted form with fewer quantities than items is read up to the shorter list, not a 500.
    for n, (item, qty) in enumerate(zip(items, quantities, strict=False)):
        if not item and not qty:
            continue
        try:
            quantity = Decimal(qty)
            if not quantity.is_finite():
                raise InvalidOperation
            quantity = OrderedQuantity().deserialize(qty)
        except (InvalidOperation, ValueError):
            errors[f"lines.{len(lines)}.quantity"] = [_("Enter a number.")]
            continue
        except ValidationError as exc:
            errors[f"lines.{len(lines)}.quantity"] = exc.messages
            continue
        if not is_id(item) or int(item) > ID_MAX:
            errors[f"lines.{len(lines)}.item_id"] = [_("Choose an item.")]
            continue
        swap = swapped[n] if n < len(swapped) and is_id(swapped[n]) and int(swapped[n]) <= ID_MAX else None
        lines.append(LineInput(quantity=quantity, item_id=int(item), swapped_from_item_id=int(swap) if swap else None))
    try:
        limit(lines)
    except ValidationError as exc:
        errors["lines"] = exc.messages
    return lines, errors


def _filled(form, *names) -> dict:
    """The named fields the form filled in, as text for an API schema to check (blank = not given)."""
    return {name: form[name].strip() for name in names if (form.get(name) or "").strip()}


def _catalog():
    return catalog.list_items(uow(), limit=500)


@blp.route("/app/supply/new", methods=["GET", "POST"])
@login_required
def new_supply():
    actor = web_actor()
    form = {"purpose": "", "justification": "", "lines": []}
    errors, findings, message = {}, [], None
    if request.method == "POST":
        form["purpose"] = request.form.get("purpose", "").strip()
        form["justification"] = request.form.get("justification", "").strip()
        lines, errors = _lines_from_form(request.form)
        form["lines"] = lines
        if not form["purpose"]:
            errors["purpose"] = [_("Say what the supplies are for.")]
        # The API's limits, said to the person rather than cut off without a word.
        for name, schema in (("purpose", SupplyRequestInSchema), ("justification", ActionSchema)):
            try:
                if form[name]:
                    schema().fields[name].deserialize(form[name])
            except ValidationError as exc:
                errors[name] = exc.messages
        if not errors:
            try:
                req = supply_requests.create_draft(form["purpose"], None, lines, actor, uow())
                if request.form.get("intent") == "submit":
                    supply_requests.act(req["id"], "submit", req["version"], actor, uow(),
                                        justification=form["justification"] or None)
                return redirect(url_for("web_pages.supply_request", request_id=req["id"]))
            except (PolicyBlocked, JustificationRequired) as exc:
                findings, message = exc.extra.get("findings", []), exc.message
                return redirect(url_for("web_pages.supply_request", request_id=req["id"], blocked=1))
            except DomainError as exc:
                errors, message = exc.errors, exc.message
    return render_template("web/supply_form.html", form=form, items=_catalog(), errors=errors,
                           findings=findings, message=message), (422 if errors else 200)


@blp.post("/app/evaluate")
@login_required
def evaluate():
    """Live feedback for the form (JSON, CSRF header): nothing is saved."""
    lines, errors = _lines_from_form(request.form)
    if errors or not lines:
        return jsonify({"findings": [], "errors": errors})
    try:
        return jsonify(supply_requests.evaluate_lines(lines, web_actor(), uow()) | {"errors": {}})
    except DomainError as exc:
        return jsonify({"findings": [], "errors": exc.errors}), 422


@blp.get("/app/requests")
@login_required
def my_requests():
    actor = web_actor()
    supply = supply_requests.list_requests(actor, uow(), requester_id=actor.id, limit=100)
    trips = [t for t in trip_requests.list_requests(actor, uow(), limit=100) if t["requester"]["id"] == actor.id]
    return render_template("web/my_requests.html", supply=supply, trips=trips)


@blp.get("/app/supply/<int:request_id>")
@login_required
def supply_request(request_id: int):
    actor = web_actor()
    try:
        req = supply_requests.get_request(request_id, actor, uow())
        history = supply_requests.request_history(request_id, actor, uow())
    except NotFound:
        abort(404)
    can_decide = _can_decide(actor, req)
    return render_template("web/supply_request.html", req=req, history=history,
                           diagram=flow_diagram("supply", req["status"]), can_decide=can_decide,
                           budget=_budget_impact(actor, req) if can_decide else None,
                           blocked=request.args.get("blocked"))


def _budget_impact(actor, req) -> dict | None:
    """For the approver: the department's remaining budget now and after this request."""
    from workflow.procurement import budget

    year = (req["submitted_at"] or req["created_at"]).astimezone(
        current_app.extensions["jieyue"].uow().office_tz).year
    rows = [b for b in budget.list_budgets(year, actor, uow()) if b["department_id"] == req["department"]["id"]]
    if not rows:
        return None
    row = rows[0]
    # A request approved at the first level already holds its amount in the budget's `committed`.
    after = row["remaining"] - (req["total"] - req["committed_amount"])
    return {"year": year, "amount": row["amount"], "remaining": row["remaining"], "after": after}


def _can_decide(actor, req) -> bool:
    """Show the approval form when the service would let this person decide (the rule lives there)."""
    return req["requester"]["id"] != actor.id and may_review(actor, SUPPLY_FLOW.level_of(req["status"]),
                                                                  req["department"]["id"])


@blp.post("/app/supply/<int:request_id>/<action>")
@login_required
def supply_action(request_id: int, action: str):
    if action not in ("submit", "resubmit", "cancel", "approve", "return", "reject"):
        abort(404)
    try:
        given = ActionSchema().load(_filled(request.form, "version", "comment", "justification"))
    except ValidationError as exc:
        return invalid_form(exc)
    try:
        supply_requests.act(request_id, action, given["version"], web_actor(), uow(),
                            comment=given.get("comment"), justification=given.get("justification"))
    except (PolicyBlocked, JustificationRequired):
        return redirect(url_for("web_pages.supply_request", request_id=request_id, blocked=1))
    except DomainError as exc:
        return error_page(exc)
    return redirect(url_for("web_pages.supply_request", request_id=request_id))


@blp.route("/app/trips/new", methods=["GET", "POST"])
@login_required
def new_trip():
    actor = web_actor()
    dests = destinations.list_destinations(uow())
    values, errors, findings, message = dict(request.form), {}, [], None
    if request.method == "POST":
        try:
            given = _trip_input(request.form, dests)
            req = trip_requests.file_request(given, actor, uow())
            return redirect(url_for("web_pages.trip_request", request_id=req["id"]))
        except PolicyBlocked as exc:
            findings, message = exc.extra.get("findings", []), _("A car is not the way for this trip.")
        except DomainError as exc:
            errors, message = exc.errors, exc.message
        except ValidationError as exc:
            errors, message = flatten(exc.messages), _("Some fields need attention.")
    return render_template("web/trip_form.html", destinations=dests, values=values, errors=errors,
                           travel=current_app.extensions["jieyue"].policy_document.travel,
                           findings=findings, message=message), (422 if (errors or findings) else 200)


def _trip_input(form, dests) -> trip_requests.TripInput:
    """The trip form read through the JSON API's schema, so both take the same values and limits."""
    dest_id = form.get("destination_id")
    dest = next((d for d in dests if str(d["id"]) == dest_id), None)
    given = _filled(form, "purpose_category", "distance_km", "passengers", "depart_at", "return_at",
                    "exemption", "exemption_note")
    given.setdefault("passengers", "1")
    given["purpose"] = (form.get("purpose") or "").strip() or "-"
    given["destination"] = (dest["name"] if dest else (form.get("destination") or "").strip()) or "-"
    if dest:
        given["destination_id"] = dest["id"]
    return trip_requests.TripInput(**TripRequestInSchema().load(given))


@blp.get("/app/trips/<int:request_id>")
@login_required
def trip_request(request_id: int):
    actor = web_actor()
    try:
        req = trip_requests.get_request(request_id, actor, uow())
        history = trip_requests.request_history(request_id, actor, uow())
    except NotFound:
        abort(404)
    return render_template("web/trip_request.html", req=req, history=history,
                           diagram=flow_diagram("trip", req["status"]), can_decide=_can_decide(actor, req))


@blp.post("/app/trips/<int:request_id>/<action>")
@login_required
def trip_action(request_id: int, action: str):
    if action not in ("approve", "return", "reject", "cancel"):
        abort(404)
    try:
        given = TripActionSchema().load(_filled(request.form, "version", "comment"))
    except ValidationError as exc:
        return invalid_form(exc)
    dispatch.act(request_id, action, {"comment": None} | given, web_actor(), uow())
    return redirect(url_for("web_pages.trip_request", request_id=request_id))
