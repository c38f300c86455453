"""Typed outbox events: one frozen dataclass per topic, checked when emitted, read back by recipient planning.

Through `emit` on a unit of work: tests/services/test_events.py.
"""
from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from workflow.kernel import events
from workflow.kernel.events import UnknownTopic
from workflow.notifications.notice_text import TITLES

ROOT = Path(__file__).resolve().parents[2]

# One payload per topic, each exactly as the emitters wrote it before the dataclasses (stored events).
STORED = {
    "request.submitted": {"number": "SR-1", "requester_id": 3, "department_id": 1, "actor_id": 3, "from": "draft",
                          "to": "dept_review", "comment": ""},
    "request.approved": {"number": "SR-1", "requester_id": 3, "department_id": 1, "actor_id": 5,
                         "from": "office_review", "to": "approved", "comment": "ok"},
    "trip.returned": {"number": "TR-1", "requester_id": 3, "department_id": 1, "actor_id": 5, "to": "returned",
                      "comment": "why"},
    "task.assigned": {"number": "SR-1", "requester_id": 3, "department_id": 1, "actor_id": 3, "from": "draft",
                      "to": "dept_review", "comment": "", "level": "dept_review", "version": 2},
    "task.overdue": {"number": "TR-2", "requester_id": 3, "department_id": 1, "actor_id": 1, "level": "requested",
                     "version": 4},
    "trip.dispatched": {"requests": [7, 8], "vehicle": "A-1", "number": "TR-7, TR-8", "driver_user_id": 9,
                        "requester_ids": [3, 4], "actor_id": 6},
    "trip.fuel_anomaly": {"vehicle": "A-1", "per_100km": "12.0", "number": "TR-7", "norm": "8", "requests": [7],
                          "actor_id": 9},
    "trip.closed": {"distance_km": "12.5", "actor_id": 6},
    "order.placed": {"number": "PO-1", "supplier": "Chenming", "request_ids": [1, 2], "actor_id": 5},
    "order.received": {"number": "PO-1", "status": "received", "request_ids": [1], "actor_id": 5},
    "report.monthly_digest": {"period": "2026-11", "spend": "10.00", "spend_change_pct": "-3.0",
                              "vehicle_cost": "20.00", "avoided_trips": 4, "co2_kg_saved": "7.1"},
}


def _emitted_topics() -> set[str]:
    """Every topic literal the workflow emits (emit/emit_all calls and the topic maps of the flows)."""
    found = set()
    for path in (ROOT / "workflow").rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        found |= set(re.findall(r'"((?:request|task|trip|order|report)\.[a-z_]+)"', source))
    return found


def test_every_topic_the_workflow_emits_has_a_payload_class():
    assert _emitted_topics() - set(events.PAYLOADS) == set()


def test_every_topic_someone_is_told_of_has_a_payload_class():
    assert set(TITLES) <= set(events.PAYLOADS)


def test_each_topic_has_exactly_one_payload_class_and_each_class_is_frozen():
    owners: dict[str, list[str]] = {}
    for cls in set(events.PAYLOADS.values()):
        assert cls.__dataclass_params__.frozen
        for topic in cls.topics:
            owners.setdefault(topic, []).append(cls.__name__)
    assert all(len(names) == 1 for names in owners.values()), owners
    with pytest.raises(dataclasses.FrozenInstanceError):
        events.build("trip.closed", {"distance_km": "1", "actor_id": 1}).actor_id = 2  # type: ignore[misc]


@pytest.mark.parametrize("topic", sorted(STORED))
def test_a_stored_payload_reads_back_and_writes_the_same_json(topic):
    typed = events.read(topic, STORED[topic])
    assert isinstance(typed, events.PAYLOADS[topic])
    assert typed.to_json() == STORED[topic]
    assert events.build(topic, STORED[topic]) == typed


def test_an_optional_field_left_unset_is_left_out_of_the_json():
    task = events.build("task.assigned", {"number": "SR-1", "requester_id": 3, "department_id": 1,
                                          "level": "office_review"})
    assert task.to_json() == {"number": "SR-1", "requester_id": 3, "department_id": 1, "level": "office_review"}
    assert task.get("actor_id") is None and task.get("version", 0) == 0


@pytest.mark.parametrize("topic", ["request.submited", "relay.test", "task", ""])
def test_an_unknown_topic_fails_when_built(topic):
    with pytest.raises(UnknownTopic):
        events.build(topic, {})


@pytest.mark.parametrize("topic,missing", [("trip.dispatched", "driver_user_id"), ("order.placed", "supplier"),
                                           ("task.overdue", "level"), ("request.returned", "from"),
                                           ("report.monthly_digest", "co2_kg_saved")])
def test_a_payload_missing_a_field_fails_when_built(topic, missing):
    fields = dict(STORED["request.approved"] if topic == "request.returned" else STORED[topic])
    del fields[missing]
    with pytest.raises(TypeError):
        events.build(topic, fields)


def test_a_field_the_topic_does_not_declare_fails_when_built():
    with pytest.raises(TypeError, match="colour"):
        events.build("trip.closed", {"distance_km": "1", "actor_id": 1, "colour": "red"})
