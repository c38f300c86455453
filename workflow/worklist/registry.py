"""Every approval flow of the office, by name: what the queue, reminders and action links go over."""
from __future__ import annotations

from workflow.approvals.flow import Flow
from workflow.procurement.supply_requests import SUPPLY_FLOW
from workflow.vehicles.trip_requests import TRIP_FLOW

FLOWS: dict[str, Flow] = {f.name: f for f in (SUPPLY_FLOW, TRIP_FLOW)}


def flow(name: str) -> Flow:
    """The flow called `name`; KeyError for any other."""
    return FLOWS[name]
