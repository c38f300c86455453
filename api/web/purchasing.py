"""Procurement pages: approved lines waiting to be ordered (one order per supplier), orders, deliveries."""
from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask import redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from api.auth import uow
from api.fields import is_id
from workflow.procurement import purchasing, supply_requests

from .auth import roles_required, web_actor
from .errors import id_in_query, pages_blueprint


blp = pages_blueprint("web_purchasing", __name__)
PAGE = 200  # requests read per call while gathering the lines waiting to be ordered


def _for_buyer() -> str:
    return _("These pages are for the procurement officer.")


# ---- numbers typed into forms ----------------------------------------------------------------

def read_decimal(form, name: str, errors: dict, *, places: int, high: Decimal, low: Decimal = Decimal("0"),
                 above_low: bool = False, required: bool = True) -> Decimal | None:
    """A number from a form field, checked like the JSON API checks it; a problem goes into `errors[name]`.

    Blank gives None (an error if required).
    """
    raw = (form.get(name) or "").strip()
    key = name
    if not raw:
        if required:
            errors[key] = _("Enter a number.")
        return None
    try:
        value = Decimal(raw)
        if not value.is_finite():
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        errors[key] = _("“%(value)s” is not a number: enter digits, e.g. 12.5.", value=raw[:40])
        return None
    if value < low or (above_low and value == low) or value > high:
        errors[key] = (_("Enter a number above %(low)s and at most %(high)s.", low=low, high=high) if above_low
                       else _("Enter a number from %(low)s to %(high)s.", low=low, high=high))
        return None
    if value.as_tuple().exponent < -places:
        errors[key] = ngettext("Use at most %(num)d decimal place.", "Use at most %(num)d decimal places.", places)
        return None
    return value


def plain(value: Decimal | None) -> str:
    """10.000 → "10", 2.50 → "2.5": how a person would type it."""
    if value is None:
        return ""
    return format(value.normalize(), "f")


# ---- lines waiting to be ordered -------------------------------------------------------------

def _waiting_groups(actor) -> list[dict]:
    """Approved lines not yet on an order, one group per supplier (lines without one last)."""
    lines, before = [], None
    while True:
        page = supply_requests.list_requests(actor, uow(), status="approved", before_id=before, limit=PAGE)
        for req in page:
            for line in req["lines"]:
                if line["purchase_order_id"] is None:
                    lines.append(line | {"request_id": req["id"], "request_number": req["number"],
                                         "department": req["department"], "requester": req["requester"]})
        if len(page) < PAGE:
            break
        before = page[-1]["id"]
    groups: dict = {}
    for line in sorted(lines, key=lambda l: (l["request_id"], l["position"])):
        groups.setdefault(line["supplier"] or "", []).append(line)
    return [{"supplier": supplier, "lines": rows, "total": sum((l["amount"] for l in rows), Decimal("0.00"))}
            for supplier, rows in sorted(groups.items(), key=lambda kv: (kv[0] == "", kv[0]))]


def _waiting_page(message=None, status=200):
    return render_template("web/purchasing.html", groups=_waiting_groups(web_actor()), message=message), status


@blp.get("/app/purchasing")
@roles_required("procurement", message=_for_buyer)
def waiting():
    return _waiting_page()


@blp.post("/app/purchasing/orders")
@roles_required("procurement", message=_for_buyer)
def place():
    supplier = (request.form.get("supplier") or "").strip()
    raw_ids = request.form.getlist("line_id")
    if not supplier or len(supplier) > 200:
        return _waiting_page(_("Give the supplier's name (at most 200 characters)."), 422)
    if not raw_ids:
        return _waiting_page(_("Select at least one line to order."), 422)
    if not all(is_id(v) and int(v) > 0 for v in raw_ids):
        return _waiting_page(_("The selected lines are not valid; reload the page and try again."), 422)
    order = purchasing.place_order(supplier, [int(v) for v in raw_ids], web_actor(), uow())
    return redirect(url_for("web_purchasing.order", po_id=order["id"]))


# ---- orders and deliveries -------------------------------------------------------------------

@blp.get("/app/purchasing/orders")
@roles_required("procurement", message=_for_buyer)
def orders():
    rows = purchasing.list_orders(web_actor(), uow(), before_id=id_in_query("before"), limit=50)
    return render_template("web/purchasing_orders.html", orders=rows,
                           next_before=rows[-1]["id"] if len(rows) == 50 else None)


def _with_outstanding(order: dict) -> dict:
    """Outstanding: ordered less received less held (a held receipt arrived; logistics decides on it)."""
    held: dict = {}
    for d in order.get("held", ()):
        held[d["line_id"]] = held.get(d["line_id"], Decimal("0")) + d["quantity"]
    for line in order["lines"]:
        line["outstanding"] = max(line["quantity"] - line["received_quantity"] - held.get(line["line_id"], 0),
                                  Decimal("0"))
    return order


def _order_page(order: dict, values: dict | None = None, errors: dict | None = None, message=None, status=200):
    order = _with_outstanding(order)
    if values is None:  # defaults: everything outstanding, at the estimated price
        values = {}
        for line in order["lines"]:
            values[f"quantity-{line['line_id']}"] = plain(line["outstanding"])
            values[f"price-{line['line_id']}"] = f"{line['unit_price']:.2f}"
    return render_template("web/purchasing_order.html", order=order, values=values, errors=errors or {},
                           message=message, received=request.args.get("received")), status


@blp.get("/app/purchasing/orders/<int:po_id>")
@roles_required("procurement", message=_for_buyer)
def order(po_id: int):
    found = purchasing.get_order(po_id, web_actor(), uow())
    return _order_page(found)


@blp.post("/app/purchasing/orders/<int:po_id>/receive")
@roles_required("procurement", message=_for_buyer)
def receive(po_id: int):
    actor = web_actor()
    found = _with_outstanding(purchasing.get_order(po_id, actor, uow()))
    errors, deliveries = {}, []
    for line in found["lines"]:
        if line["outstanding"] <= 0:
            continue
        lid = line["line_id"]
        qty_name, price_name = f"quantity-{lid}", f"price-{lid}"
        if not (request.form.get(qty_name) or "").strip():
            continue  # nothing of this line came
        quantity = read_decimal(request.form, qty_name, errors, places=3, low=Decimal("0"),
                                high=Decimal("1000000"))
        price = read_decimal(request.form, price_name, errors, places=2, high=Decimal("1000000000"))
        if quantity is None or price is None or quantity == 0:
            continue
        deliveries.append({"line_id": lid, "quantity": quantity, "unit_price": price})
    values = {k: v for k, v in request.form.items() if k.startswith(("quantity-", "price-"))}
    if errors:
        return _order_page(found, values, errors, _("Some numbers need attention: see below."), 422)
    if not deliveries:
        return _order_page(found, values, {}, _("Enter the quantity received for at least one line."), 422)
    purchasing.receive(po_id, deliveries, actor, uow())
    return redirect(url_for("web_purchasing.order", po_id=po_id, received=1))
