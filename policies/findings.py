"""Value types the rules read (facts) and write (findings)."""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from enum import Enum


class Outcome(str, Enum):
    PASS = "pass"
    WARN = "warn"          # recorded and shown
    EXCEPTION = "exception"  # needs a written justification and the second-level approval
    BLOCK = "block"        # cannot be submitted


_RANK = {Outcome.PASS: 0, Outcome.WARN: 1, Outcome.EXCEPTION: 2, Outcome.BLOCK: 3}


def worst(outcomes) -> Outcome:
    return max(outcomes, key=_RANK.__getitem__, default=Outcome.PASS)


@dataclass(frozen=True)
class ItemFacts:
    """The green attributes of a catalog item, or of a line typed in by the requester."""

    category: str
    unit: str = "piece"
    unit_price: Decimal = Decimal("0")
    recyclable: bool = False
    recycled_content_pct: int = 0
    single_use: bool = False
    plastic: bool = False
    biodegradable: bool = False
    remanufactured: bool = False
    led: bool = False
    energy_grade: int | None = None
    water_saving: bool = False
    green_listed: bool = False
    # For suggestions only: the catalog identity of the item.
    item_id: int | None = None
    sku: str | None = None
    name: str | None = None
    name_zh: str | None = None


@dataclass(frozen=True)
class LineFacts:
    item: ItemFacts
    quantity: Decimal


@dataclass(frozen=True)
class Finding:
    rule_id: str
    outcome: Outcome
    message_key: str
    params: dict = field(default_factory=dict)
    suggestions: tuple = ()   # catalog item dicts of the same category that pass
    line: int | None = None   # index of the line, None for the whole request

    def as_dict(self) -> dict:
        return {
            "rule_id": self.rule_id, "outcome": self.outcome.value, "message_key": self.message_key,
            "params": self.params, "suggestions": list(self.suggestions), "line": self.line,
        }
