"""The versioned parameter document every rule reads; a deployment may override it."""
from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

DEFAULT_DOCUMENT: dict = {
    "version": "2026.1",
    "procurement": {
        # A request at or above this total (CNY) needs the second-level (logistics) approval.
        "second_level_threshold": "5000.00",
        # "All printing and copy paper recycled": the recycled-fibre share that counts as recycled.
        "paper_min_recycled_content_pct": 100,
        # Toner, ink and drums pass when remanufactured or at least this recycled.
        "consumable_min_recycled_content_pct": 50,
        # China Energy Label: grade 1 is best, 5 worst.
        "max_energy_grade": 2,
        # Per-person yearly quotas (GP-QUOTA), counted over the requester's open and past requests.
        "quota": {"paper_reams_per_person_year": 24, "toner_units_per_person_year": 4},
        # Paper units converted to reams of 500 sheets.
        "paper_reams_per_unit": {"ream": 1, "pack": 1, "box": 5, "carton": 5, "sheet": 0.002},
        "outcomes": {
            "GP-PLASTIC": "block",
            "GP-DISPOSABLE": "exception",
            "GP-PAPER": "block",
            "GP-CONSUMABLE": "exception",
            "GP-LIGHTING": "block",
            "GP-ENERGY": "block",
            "GP-WATER": "block",
            "GP-RECYCLABLE": "warn",
            "GP-GREENLIST": "warn",
            "GP-BUDGET": "exception",
            "GP-QUOTA": "warn",
        },
        "suggestion_limit": 3,
    },
    "queue": {"due_working_days": 2},
}

OUTCOMES = ("pass", "warn", "exception", "block")


class PolicyDocumentError(ValueError):
    pass


@dataclass(frozen=True)
class PolicyDocument:
    data: dict

    @property
    def version(self) -> str:
        return self.data["version"]

    @property
    def procurement(self) -> dict:
        return self.data["procurement"]

    def outcome(self, rule_id: str):
        from .findings import Outcome

        return Outcome(self.data["procurement"]["outcomes"][rule_id])

    @property
    def second_level_threshold(self) -> Decimal:
        return Decimal(str(self.procurement["second_level_threshold"]))


def _merge(base: dict, override: dict, path: str = "") -> dict:
    out = copy.deepcopy(base)
    for key, value in override.items():
        where = f"{path}{key}"
        if key not in base:
            raise PolicyDocumentError(f"unknown parameter {where}")
        if key == "paper_reams_per_unit":
            # Units are open-ended: an override adds or changes units, it does not drop the others.
            if not isinstance(value, dict) or not all(
                    isinstance(v, (int, float)) and not isinstance(v, bool) and v > 0 for v in value.values()):
                raise PolicyDocumentError(f"{where} must map units to positive numbers of reams")
            out[key] = {**base[key], **value}
        elif isinstance(base[key], dict):
            if not isinstance(value, dict):
                raise PolicyDocumentError(f"{where} must be an object")
            out[key] = _merge(base[key], value, where + ".")
        else:
            out[key] = value
    return out


def load_document(override: dict | str | Path | None = None) -> PolicyDocument:
    """The default document, or it with a deployment's override merged in (which must name its version)."""
    if override is None:
        return PolicyDocument(copy.deepcopy(DEFAULT_DOCUMENT))
    if isinstance(override, (str, Path)):
        override = json.loads(Path(override).read_text(encoding="utf-8"))
    if not override.get("version") or override["version"] == DEFAULT_DOCUMENT["version"]:
        raise PolicyDocumentError("an override must carry its own version")
    data = _merge(DEFAULT_DOCUMENT, override)
    for rule, outcome in data["procurement"]["outcomes"].items():
        if outcome not in OUTCOMES:
            raise PolicyDocumentError(f"procurement.outcomes.{rule} must be one of {OUTCOMES}")
    return PolicyDocument(data)
