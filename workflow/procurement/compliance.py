"""Bridge from stored requests to the pure GP-* rules: gather the facts, run the rules."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from policies import ItemFacts, LineFacts, RequestFacts, evaluate_supply_request

from workflow.kernel.texts import finding
from .catalog import GREEN_ATTRIBUTES
from .model import SupplyLine, SupplyRequest

if TYPE_CHECKING:
    from .store import LineRow

# Requests whose paper and toner count against the requester's yearly quota.
COUNTED_STATES = ("dept_review", "office_review", "approved", "ordered", "received")


def line_item_facts(line: SupplyLine | LineRow) -> ItemFacts:
    attrs = {a: line.attributes.get(a, ItemFacts.__dataclass_fields__[a].default) for a in GREEN_ATTRIBUTES}
    return ItemFacts(category=line.category, unit=line.unit, unit_price=line.unit_price,
                     item_id=line.item_id, **attrs)


def _used(uow, requester_id: int, year: int, category: str, exclude_id: int | None):
    stmt = (select(SupplyLine.unit, func.sum(SupplyLine.quantity))
            .join(SupplyRequest, SupplyRequest.id == SupplyLine.request_id)
            .where(SupplyRequest.requester_id == requester_id, SupplyRequest.budget_year == year,
                   SupplyRequest.status.in_(COUNTED_STATES), SupplyLine.category == category)
            .group_by(SupplyLine.unit))
    if exclude_id is not None:
        stmt = stmt.where(SupplyRequest.id != exclude_id)
    return {unit: Decimal(str(qty)) for unit, qty in uow.reads.core(stmt)}


class GreenCandidates(Mapping):
    """Green items per category, read on first use: only a failing line needs suggestions."""

    def __init__(self, catalog, categories: set[str]):
        self._catalog, self._categories = catalog, categories  # catalog: the store, `uow.catalog`
        self._items: dict[str, tuple[ItemFacts, ...]] | None = None

    def _load(self) -> dict[str, tuple[ItemFacts, ...]]:
        if self._items is None:
            found: dict[str, list[ItemFacts]] = {}
            if self._categories:
                for item in self._catalog.green_items(self._categories):
                    found.setdefault(item.category, []).append(item.facts())
            self._items = {k: tuple(v) for k, v in found.items()}
        return self._items

    def __getitem__(self, category):
        return self._load()[category]

    def __iter__(self):
        return iter(self._load())

    def __len__(self):
        return len(self._load())


_READ = object()  # budget_remaining not given: read it


def evaluate(uow, lines: Sequence[SupplyLine | LineRow], *, requester_id: int, department_id: int, year: int,
             exclude_request_id: int | None = None, budget_remaining=_READ):
    """Findings for these lines as a request of this requester in this budget year, under the
    unit of work's policy document.

    `budget_remaining` when the caller read it already (None: the department has no budget).
    """
    doc, categories = uow.policy_document, {l.category for l in lines}
    per_unit = doc.procurement["paper_reams_per_unit"]
    # The quota rule looks at what was used only when the request asks for paper or toner.
    paper = _used(uow, requester_id, year, "paper", exclude_request_id) if "paper" in categories else {}
    toner = _used(uow, requester_id, year, "toner", exclude_request_id) if "toner" in categories else {}
    total = sum((l.amount for l in lines), Decimal("0.00"))
    facts = RequestFacts(
        lines=tuple(LineFacts(line_item_facts(l), l.quantity) for l in lines),
        total=total,
        budget_remaining=(uow.budgets.remaining(department_id, year) if budget_remaining is _READ
                          else budget_remaining),
        used_paper_reams=sum((q * Decimal(str(per_unit.get(u, 1))) for u, q in paper.items()), Decimal("0")),
        used_toner_units=sum(toner.values(), Decimal("0")),
        candidates=GreenCandidates(uow.catalog, categories),
    )
    return evaluate_supply_request(facts, doc)


def finding_view(f, language: str) -> dict:
    """A finding (policy value or stored row) as the API shows it, message in the caller's language."""
    outcome = getattr(f.outcome, "value", f.outcome)
    return {"rule_id": f.rule_id, "outcome": outcome, "line": f.line,
            "message": finding(f.message_key, f.params, language), "message_key": f.message_key,
            "params": f.params, "suggestions": list(f.suggestions)}
