"""What each domain event says to the people it concerns: title and body message ids, by topic."""
from __future__ import annotations

from workflow.kernel.texts import N_, text

# topic -> title; the body adds the item's number and a link.
TITLES: dict[str, str] = {
    "task.assigned": N_("{number} waits for your approval"),
    "task.overdue": N_("Overdue: {number} waits for your approval"),
    "request.approved": N_("{number} is approved"),
    "request.returned": N_("{number} was returned to you"),
    "request.rejected": N_("{number} was rejected"),
    "order.placed": N_("Ordered: {number}"),
    "order.received": N_("Delivered: {number}"),
    "trip.approved": N_("Trip {number} is approved"),
    "trip.returned": N_("Trip {number} was returned to you"),
    "trip.rejected": N_("Trip {number} was rejected"),
    "trip.dispatched": N_("Vehicle {vehicle} is assigned"),
    "trip.fuel_anomaly": N_("Fuel above norm on {vehicle}"),
    "report.monthly_digest": N_("Savings summary for {period}"),
}
BODIES: dict[str, str] = {
    "task.assigned": N_("{number} from {department} waits for your decision."),
    "task.overdue":
        N_("{number} from {department} is past its due time; please decide, or it goes to the next level."),
    "request.approved": N_("Your request {number} is approved."),
    "request.returned": N_("Your request {number} was returned: {comment}"),
    "request.rejected": N_("Your request {number} was rejected: {comment}"),
    "order.placed": N_("Purchase order {number} was placed with {supplier}."),
    "order.received": N_("Purchase order {number} was delivered ({status})."),
    "trip.approved": N_("Your trip {number} is approved; the fleet manager will assign a vehicle."),
    "trip.returned": N_("Your trip {number} was returned: {comment}"),
    "trip.rejected": N_("Your trip {number} was rejected: {comment}"),
    "trip.dispatched": N_("Vehicle {vehicle} is assigned to trip {number}."),
    "trip.fuel_anomaly": N_("{vehicle}: {per_100km} per 100 km against a norm of {norm}."),
    "report.monthly_digest":
        N_("Office supplies {spend} CNY ({spend_change_pct}% year on year); vehicles {vehicle_cost} CNY; "
           "{avoided_trips} car trips avoided, {co2_kg_saved} kg CO2 saved."),
}


def compose(topic: str, values: dict, language: str) -> tuple[str, str]:
    """(title, body) for a recipient; missing values print as blanks rather than failing a delivery."""
    return text(TITLES[topic], language, **values), text(BODIES[topic], language, **values)
