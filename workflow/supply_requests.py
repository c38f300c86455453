"""Services of the procurement flow: drafts, revisions, and every action on a supply request."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from types import SimpleNamespace

from sqlalchemy import bindparam, inspect, select
from sqlalchemy.orm import contains_eager, selectinload

from policies import Outcome
from policies.procurement import passes_hard_rules

from . import audit, budget, supply_rows
from .append_only import append
from .access import OFFICE_WIDE_READERS, Actor, visible
from .catalog import check_quantity
from .compliance import evaluate, finding_view, line_item_facts
from .db import connection, utcnow
from .delegation import active_delegators, reviewer
from .errors import (Forbidden, InvalidInput, JustificationRequired, NotFound, PolicyBlocked,
                     PriceFromCatalog, StaleVersion)
from .machines import allowed, fire, triggers
from .outbox import emit_all
from .people import Department
from .supply import SUPPLY_MACHINE, SupplyFinding, SupplyLine, SupplyRequest, line_amount
from .supply_rows import LineRow, RequestRow

DECISIONS = ("approve", "return", "reject")
REQUESTER_ACTIONS = ("submit", "resubmit", "cancel")


@dataclass(frozen=True)
class LineInput:
    quantity: Decimal
    item_id: int | None = None
    description: str | None = None
    category: str | None = None
    unit: str | None = None
    unit_price: Decimal | None = None
    attributes: dict | None = None
    swapped_from_item_id: int | None = None


# ---- reading -------------------------------------------------------------------------------

def can_view(actor: Actor, req: SupplyRequest) -> bool:
    return (req.requester_id == actor.id or actor.role in OFFICE_WIDE_READERS
            or (actor.role == "dept_head" and actor.department_id == req.department_id))


def _load(session, request_id: int, actor: Actor, *, for_update: bool = False) -> SupplyRequest:
    # The requester comes along (the view names them): one round trip instead of two.
    stmt = (select(SupplyRequest).join(SupplyRequest.requester).options(contains_eager(SupplyRequest.requester))
            .where(SupplyRequest.id == request_id))
    if for_update:
        stmt = stmt.with_for_update(of=SupplyRequest)
    return _visible_to(session, session.scalar(stmt), actor)


def _load_row(session, request_id: int, actor: Actor) -> RequestRow:
    """The request as plain row attributes, locked for the action about to change it."""
    return _visible_to(session, supply_rows.load(connection(session), request_id, for_update=True), actor)


def _visible_to(session, req, actor: Actor):
    # Requests the actor may not see answer exactly like missing ones (no probing of ids).
    if req is None or not (can_view(actor, req) or any(
            can_view(colleague.as_actor(), req) for colleague in active_delegators(session, actor.id))):
        raise NotFound("no such supply request")
    return req


def _children(session, req: SupplyRequest) -> tuple[list, list]:
    """The request's lines and findings for its answer.

    Read as plain rows (several times cheaper than loading ORM objects) unless the collections are
    loaded or a line or finding is in the session: only then could unsaved state differ from the rows.
    """
    state = inspect(req)
    if ("lines" in state.dict or "findings" in state.dict
            or any(isinstance(o, (SupplyLine, SupplyFinding)) for o in session.identity_map.values())):
        return req.lines, req.findings
    found = connection(session)
    return supply_rows.lines_of(found, req.id), supply_rows.findings_of(found, req.id)


_amount = line_amount  # one definition of a line's amount, for objects and rows alike


def view(req: SupplyRequest | RequestRow, actor: Actor, session, findings=None) -> dict:
    """The request as the API answers it; `findings` when the caller has them at hand."""
    requester = req.requester
    if isinstance(req, RequestRow):  # it carries its department and lines
        dep, lines = req.department, req.lines
        if findings is None:
            findings = supply_rows.findings_of(connection(session), req.id)
    else:
        dep = session.get(Department, req.department_id)
        lines, findings = _children(session, req)
    return {
        "id": req.id, "number": req.number, "status": req.status, "version": req.version,
        "purpose": req.purpose, "needed_by": req.needed_by, "total": req.total,
        "justification": req.justification, "policy_version": req.policy_version,
        "needs_office_review": req.needs_office_review, "committed_amount": req.committed_amount,
        "requester": {"id": requester.id, "username": requester.username, "full_name": requester.full_name},
        "department": {"id": dep.id, "code": dep.code, "name": dep.name, "name_zh": dep.name_zh},
        "created_at": req.created_at, "updated_at": req.updated_at, "submitted_at": req.submitted_at,
        "lines": [{
            "id": l.id, "position": l.position, "item_id": l.item_id, "description": l.description,
            "category": l.category, "unit": l.unit, "unit_price": l.unit_price, "quantity": l.quantity,
            "amount": _amount(l), "supplier": l.supplier, "attributes": l.attributes,
            "swapped_from_item_id": l.swapped_from_item_id, "purchase_order_id": l.purchase_order_id,
            "received_quantity": l.received_quantity, "spend": l.spend,
        } for l in lines],
        "findings": [finding_view(f, actor.language) | {"policy_version": f.policy_version}
                     for f in findings],
        "allowed_actions": allowed(SUPPLY_MACHINE, req.status),
    }


def get_request(request_id: int, actor: Actor, uow) -> dict:
    with uow:
        return view(_load(uow.session, request_id, actor), actor, uow.session)


def list_requests(actor: Actor, uow, *, status=None, department_id=None, requester_id=None,
                  before_id=None, limit=50) -> list[dict]:
    """Newest first, keyset-paginated by id; each role sees only what it may."""
    with uow:
        stmt = visible(select(SupplyRequest).options(selectinload(SupplyRequest.lines),
                                                     selectinload(SupplyRequest.findings)), SupplyRequest, actor)
        if status:
            stmt = stmt.where(SupplyRequest.status == status)
        if department_id:
            stmt = stmt.where(SupplyRequest.department_id == department_id)
        if requester_id:
            stmt = stmt.where(SupplyRequest.requester_id == requester_id)
        if before_id:
            stmt = stmt.where(SupplyRequest.id < before_id)
        rows = uow.session.scalars(stmt.order_by(SupplyRequest.id.desc()).limit(limit)).all()
        return [view(r, actor, uow.session) for r in rows]


def request_history(request_id: int, actor: Actor, uow) -> list[dict]:
    with uow:
        _load(uow.session, request_id, actor)
        return audit.history_view(uow.session, "supply_request", request_id)


# ---- drafting ------------------------------------------------------------------------------

def _build_lines(session, inputs: list[LineInput]) -> list[LineRow]:
    """The lines as rows to insert (catalog items copied onto them), or InvalidInput naming each bad one."""
    if not inputs:
        raise InvalidInput("a request needs at least one line", {"lines": ["At least one line is required."]})
    ids = {i.item_id for i in inputs if i.item_id} | {i.swapped_from_item_id for i in inputs if i.swapped_from_item_id}
    items = supply_rows.catalog_items(connection(session), ids)
    lines, errors, priced = [], {}, False
    for n, given in enumerate(inputs):
        item = items.get(given.item_id) if given.item_id else None
        if given.item_id and given.unit_price is not None:
            # Refused rather than ignored: a caller who thinks it sets the price should learn it does not.
            errors[f"lines.{n}.unit_price"] = ["A catalog item's price comes from the catalog: leave it out."]
            priced = True
            continue
        if given.item_id and (item is None or not item.active):
            errors[f"lines.{n}.item_id"] = ["Unknown catalog item."]
            continue
        if given.swapped_from_item_id and given.swapped_from_item_id not in items:
            errors[f"lines.{n}.swapped_from_item_id"] = ["Unknown catalog item."]
            continue
        if item is None and (problem := estimate_problem(given.unit_price)):
            errors[f"lines.{n}.unit_price"] = [problem]
            continue
        if item is not None:
            line = supply_rows.line_from_item(item, given.quantity)
        else:
            line = LineRow(item_id=None, description=given.description, category=given.category, unit=given.unit,
                           unit_price=given.unit_price, supplier=None, quantity=given.quantity,
                           attributes=dict(given.attributes or {}))
        try:
            check_quantity(line.unit, given.quantity, f"lines.{n}.quantity")
        except InvalidInput as exc:
            errors.update(exc.errors)
            continue
        line.__dict__.update(position=n, swapped_from_item_id=given.swapped_from_item_id, purchase_order_id=None,
                             received_quantity=Decimal("0"), spend=Decimal("0.00"), green=False, single_use=False)
        lines.append(line)
    if errors:
        raise (PriceFromCatalog if priced else InvalidInput)("invalid lines", errors)
    return lines


def estimate_problem(price: Decimal | None) -> str | None:
    """What is wrong with the estimated unit price of an item outside the catalog, if anything."""
    if price is None:
        return "Required for an item outside the catalog."
    if not price.is_finite() or price <= 0:
        return "An item outside the catalog needs an estimated price above 0."
    exponent = price.normalize().as_tuple().exponent  # an int: the price is finite
    if isinstance(exponent, int) and exponent < -2:
        return "At most 2 decimal places: a price is refused, not rounded."
    return None


def create_draft(purpose: str, needed_by, lines: list[LineInput], actor: Actor, uow) -> dict:
    if actor.department_id is None:
        raise Forbidden("only members of a department ask for supplies")
    with uow:
        s = uow.session
        now = utcnow()
        built = _build_lines(s, lines)
        req = supply_rows.insert(connection(s), {
            "version": 1, "requester_id": actor.id, "department_id": actor.department_id, "purpose": purpose,
            "needed_by": needed_by, "status": "draft", "total": sum((l.amount for l in built), Decimal("0.00")),
            "justification": None, "policy_version": None, "needs_office_review": False,
            "budget_year": uow.office_year(now), "committed_amount": Decimal("0.00"), "created_at": now,
            "updated_at": now, "submitted_at": None, "status_changed_at": now, "reminded_at": None}, built)
        audit.record(s, "supply_request", req.id, "create", actor, to_state="draft", first=True)
        # A new request has no findings: saying so spares the view a SELECT.
        answer = view(req, actor, s, [])
        uow.commit()
        return answer


def revise_draft(request_id: int, version: int, changes: dict, actor: Actor, uow) -> dict:
    with uow:
        s = uow.session
        req = _load(s, request_id, actor, for_update=True)
        if req.requester_id != actor.id:
            raise Forbidden("only the requester edits a request")
        if req.version != version:
            raise StaleVersion("the request changed since you read it", current_version=req.version)
        if req.status not in ("draft", "returned"):
            raise InvalidInput("only drafts and returned requests can be edited",
                               {"status": [f"Cannot edit a request in status {req.status}."]})
        if "purpose" in changes:
            req.purpose = changes["purpose"]
        if "needed_by" in changes:
            req.needed_by = changes["needed_by"]
        if "lines" in changes:
            req.lines = [SupplyLine(**line.columns()) for line in _build_lines(s, changes["lines"])]
            req.total = sum((l.amount for l in req.lines), Decimal("0.00"))
        req.touch()
        audit.record(s, "supply_request", req.id, "edit", actor, from_state=req.status, to_state=req.status,
                     data={"fields": sorted(changes)})
        return _commit_and_view(uow, req, actor)


def evaluate_lines(lines: list[LineInput], actor: Actor, uow) -> dict:
    """Live policy feedback for a form: nothing is saved."""
    with uow:
        built = _build_lines(uow.session, lines)
        findings = evaluate(uow.session, uow.policy_document, built, requester_id=actor.id,
                            department_id=actor.department_id or 0, year=uow.office_year())
        total = sum((l.amount for l in built), Decimal("0.00"))
        return {"policy_version": uow.policy_document.version, "total": total,
                "outcome": max((f.outcome for f in findings), key=_RANK.index).value,
                "findings": [finding_view(f, actor.language) for f in findings]}


_RANK = [Outcome.PASS, Outcome.WARN, Outcome.EXCEPTION, Outcome.BLOCK]


# ---- actions -------------------------------------------------------------------------------

def _entitled(s, req: SupplyRequest | RequestRow, action: str, actor: Actor) -> Actor:
    """The actor the action is recorded for (a delegate acts on the approver's behalf)."""
    if action in REQUESTER_ACTIONS:
        if req.requester_id != actor.id:
            raise Forbidden(f"only the requester may {action}")
        return actor
    return reviewer(s, actor, action, "supply_request", req)


def _submit(s, req: RequestRow, actor: Actor, justification: str | None, doc) -> dict:
    findings = evaluate(s, doc, req.lines, requester_id=req.requester_id, department_id=req.department_id,
                        year=req.budget_year, exclude_request_id=req.id, budget_remaining=req.budget_remaining)
    # The findings replace the last submission's.
    rows = [{"request_id": req.id, "line": f.line, "rule_id": f.rule_id, "outcome": f.outcome.value,
             "message_key": f.message_key, "params": f.params, "suggestions": list(f.suggestions),
             "policy_version": doc.version} for f in findings]
    connection(s).execute(_DELETE_FINDINGS, {"r": req.id})
    if rows:
        append(s, SupplyFinding, rows)
    outcomes = {f.outcome for f in findings}
    if Outcome.BLOCK in outcomes:
        return {"blocked": findings}
    needs_exception = Outcome.EXCEPTION in outcomes
    if needs_exception and not (justification and justification.strip()):
        raise JustificationRequired("a justification is required for the exceptions found",
                                    {"justification": ["Required: a rule needs an exception."]},
                                    findings=[finding_view(f, actor.language) for f in findings])
    req.justification = justification
    req.policy_version = doc.version
    for line in req.lines:
        line.green = passes_hard_rules(line_item_facts(line), doc)
        line.single_use = bool(line.attributes.get("single_use"))
    supply_rows.mark_lines(connection(s), req.lines)
    req.needs_office_review = needs_exception or req.total >= doc.second_level_threshold
    # The answer shows these rows in this order (the order of their ids): no need to read them back.
    return {"blocked": None, "findings": [SimpleNamespace(**r) for r in rows]}


_FINDINGS = SupplyFinding.__table__
_DELETE_FINDINGS = _FINDINGS.delete().where(_FINDINGS.c.request_id == bindparam("r"))
# What an action may change on the request's row, by action.
_MOVED = ("status", "version", "updated_at", "status_changed_at", "committed_amount")
_SUBMITTED = _MOVED + ("submitted_at", "justification", "policy_version", "needs_office_review")


def act(request_id: int, action: str, version: int, actor: Actor, uow, *, comment: str | None = None,
        justification: str | None = None) -> dict:
    """Fire one action of the procurement flow, with every check, audit event and outbox event."""
    if action not in ("submit", "resubmit", "cancel") + DECISIONS:
        raise NotFound(f"no action {action}")
    with uow:
        s = uow.session
        doc = uow.policy_document
        req = _load_row(s, request_id, actor)
        if req.version != version:
            raise StaleVersion("the request changed since you read it", current_version=req.version)
        if action not in triggers(SUPPLY_MACHINE, req.status):
            fire(SUPPLY_MACHINE, req, action)  # raises IllegalStep listing the allowed actions
        actor = _entitled(s, req, action, actor)
        if action in ("return", "reject") and not (comment and comment.strip()):
            raise InvalidInput(f"{action} needs a comment", {"comment": ["Required when returning or rejecting."]})
        context, findings = {}, None
        if action in ("submit", "resubmit"):
            requester = req.requester
            context["skip_dept"] = requester.role == "dept_head" and requester.department_id == req.department_id
            result = _submit(s, req, actor, justification, doc)
            if result["blocked"]:
                # The refusal is kept (findings and an audit line) so reports count blocked value;
                # the request itself stays a draft at the same version.
                audit.record(s, "supply_request", req.id, f"{action}_blocked", actor, from_state=req.status,
                             to_state=req.status, policy_version=doc.version,
                             data={"total": str(req.total),
                                   "rules": sorted({f.rule_id for f in result["blocked"] if f.outcome is Outcome.BLOCK})})
                uow.commit()
                raise PolicyBlocked("a policy blocks this request",
                                    findings=[finding_view(f, actor.language) for f in result["blocked"]])
            findings = result["findings"]
        context["needs_office"] = req.needs_office_review
        before, after = fire(SUPPLY_MACHINE, req, action, **context)
        req.version += 1
        now = req.updated_at = req.status_changed_at = utcnow()
        if action in ("submit", "resubmit"):
            req.submitted_at = now
        _move_budget(s, req, action)
        supply_rows.save(connection(s), req, version, _SUBMITTED if findings is not None else _MOVED)
        audit.record(s, "supply_request", req.id, action, actor, from_state=before, to_state=after,
                     comment=comment, policy_version=req.policy_version,
                     data={"justification": justification} if justification else None)
        _emit_events(s, req, action, before, after, actor, comment)
        answer = view(req, actor, s, findings)
        uow.commit()
        return answer


def _commit_and_view(uow, req: SupplyRequest, actor: Actor) -> dict:
    """The answer is read inside the transaction: read after the commit, it would cost a second one."""
    # One flush first, so that new rows (a revision's lines) answer with their ids; the view's own
    # loads then need no flush, and the commit has nothing left to write.
    uow.session.flush()
    with uow.session.no_autoflush:
        answer = view(req, actor, uow.session)
    uow.commit()
    return answer


def _move_budget(s, req: SupplyRequest | RequestRow, action: str) -> None:
    if action == "approve" and not req.committed_amount:
        req.committed_amount = req.total
        budget.commit_amount(s, req.department_id, req.budget_year, req.total)
    elif action in ("return", "reject", "cancel") and req.committed_amount:
        budget.release_amount(s, req.department_id, req.budget_year, req.committed_amount)
        req.committed_amount = Decimal("0.00")


def _emit_events(s, req: SupplyRequest | RequestRow, action: str, before: str, after: str, actor: Actor,
                 comment: str | None) -> None:
    base = {"number": req.number, "requester_id": req.requester_id, "department_id": req.department_id,
            "actor_id": actor.id, "from": before, "to": after, "comment": comment or ""}
    if action == "approve":
        topic = "request.approved" if after == "approved" else "request.advanced"
    else:  # every other trigger of the machine
        topic = {"submit": "request.submitted", "resubmit": "request.submitted", "return": "request.returned",
                 "reject": "request.rejected", "cancel": "request.cancelled"}[action]
    events: list[tuple[str, dict]] = [(topic, base)]
    if after in ("dept_review", "office_review"):
        events.append(("task.assigned", base | {"level": after, "version": req.version}))
    emit_all(s, "supply_request", req.id, events)
