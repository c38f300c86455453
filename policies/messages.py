"""The text of every finding and of the words its parameters name, by message key (English message ids).

Policies stay pure: a finding carries its message key and parameters; `workflow.kernel.texts.finding` renders
it in the reader's language from the gettext catalog (api/translations), so a language is a catalog.
"""
from __future__ import annotations


def N_(message_id: str) -> str:
    """Marks a message id for extraction by `scripts/i18n.sh`; translated where the reader is known."""
    return message_id


MESSAGES: dict[str, str] = {
    "GP-PLASTIC.pass": N_("Single-use item is not non-degradable plastic."),
    "GP-PLASTIC.fail":
        N_("Non-degradable single-use plastic items may not be bought; take a reusable or degradable one."),
    "GP-DISPOSABLE.pass": N_("Not a single-use item."),
    "GP-DISPOSABLE.fail":
        N_("Single-use office supplies are limited: give a justification, or take a reusable item."),
    "GP-PAPER.pass": N_("Recycled paper (recycled content {pct}%)."),
    "GP-PAPER.fail":
        N_("Printing and copy paper must be recycled (recycled content at least {min_pct}%; this has {pct}%)."),
    "GP-CONSUMABLE.pass": N_("Remanufactured or recycled consumable."),
    "GP-CONSUMABLE.fail":
        N_("Toner, ink and drums should be remanufactured or recycled; a new one needs a justification."),
    "GP-LIGHTING.pass": N_("LED lighting."),
    "GP-LIGHTING.fail": N_("Lighting must be LED."),
    "GP-ENERGY.pass": N_("China Energy Label grade {grade} (at most {max_grade} allowed)."),
    "GP-ENERGY.fail": N_("China Energy Label grade {grade} is not allowed: grade {max_grade} or better is required."),
    "GP-ENERGY.unknown": N_("The appliance's China Energy Label grade is not recorded."),
    "GP-WATER.pass": N_("Water-saving fitting."),
    "GP-WATER.fail": N_("Taps and cisterns must be water-saving."),
    "GP-RECYCLABLE.pass": N_("Recyclable."),
    "GP-RECYCLABLE.fail": N_("Not recyclable: a recyclable item is preferred."),
    "GP-GREENLIST.pass": N_("On the government energy-saving / environmental-label list."),
    "GP-GREENLIST.fail":
        N_("Not on the government energy-saving / environmental-label lists: a listed item is preferred."),
    "GP-BUDGET.pass": N_("Total {total} CNY is within the department's remaining budget of {remaining} CNY."),
    "GP-BUDGET.fail": N_("Total {total} CNY exceeds the department's remaining budget of {remaining} CNY."),
    "GP-BUDGET.none": N_("The department has no office-supply budget this year."),
    "GP-QUOTA.paper.pass": N_("Paper: {asked} reams asked, {used} used this year, quota {quota}."),
    "GP-QUOTA.paper.fail":
        N_("Paper: {asked} reams asked and {used} used this year exceed the quota of {quota} reams per person."),
    "GP-QUOTA.toner.pass": N_("Consumables: {asked} asked, {used} used this year, quota {quota}."),
    "GP-QUOTA.toner.fail":
        N_("Consumables: {asked} asked and {used} used this year exceed the quota of {quota} per person."),
    "VU-PURPOSE.pass": N_("Official purpose: {purpose}."),
    "VU-PURPOSE.fail":
        N_("'{purpose}' is not an official purpose category; official cars are for official business only."),
    "VU-135.pass": N_("{distance_km} km one way: a car may be dispatched."),
    "VU-135.walk": N_("{distance_km} km one way is under the walking distance: please walk (1-3-5 rule)."),
    "VU-135.cycle": N_("{distance_km} km one way is within cycling distance: please cycle (1-3-5 rule)."),
    "VU-135.public_transport":
        N_("{distance_km} km one way is within public-transport distance: please take the bus (1-3-5 rule)."),
    "VU-135.exempted":
        N_("{distance_km} km one way calls for {mode}; a car for '{exemption}' needs the logistics approval."),
    "VU-LONG.pass": N_("Within the county limit of {limit_km} km."),
    "VU-LONG.fail":
        N_("{distance_km} km one way is beyond the county limit of {limit_km} km: needs the logistics approval."),
    "VU-FUEL.pass": N_("{per_100km} per 100 km, within the norm of {norm} plus {tolerance_pct}%."),
    "VU-FUEL.fail": N_("{per_100km} per 100 km is above the norm of {norm} plus {tolerance_pct}%: check the trip."),
}


# Words that appear as parameter values (travel modes, exemptions, purposes).
TERMS: dict[str, str] = {
    "walk": N_("walking"),
    "cycle": N_("cycling"),
    "public_transport": N_("public transport"),
    "cargo": N_("goods or equipment to carry"),
    "emergency": N_("emergency"),
    "mobility": N_("mobility or health"),
    "no_transit": N_("no public transport at that hour"),
    "hosting_visitors": N_("hosting visitors"),
    "severe_weather": N_("severe weather"),
    "meeting": N_("meeting"),
    "inspection": N_("inspection"),
    "document_delivery": N_("document delivery"),
    "reception": N_("reception"),
    "other": N_("other official business"),
}
TERM_PARAMS = ("mode", "exemption", "purpose")
