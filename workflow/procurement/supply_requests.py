"""Services of the procurement flow: drafts, revisions, and every action on a supply request."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select

from policies import Outcome
from policies.procurement import passes_hard_rules

from workflow.approvals import kernel
from workflow.approvals.flow import REQUESTER, REVIEWER, Flow, StepResult, due_in_working_days
from workflow.approvals.kernel import KeepAndRefuse
from workflow.kernel.access import OFFICE_WIDE_READERS, Actor, visible
from workflow.kernel.db import utcnow
from workflow.kernel.errors import (Forbidden, InvalidInput, JustificationRequired, PolicyBlocked, PriceFromCatalog,
                                    StaleVersion)
from workflow.kernel.machines import allowed
from .catalog import check_quantity
from .compliance import evaluate, finding_view, line_item_facts
from .model import SUPPLY_MACHINE, SupplyRequest, line_amount, queue_item
from .store import LineRow, RequestRow, line_from_item

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

_amount = line_amount  # one definition of a line's amount


def view(uow, req: RequestRow, actor: Actor) -> dict:
    """The request as the API answers it (its findings read only when not already at hand)."""
    requester, dep = req.requester, req.department
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
        } for l in req.lines],
        "findings": [finding_view(f, actor.language) | {"policy_version": f.policy_version}
                     for f in uow.supply_requests.findings(req)],
        "allowed_actions": allowed(SUPPLY_MACHINE, req.status),
    }


def get_request(request_id: int, actor: Actor, uow) -> dict:
    return kernel.get(SUPPLY_FLOW, request_id, actor, uow)


def list_requests(actor: Actor, uow, *, status=None, department_id=None, requester_id=None,
                  before_id=None, limit=50) -> list[dict]:
    """Newest first, keyset-paginated by id; each role sees only what it may."""
    r = SupplyRequest
    where = []
    narrowed = visible(select(r.id), r, actor).whereclause
    if narrowed is not None:
        where.append(narrowed)
    if status:
        where.append(r.status == status)
    if department_id:
        where.append(r.department_id == department_id)
    if requester_id:
        where.append(r.requester_id == requester_id)
    with uow:
        return [view(uow, req, actor) for req in uow.supply_requests.page(where, before_id=before_id, limit=limit)]


def request_history(request_id: int, actor: Actor, uow) -> list[dict]:
    return kernel.history(SUPPLY_FLOW, request_id, actor, uow)


# ---- drafting ------------------------------------------------------------------------------

def _build_lines(uow, inputs: list[LineInput]) -> list[LineRow]:
    """The lines as rows to insert (catalog items copied onto them), or InvalidInput naming each bad one."""
    if not inputs:
        raise InvalidInput("a request needs at least one line", {"lines": ["At least one line is required."]})
    ids = {i.item_id for i in inputs if i.item_id} | {i.swapped_from_item_id for i in inputs if i.swapped_from_item_id}
    items = uow.catalog.plain(ids)
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
            line = line_from_item(item, given.quantity)
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
        now = utcnow()
        built = _build_lines(uow, lines)
        req = uow.supply_requests.add({
            "version": 1, "requester_id": actor.id, "department_id": actor.department_id, "purpose": purpose,
            "needed_by": needed_by, "status": "draft", "total": sum((l.amount for l in built), Decimal("0.00")),
            "justification": None, "policy_version": None, "needs_office_review": False,
            "budget_year": uow.office_year(now), "committed_amount": Decimal("0.00"), "created_at": now,
            "updated_at": now, "submitted_at": None, "status_changed_at": now, "reminded_at": None}, built)
        req.findings = []  # a new request has none: saying so spares the view a SELECT
        uow.record("supply_request", req.id, "create", actor, to_state="draft", first=True)
        answer = view(uow, req, actor)
        uow.commit()
        return answer


def revise_draft(request_id: int, version: int, changes: dict, actor: Actor, uow) -> dict:
    with uow:
        req = kernel.load(SUPPLY_FLOW, uow, request_id, actor, lock=True)
        if req.requester_id != actor.id:
            raise Forbidden("only the requester edits a request")
        if req.version != version:
            raise StaleVersion("the request changed since you read it", current_version=req.version)
        if req.status not in ("draft", "returned"):
            raise InvalidInput("only drafts and returned requests can be edited",
                               {"status": [f"Cannot edit a request in status {req.status}."]})
        fields: tuple[str, ...] = ("version", "updated_at")
        if "purpose" in changes:
            req.purpose = changes["purpose"]
            fields += ("purpose",)
        if "needed_by" in changes:
            req.needed_by = changes["needed_by"]
            fields += ("needed_by",)
        if "lines" in changes:
            uow.supply_requests.replace_lines(req, _build_lines(uow, changes["lines"]))
            req.total = sum((l.amount for l in req.lines), Decimal("0.00"))
            fields += ("total",)
        req.version, req.updated_at = version + 1, utcnow()
        uow.supply_requests.save(req, version, fields)
        uow.record("supply_request", req.id, "edit", actor, from_state=req.status,
                     to_state=req.status, data={"fields": sorted(changes)})
        answer = view(uow, req, actor)
        uow.commit()
        return answer


def evaluate_lines(lines: list[LineInput], actor: Actor, uow) -> dict:
    """Live policy feedback for a form: nothing is saved."""
    with uow:
        built = _build_lines(uow, lines)
        findings = evaluate(uow, built, requester_id=actor.id, department_id=actor.department_id or 0,
                            year=uow.office_year())
        total = sum((l.amount for l in built), Decimal("0.00"))
        return {"policy_version": uow.policy_document.version, "total": total,
                "outcome": max((f.outcome for f in findings), key=_RANK.index).value,
                "findings": [finding_view(f, actor.language) for f in findings]}


_RANK = [Outcome.PASS, Outcome.WARN, Outcome.EXCEPTION, Outcome.BLOCK]


# ---- the flow's own steps ------------------------------------------------------------------

def _submit(uow, req: RequestRow, actor: Actor, details: dict) -> StepResult:
    """Check the request against the policy; keep the findings; refuse, ask for a justification, or go on."""
    doc, justification = uow.policy_document, details.get("justification")
    findings = evaluate(uow, req.lines, requester_id=req.requester_id, department_id=req.department_id,
                        year=req.budget_year, exclude_request_id=req.id, budget_remaining=req.budget_remaining)
    uow.supply_requests.replace_findings(req, [
        {"request_id": req.id, "line": f.line, "rule_id": f.rule_id, "outcome": f.outcome.value,
         "message_key": f.message_key, "params": f.params, "suggestions": list(f.suggestions),
         "policy_version": doc.version} for f in findings])
    outcomes = {f.outcome for f in findings}
    action = "resubmit" if req.status == "returned" else "submit"
    if Outcome.BLOCK in outcomes:
        # The refusal is kept (findings and an audit line) so reports count blocked value;
        # the request itself stays as it was, at the same version.
        uow.record("supply_request", req.id, f"{action}_blocked", actor, from_state=req.status,
                     to_state=req.status, policy_version=doc.version,
                     data={"total": str(req.total),
                           "rules": sorted({f.rule_id for f in findings if f.outcome is Outcome.BLOCK})})
        raise KeepAndRefuse(PolicyBlocked("a policy blocks this request",
                                          findings=[finding_view(f, actor.language) for f in findings]))
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
    uow.supply_requests.mark_lines(req.lines)
    req.needs_office_review = needs_exception or req.total >= doc.second_level_threshold
    requester = req.requester
    return StepResult(context={"skip_dept": requester.role == "dept_head"
                               and requester.department_id == req.department_id})


def _submitted(uow, req: RequestRow, action: str) -> tuple[str, ...]:
    req.submitted_at = req.updated_at
    return ("submitted_at", "justification", "policy_version", "needs_office_review")


def _move_budget(uow, req: RequestRow, action: str) -> tuple[str, ...]:
    """An approval commits the request's total to its department's budget; leaving the flow releases it."""
    if action == "approve" and not req.committed_amount:
        req.committed_amount = req.total
        uow.budgets.commit_amount(req.department_id, req.budget_year, req.total)
    elif action in ("return", "reject", "cancel") and req.committed_amount:
        uow.budgets.release_amount(req.department_id, req.budget_year, req.committed_amount)
        req.committed_amount = Decimal("0.00")
    return ("committed_amount",)


def _received(uow, req: RequestRow, action: str) -> tuple[str, ...]:
    """Received in full: what is left of the estimate (estimate above actual) goes back to the budget."""
    if req.committed_amount:
        uow.budgets.release_amount(req.department_id, req.budget_year, req.committed_amount)
        req.committed_amount = Decimal("0.00")
    return ("committed_amount",)


SUPPLY_FLOW = Flow(
    name="supply_request", label="supply request", metric="supply", path="supply-requests",
    machine=SUPPLY_MACHINE, store="supply_requests", model=SupplyRequest,
    first_level="dept_review", second_level="office_review", readers=OFFICE_WIDE_READERS,
    who={"submit": REQUESTER, "resubmit": REQUESTER, "cancel": REQUESTER,
         "approve": REVIEWER, "return": REVIEWER, "reject": REVIEWER},
    topics={"submit": "request.submitted", "resubmit": "request.submitted", "approve": "request.advanced",
            "approve:final": "request.approved", "return": "request.returned", "reject": "request.rejected",
            "cancel": "request.cancelled"},
    review_states=("dept_review", "office_review"),
    steps={"submit": _submit, "resubmit": _submit},
    applied={"submit": _submitted, "resubmit": _submitted, "approve": _move_budget, "return": _move_budget,
             "reject": _move_budget, "cancel": _move_budget, "receive": _received},
    view=view, queue_item=queue_item, due_at=due_in_working_days)


def act(request_id: int, action: str, version: int, actor: Actor, uow, *, comment: str | None = None,
        justification: str | None = None) -> dict:
    """One action of the procurement flow (the kernel's `act` on its declaration)."""
    return kernel.act(SUPPLY_FLOW, request_id, action, version, actor, uow, comment=comment,
                      justification=justification)
