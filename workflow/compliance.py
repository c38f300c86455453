"""Bridge from stored requests to the pure GP-* rules: gather the facts, run the rules."""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select

from policies import ItemFacts, LineFacts, RequestFacts, evaluate_supply_request
from policies.messages import render

from .budget import budget_for
from .catalog import GREEN_ATTRIBUTES, CatalogItem
from .supply import SupplyLine, SupplyRequest

# Requests whose paper and toner count against the requester's yearly quota.
COUNTED_STATES = ("dept_review", "office_review", "approved", "ordered", "received")


def line_item_facts(line: SupplyLine) -> ItemFacts:
    attrs = {a: line.attributes.get(a, ItemFacts.__dataclass_fields__[a].default) for a in GREEN_ATTRIBUTES}
    return ItemFacts(category=line.category, unit=line.unit, unit_price=line.unit_price,
                     item_id=line.item_id, **attrs)


def _used(session, requester_id: int, year: int, category: str, exclude_id: int | None):
    stmt = (select(SupplyLine.unit, func.sum(SupplyLine.quantity))
            .join(SupplyRequest, SupplyRequest.id == SupplyLine.request_id)
            .where(SupplyRequest.requester_id == requester_id, SupplyRequest.budget_year == year,
                   SupplyRequest.status.in_(COUNTED_STATES), SupplyLine.category == category)
            .group_by(SupplyLine.unit))
    if exclude_id is not None:
        stmt = stmt.where(SupplyRequest.id != exclude_id)
    return {unit: Decimal(str(qty)) for unit, qty in session.execute(stmt)}


def evaluate(session, doc, lines: list[SupplyLine], *, requester_id: int, department_id: int, year: int,
             exclude_request_id: int | None = None):
    """Findings for these lines as a request of this requester in this budget year."""
    categories = {l.category for l in lines}
    candidates: dict[str, list[ItemFacts]] = {}
    if categories:
        for item in session.scalars(select(CatalogItem).where(
                CatalogItem.category.in_(categories), CatalogItem.active.is_(True), CatalogItem.green.is_(True))):
            candidates.setdefault(item.category, []).append(item.facts())
    per_unit = doc.procurement["paper_reams_per_unit"]
    paper = _used(session, requester_id, year, "paper", exclude_request_id)
    toner = _used(session, requester_id, year, "toner", exclude_request_id)
    budget = budget_for(session, department_id, year)
    total = sum((l.amount for l in lines), Decimal("0.00"))
    facts = RequestFacts(
        lines=tuple(LineFacts(line_item_facts(l), l.quantity) for l in lines),
        total=total,
        budget_remaining=budget.remaining if budget else None,
        used_paper_reams=sum((q * Decimal(str(per_unit.get(u, 1))) for u, q in paper.items()), Decimal("0")),
        used_toner_units=sum(toner.values(), Decimal("0")),
        candidates={k: tuple(v) for k, v in candidates.items()},
    )
    return evaluate_supply_request(facts, doc)


def finding_view(f, language: str) -> dict:
    """A finding (policy value or stored row) as the API shows it, message in the caller's language."""
    outcome = getattr(f.outcome, "value", f.outcome)
    return {"rule_id": f.rule_id, "outcome": outcome, "line": f.line,
            "message": render(f.message_key, f.params, language), "message_key": f.message_key,
            "params": f.params, "suggestions": list(f.suggestions)}
