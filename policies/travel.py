"""The VU-* rules: green travel (1-3-5), official purpose, county limit, fuel after the trip."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from .document import PolicyDocument
from .findings import Finding, Outcome


@dataclass(frozen=True)
class TripFacts:
    distance_km: Decimal          # one way
    purpose_category: str
    exemption: str | None = None


def green_mode(distance_km: Decimal, doc: PolicyDocument) -> str | None:
    """The way to travel instead of a car, or None when a car may be considered."""
    t = doc.travel
    if distance_km < Decimal(str(t["walk_below_km"])):
        return "walk"
    if distance_km < Decimal(str(t["cycle_below_km"])):
        return "cycle"
    if distance_km < Decimal(str(t["transit_below_km"])):
        return "public_transport"
    return None


def evaluate_trip(facts: TripFacts, doc: PolicyDocument) -> list[Finding]:
    t = doc.travel
    findings = []
    if facts.purpose_category in t["purposes"]:
        findings.append(Finding("VU-PURPOSE", Outcome.PASS, "VU-PURPOSE.pass", {"purpose": facts.purpose_category}))
    else:
        findings.append(Finding("VU-PURPOSE", Outcome.BLOCK, "VU-PURPOSE.fail", {"purpose": facts.purpose_category}))

    mode = green_mode(facts.distance_km, doc)
    distance = f"{facts.distance_km.normalize():f}"
    if mode is None:
        findings.append(Finding("VU-135", Outcome.PASS, "VU-135.pass", {"distance_km": distance}))
    elif facts.exemption in t["exemptions"]:
        # Exempted short trips are allowed, but only with the second-level approval.
        findings.append(Finding("VU-135", Outcome.EXCEPTION, "VU-135.exempted",
                                {"distance_km": distance, "mode": mode, "exemption": facts.exemption}))
    else:
        findings.append(Finding("VU-135", Outcome.BLOCK, f"VU-135.{mode}", {"distance_km": distance, "mode": mode}))

    limit = Decimal(str(t["county_limit_km"]))
    if facts.distance_km > limit:
        findings.append(Finding("VU-LONG", Outcome.EXCEPTION, "VU-LONG.fail",
                                {"distance_km": distance, "limit_km": t["county_limit_km"]}))
    else:
        findings.append(Finding("VU-LONG", Outcome.PASS, "VU-LONG.pass",
                                {"distance_km": distance, "limit_km": t["county_limit_km"]}))
    return findings


def fuel_check(distance_km: Decimal, used: Decimal, norm_per_100km: Decimal, doc: PolicyDocument) -> Finding:
    """VU-FUEL after the trip: litres (or kWh) per 100 km against the vehicle's norm plus tolerance."""
    tolerance = Decimal(str(doc.travel["fuel_tolerance_pct"]))
    allowed = norm_per_100km * (1 + tolerance / 100)
    per_100 = (used * 100 / distance_km) if distance_km > 0 else Decimal("0")
    params = {"per_100km": f"{per_100.quantize(Decimal('0.01')):f}", "norm": f"{norm_per_100km.normalize():f}",
              "tolerance_pct": doc.travel["fuel_tolerance_pct"]}
    if per_100 > allowed:
        return Finding("VU-FUEL", Outcome.WARN, "VU-FUEL.fail", params)
    return Finding("VU-FUEL", Outcome.PASS, "VU-FUEL.pass", params)
