"""Staff pages: home, new supply request with live policy feedback, my requests, a request, a trip."""
from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask import Blueprint, abort, current_app, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _

from workflow import catalog, destinations, dispatch, supply_requests, trip_requests
from workflow.delegation import may_review
from workflow.errors import DomainError, JustificationRequired, NotFound, PolicyBlocked
from workflow.supply_requests import LineInput

from .auth import login_required, web_actor
from .diagrams import flow_diagram

from .errors import error_page

blp = Blueprint("web_pages", __name__)


def _uow():
    return current_app.extensions["jieyue"].uow()


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
    """Rows of (item, quantity) from the form; empty rows are skipped, bad quantities reported."""
    lines, errors = [], {}
    items, quantities = form.getlist("item_id"), form.getlist("quantity")
    swapped = form.getlist("swapped_from_item_id")
    for n, (item, qty) in enumerate(zip(items, quantities)):
        if not item and not qty:
            continue
        try:
            quantity = Decimal(qty)
            if not quantity.is_finite():
                raise InvalidOperation
        except (InvalidOperation, ValueError):
            errors[f"lines.{len(lines)}.quantity"] = [_("Enter a number.")]
            continue
        if not item.isdigit():
            errors[f"lines.{len(lines)}.item_id"] = [_("Choose an item.")]
            continue
        swap = swapped[n] if n < len(swapped) and swapped[n].isdigit() else None
        lines.append(LineInput(quantity=quantity, item_id=int(item), swapped_from_item_id=int(swap) if swap else None))
    return lines, errors


def _catalog():
    return catalog.list_items(_uow(), limit=500)


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
        if not errors:
            try:
                req = supply_requests.create_draft(form["purpose"][:500], None, lines, actor, _uow())
                if request.form.get("intent") == "submit":
                    supply_requests.act(req["id"], "submit", req["version"], actor, _uow(),
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
        return jsonify(supply_requests.evaluate_lines(lines, web_actor(), _uow()) | {"errors": {}})
    except DomainError as exc:
        return jsonify({"findings": [], "errors": exc.errors}), 422


@blp.get("/app/requests")
@login_required
def my_requests():
    actor = web_actor()
    supply = supply_requests.list_requests(actor, _uow(), requester_id=actor.id, limit=100)
    trips = [t for t in trip_requests.list_requests(actor, _uow(), limit=100) if t["requester"]["id"] == actor.id]
    return render_template("web/my_requests.html", supply=supply, trips=trips)


@blp.get("/app/supply/<int:request_id>")
@login_required
def supply_request(request_id: int):
    actor = web_actor()
    try:
        req = supply_requests.get_request(request_id, actor, _uow())
        history = supply_requests.request_history(request_id, actor, _uow())
    except NotFound:
        abort(404)
    can_decide = _can_decide(actor, req)
    return render_template("web/supply_request.html", req=req, history=history,
                           diagram=flow_diagram("supply", req["status"]), can_decide=can_decide,
                           budget=_budget_impact(actor, req) if can_decide else None,
                           blocked=request.args.get("blocked"))


def _budget_impact(actor, req) -> dict | None:
    """For the approver: the department's remaining budget now and after this request."""
    from workflow import budget

    year = (req["submitted_at"] or req["created_at"]).astimezone(
        current_app.extensions["jieyue"].uow().office_tz).year
    rows = [b for b in budget.list_budgets(year, actor, _uow()) if b["department_id"] == req["department"]["id"]]
    if not rows:
        return None
    row = rows[0]
    # A request approved at the first level already holds its amount in the budget's `committed`.
    after = row["remaining"] - (req["total"] - req["committed_amount"])
    return {"year": year, "amount": row["amount"], "remaining": row["remaining"], "after": after}


def _can_decide(actor, req) -> bool:
    """Show the approval form when the service would let this person decide (the rule lives there)."""
    return req["requester"]["id"] != actor.id and may_review(actor, req["status"], req["department"]["id"])


@blp.post("/app/supply/<int:request_id>/<action>")
@login_required
def supply_action(request_id: int, action: str):
    if action not in ("submit", "resubmit", "cancel", "approve", "return", "reject"):
        abort(404)
    try:
        supply_requests.act(request_id, action, int(request.form.get("version", 0)), web_actor(), _uow(),
                            comment=request.form.get("comment") or None,
                            justification=request.form.get("justification") or None)
    except (PolicyBlocked, JustificationRequired):
        return redirect(url_for("web_pages.supply_request", request_id=request_id, blocked=1))
    except DomainError as exc:
        return error_page(exc)
    return redirect(url_for("web_pages.supply_request", request_id=request_id))


@blp.route("/app/trips/new", methods=["GET", "POST"])
@login_required
def new_trip():
    actor = web_actor()
    dests = destinations.list_destinations(_uow())
    values, errors, findings, message = dict(request.form), {}, [], None
    if request.method == "POST":
        try:
            given = _trip_input(request.form, dests)
            req = trip_requests.file_request(given, actor, _uow())
            return redirect(url_for("web_pages.trip_request", request_id=req["id"]))
        except PolicyBlocked as exc:
            findings, message = exc.extra.get("findings", []), _("A car is not the way for this trip.")
        except DomainError as exc:
            errors, message = exc.errors, exc.message
        except ValueError as exc:
            errors, message = {str(exc): [_("Check this field.")]}, _("Some fields need attention.")
    return render_template("web/trip_form.html", destinations=dests, values=values, errors=errors,
                           travel=current_app.extensions["jieyue"].policy_document.travel,
                           findings=findings, message=message), (422 if (errors or findings) else 200)


def _trip_input(form, dests) -> trip_requests.TripInput:
    import datetime as dt
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(current_app.config["TIMEZONE"])

    def moment(name):
        try:
            return dt.datetime.fromisoformat(form.get(name, "")).replace(tzinfo=zone)
        except ValueError:
            raise ValueError(name)

    dest_id = form.get("destination_id")
    dest = next((d for d in dests if str(d["id"]) == dest_id), None)
    distance = form.get("distance_km") or None
    try:
        distance = Decimal(distance) if distance else None
    except InvalidOperation:
        raise ValueError("distance_km")
    try:
        passengers = int(form.get("passengers") or 1)
    except ValueError:
        raise ValueError("passengers")
    return trip_requests.TripInput(
        purpose_category=form.get("purpose_category", ""), purpose=(form.get("purpose") or "").strip()[:500] or "-",
        origin="Office", destination=(dest["name"] if dest else (form.get("destination") or "").strip()[:200]) or "-",
        destination_id=dest["id"] if dest else None, distance_km=distance, passengers=passengers,
        depart_at=moment("depart_at"), return_at=moment("return_at"),
        exemption=form.get("exemption") or None, exemption_note=(form.get("exemption_note") or "").strip() or None)


@blp.get("/app/trips/<int:request_id>")
@login_required
def trip_request(request_id: int):
    actor = web_actor()
    try:
        req = trip_requests.get_request(request_id, actor, _uow())
        history = trip_requests.request_history(request_id, actor, _uow())
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
        dispatch.act(request_id, action, {"version": int(request.form.get("version", 0)),
                                          "comment": request.form.get("comment") or None}, web_actor(), _uow())
    except DomainError as exc:
        return error_page(exc)
    return redirect(url_for("web_pages.trip_request", request_id=request_id))
