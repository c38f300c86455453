"""The committed-transitions counter: one metric, fed by the web app's and the worker's commits alike."""
from __future__ import annotations

from prometheus_client import Counter

from workflow.kernel import audit
from workflow.worklist.registry import FLOWS

# Defined once per process; the labels are bounded: flows and action names.
TRANSITIONS = Counter("jieyue_transitions", "Committed workflow transitions", ["flow", "action"])


def count_transition(event) -> None:
    """An audit listener: a committed step that changed an item's status (edits and reminders do not)."""
    flow = FLOWS.get(event.entity_type)
    if flow and event.from_state != event.to_state:
        TRANSITIONS.labels(flow.metric, event.action).inc()


def subscribe_transitions() -> None:
    if count_transition not in audit.AFTER_COMMIT:
        audit.AFTER_COMMIT.append(count_transition)
