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
        # A receipt whose real amount exceeds the approved amount by more than this share (%) is
        # held until logistics accepts it; so is one whose real amount reaches second_level_threshold
        # on a request approved at the first level only.
        "receipt_tolerance_pct": 10,
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
    "travel": {
        # The 1-3-5 rule: below these one-way distances (km) the trip is made on foot, by bike, by bus.
        "walk_below_km": 1,
        "cycle_below_km": 3,
        "transit_below_km": 5,
        # Beyond the county limit (one way) a trip needs the second-level approval (VU-LONG).
        "county_limit_km": 50,
        "purposes": ["meeting", "inspection", "document_delivery", "emergency", "reception", "other"],
        "exemptions": ["cargo", "emergency", "mobility", "no_transit", "hosting_visitors", "severe_weather"],
        # VU-FUEL: consumption above norm × (1 + tolerance) is flagged after the trip.
        "fuel_tolerance_pct": 15,
        # A trip request lasting longer than this (departure to return) is a typo, not a trip.
        "max_trip_days": 30,
        # Bookings keep this margin before and after a trip free for the same vehicle and driver.
        "booking_buffer_minutes": 30,
        # For ranking candidate vehicles by expected cost (CNY per litre or kWh).
        "energy_prices": {"petrol": "8.00", "diesel": "7.70", "electric": "0.80"},
        # For the reports: kg CO2 per litre of petrol or diesel, per kWh of grid power.
        "emission_factors": {"petrol": 2.30, "diesel": 2.63, "electric": 0.58},
        # An avoided car trip is counted as this many litres of petrol per 100 km, out and back.
        "avoided_trip_litres_per_100km": 8.0,
    },
    "queue": {
        "due_working_days": 2,
        # An approver's out-of-office delegation lasts at most this many days (issue 14).
        "delegation_max_days": 90,
    },
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
    def travel(self) -> dict:
        return self.data["travel"]

    @property
    def second_level_threshold(self) -> Decimal:
        return Decimal(str(self.procurement["second_level_threshold"]))

    @property
    def receipt_tolerance(self) -> Decimal:
        """The share above the approved amount a receipt may reach unheld: 10 % is Decimal("0.10")."""
        return Decimal(str(self.procurement["receipt_tolerance_pct"])) / 100


def _positive_number(value) -> bool:
    try:
        return not isinstance(value, bool) and Decimal(str(value)) > 0
    except ArithmeticError:
        return False


def _merge(base: dict, override: dict, path: str = "") -> dict:
    out = copy.deepcopy(base)
    for key, value in override.items():
        where = f"{path}{key}"
        if key not in base:
            raise PolicyDocumentError(f"unknown parameter {where}")
        if key in ("paper_reams_per_unit", "energy_prices", "emission_factors"):
            # Units are open-ended: an override adds or changes units, it does not drop the others.
            if not isinstance(value, dict) or not all(
                    _positive_number(v) for v in value.values()):
                raise PolicyDocumentError(f"{where} must map names to positive numbers")
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
    given: dict = (json.loads(Path(override).read_text(encoding="utf-8")) if isinstance(override, (str, Path))
                   else override)
    if not given.get("version") or given["version"] == DEFAULT_DOCUMENT["version"]:
        raise PolicyDocumentError("an override must carry its own version")
    data = _merge(DEFAULT_DOCUMENT, given)
    for rule, outcome in data["procurement"]["outcomes"].items():
        if outcome not in OUTCOMES:
            raise PolicyDocumentError(f"procurement.outcomes.{rule} must be one of {OUTCOMES}")
    tolerance = data["procurement"]["receipt_tolerance_pct"]
    if not (_positive_number(tolerance) or (not isinstance(tolerance, bool) and tolerance in (0, "0"))):
        raise PolicyDocumentError("procurement.receipt_tolerance_pct must be a number, 0 or more")
    return PolicyDocument(data)
