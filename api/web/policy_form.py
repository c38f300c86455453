"""The policy document as an administrator reads and edits it: labelled rows, editable values, typed input."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

PARAMETER_LABELS = {
    "procurement.second_level_threshold": _l("Total needing the second-level approval (CNY)"),
    "procurement.receipt_tolerance_pct": _l("Receipt above the approved amount held for logistics beyond (%)"),
    "procurement.paper_min_recycled_content_pct": _l("Recycled fibre for paper to count as recycled (%)"),
    "procurement.consumable_min_recycled_content_pct": _l("Recycled share for toner and ink to pass (%)"),
    "procurement.max_energy_grade": _l("Worst energy grade allowed (1 is best)"),
    "procurement.quota.paper_reams_per_person_year": _l("Paper quota per person and year (reams)"),
    "procurement.quota.toner_units_per_person_year": _l("Toner quota per person and year (cartridges)"),
    "procurement.suggestion_limit": _l("Green alternatives suggested per finding"),
    "travel.walk_below_km": _l("Walk below (km, one way)"),
    "travel.cycle_below_km": _l("Cycle below (km, one way)"),
    "travel.transit_below_km": _l("Public transport below (km, one way)"),
    "travel.county_limit_km": _l("County limit needing the second-level approval (km, one way)"),
    "travel.purposes": _l("Trip purposes"),
    "travel.exemptions": _l("Exemptions from the 1-3-5 rule"),
    "travel.fuel_tolerance_pct": _l("Fuel use above the norm flagged beyond (%)"),
    "travel.max_trip_days": _l("Longest trip a request may ask for (days)"),
    "travel.booking_buffer_minutes": _l("Free margin around each booking (minutes)"),
    "travel.avoided_trip_litres_per_100km": _l("Petrol counted per avoided trip (L/100 km)"),
    "queue.due_working_days": _l("Working days before an approval is overdue"),
    "queue.delegation_max_days": _l("Longest out-of-office delegation (days)"),
}
SECTION_TITLES = {"procurement": _l("Green procurement"), "travel": _l("Official vehicles and travel"),
                  "queue": _l("Approval queue")}


def parameter_rows(data: dict, prefix: str = "") -> list[dict]:
    """The document as rows of (dotted path, readable label, value); lists joined, maps opened up."""
    rows = []
    for key, value in data.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            rows.extend(parameter_rows(value, path + "."))
        else:
            shown = ", ".join(str(v) for v in value) if isinstance(value, (list, tuple)) else value
            label = PARAMETER_LABELS.get(path)
            if label is None and prefix.endswith("outcomes."):
                label = _("Outcome of %(rule)s", rule=key)
            elif label is None and prefix.endswith(("energy_prices.", "emission_factors.", "paper_reams_per_unit.")):
                label = {"energy_prices.": _("Energy price: %(name)s (CNY per litre or kWh)", name=key),
                         "emission_factors.": _("Emission factor: %(name)s (kg CO2 per litre or kWh)", name=key),
                         "paper_reams_per_unit.": _("Reams in one %(name)s", name=key)}[
                    prefix[prefix.rindex(".", 0, len(prefix) - 1) + 1:]]
            rows.append({"path": path, "label": str(label) if label is not None else path,
                         "value": "—" if shown is None else shown})
    return rows


def editable(data: dict, prefix: str = "") -> list[tuple[str, object]]:
    """(dotted path, value) of every number and outcome an administrator may change here."""
    out = []
    for key, value in data.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            out.extend(editable(value, path + "."))
        elif not isinstance(value, (list, tuple)) and path != "version":
            out.append((path, value))
    return out


def nest(path: str, value, into: dict) -> None:
    *parents, leaf = path.split(".")
    for p in parents:
        into = into.setdefault(p, {})
    into[leaf] = value


def typed(text: str, like):
    """The form's text as the type the parameter already has (outcomes stay words)."""
    text = text.strip()
    if isinstance(like, bool):
        return text in ("1", "true", "on")
    if isinstance(like, int):
        return int(text)
    if isinstance(like, float):
        return float(text)
    return text
