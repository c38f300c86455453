"""The GP-* rules: every supply line and the request as a whole, checked against the document."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Callable

from .document import PolicyDocument
from .findings import Finding, ItemFacts, LineFacts, Outcome


@dataclass(frozen=True)
class RequestFacts:
    lines: tuple[LineFacts, ...]
    total: Decimal
    budget_remaining: Decimal | None            # None: the department has no budget this year
    used_paper_reams: Decimal = Decimal("0")    # the requester's other requests this year
    used_toner_units: Decimal = Decimal("0")
    # Catalog items by category, the pool suggestions are drawn from.
    # Read-only: the workflow passes a mapping that loads green items on first use.
    candidates: Mapping[str, tuple[ItemFacts, ...]] = field(default_factory=dict)


# A line rule answers None when it does not apply to the item, else (passes, message params).
LineCheck = Callable[[ItemFacts, dict], "tuple[bool, dict] | None"]


def _plastic(item, p):
    if not item.single_use:
        return None
    return (not (item.plastic and not item.biodegradable), {})


def _disposable(item, p):
    return (not item.single_use, {})


def _paper(item, p):
    if item.category != "paper":
        return None
    need = p["paper_min_recycled_content_pct"]
    return (item.recycled_content_pct >= need, {"min_pct": need, "pct": item.recycled_content_pct})


def _consumable(item, p):
    if item.category != "toner":
        return None
    need = p["consumable_min_recycled_content_pct"]
    return (item.remanufactured or item.recycled_content_pct >= need, {"min_pct": need})


def _lighting(item, p):
    if item.category != "lighting":
        return None
    return (item.led, {})


def _energy(item, p):
    if item.energy_grade is None:
        return None  # an appliance without a grade is reported by GP-ENERGY-UNKNOWN below
    return (item.energy_grade <= p["max_energy_grade"], {"grade": item.energy_grade, "max_grade": p["max_energy_grade"]})


def _water(item, p):
    if item.category != "plumbing":
        return None
    return (item.water_saving, {})


def _recyclable(item, p):
    return (item.recyclable, {})


def _greenlist(item, p):
    return (item.green_listed, {})


LINE_RULES: dict[str, LineCheck] = {
    "GP-PLASTIC": _plastic,
    "GP-DISPOSABLE": _disposable,
    "GP-PAPER": _paper,
    "GP-CONSUMABLE": _consumable,
    "GP-LIGHTING": _lighting,
    "GP-ENERGY": _energy,
    "GP-WATER": _water,
    "GP-RECYCLABLE": _recyclable,
    "GP-GREENLIST": _greenlist,
}


def _line_outcomes(item: ItemFacts, doc: PolicyDocument) -> dict[str, tuple[Outcome, dict, bool]]:
    """rule id -> (outcome, message params, whether the item met the rule) for each rule that applies."""
    p = doc.procurement
    out = {}
    for rule_id, check in LINE_RULES.items():
        verdict = check(item, p)
        if verdict is None:
            continue
        passes, params = verdict
        out[rule_id] = (Outcome.PASS if passes else doc.outcome(rule_id), params, passes)
    return out


def _unverified(item: ItemFacts) -> bool:
    # An appliance without a recorded energy grade cannot be shown to meet GP-ENERGY.
    return item.category == "appliance" and item.energy_grade is None


def passes_hard_rules(item: ItemFacts, doc: PolicyDocument) -> bool:
    """True when no line rule blocks the item or needs an exception: what counts as a green item."""
    if _unverified(item):
        return False
    return all(o in (Outcome.PASS, Outcome.WARN) for o, _, _ in _line_outcomes(item, doc).values())


def _suggest(item: ItemFacts, rule_id: str, facts: RequestFacts, doc: PolicyDocument) -> tuple:
    scored = []
    for cand in facts.candidates.get(item.category, ()):
        if (cand.item_id is not None and cand.item_id == item.item_id) or _unverified(cand):
            continue
        outcomes = _line_outcomes(cand, doc)
        if not outcomes.get(rule_id, (None, None, True))[2]:
            continue
        if not all(o in (Outcome.PASS, Outcome.WARN) for o, _, _ in outcomes.values()):
            continue
        warns = sum(o is Outcome.WARN for o, _, _ in outcomes.values())
        scored.append((warns, cand.unit_price, cand.item_id or 0, cand))
    scored.sort(key=lambda t: t[:3])
    return tuple(
        {"item_id": c.item_id, "sku": c.sku, "name": c.name, "name_zh": c.name_zh,
         "unit": c.unit, "unit_price": str(c.unit_price)}
        for *_, c in scored[: doc.procurement["suggestion_limit"]]
    )


def paper_reams(line: LineFacts, doc: PolicyDocument) -> Decimal:
    per_unit = doc.procurement["paper_reams_per_unit"].get(line.item.unit, 1)
    return line.quantity * Decimal(str(per_unit))


def _budget(facts: RequestFacts, doc: PolicyDocument) -> Finding:
    remaining = facts.budget_remaining
    if remaining is None:
        return Finding("GP-BUDGET", doc.outcome("GP-BUDGET"), "GP-BUDGET.none", {"total": str(facts.total)})
    ok = facts.total <= remaining
    return Finding("GP-BUDGET", Outcome.PASS if ok else doc.outcome("GP-BUDGET"),
                   "GP-BUDGET.pass" if ok else "GP-BUDGET.fail",
                   {"total": str(facts.total), "remaining": str(remaining)})


def _plain(number: Decimal) -> str:
    """10 reams as "10", never "1E+1"."""
    return f"{number.normalize():f}"


def _quota(facts: RequestFacts, doc: PolicyDocument) -> list[Finding]:
    quota = doc.procurement["quota"]
    paper = sum((paper_reams(l, doc) for l in facts.lines if l.item.category == "paper"), Decimal("0"))
    toner = sum((l.quantity for l in facts.lines if l.item.category == "toner"), Decimal("0"))
    found = []
    for kind, asked, used, limit in (
        ("paper", paper, facts.used_paper_reams, quota["paper_reams_per_person_year"]),
        ("toner", toner, facts.used_toner_units, quota["toner_units_per_person_year"]),
    ):
        if not asked:
            continue
        ok = used + asked <= limit
        found.append(Finding("GP-QUOTA", Outcome.PASS if ok else doc.outcome("GP-QUOTA"),
                             f"GP-QUOTA.{kind}.{'pass' if ok else 'fail'}",
                             {"asked": _plain(asked), "used": _plain(used), "quota": limit}))
    return found


def evaluate_supply_request(facts: RequestFacts, doc: PolicyDocument) -> list[Finding]:
    """All findings for a request: each line against each rule that applies, then the whole request."""
    findings: list[Finding] = []
    for index, line in enumerate(facts.lines):
        for rule_id, (outcome, params, passes) in _line_outcomes(line.item, doc).items():
            suggestions = _suggest(line.item, rule_id, facts, doc) if not passes else ()
            key = f"{rule_id}.{'pass' if passes else 'fail'}"
            findings.append(Finding(rule_id, outcome, key, params, suggestions, index))
        if line.item.category == "appliance" and line.item.energy_grade is None:
            findings.append(Finding("GP-ENERGY", Outcome.WARN, "GP-ENERGY.unknown", {}, (), index))
    findings.append(_budget(facts, doc))
    findings.extend(_quota(facts, doc))
    return findings
