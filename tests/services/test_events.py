"""Typed outbox events through `emit`: a dataclass or its fields written as the same JSON, anything else refused."""
from __future__ import annotations

import pytest

from tests.unit.test_events import STORED
from workflow.kernel import events
from workflow.kernel.events import UnknownTopic
from workflow.kernel.outbox import emit, emit_all


@pytest.fixture
def uow(memory_runtime):
    with memory_runtime.uow() as unit:
        yield unit


def test_emit_writes_a_dataclass_or_fields_as_the_same_json(uow):
    given = emit(uow.session, "trip.closed", "trip", 1, events.TripClosed(distance_km="3.0", actor_id=6))
    built = emit(uow.session, "trip.closed", "trip", 2, distance_km="3.0", actor_id=6)
    assert given.payload == built.payload == {"distance_km": "3.0", "actor_id": 6}


def test_emit_refuses_an_unknown_topic_a_missing_field_or_another_topics_payload(uow):
    with pytest.raises(UnknownTopic):
        emit(uow.session, "trip.teleported", "trip", 1, actor_id=6)
    with pytest.raises(TypeError):
        emit(uow.session, "trip.closed", "trip", 1, actor_id=6)
    with pytest.raises(UnknownTopic):
        emit(uow.session, "order.placed", "trip", 1, events.TripClosed(distance_km="1", actor_id=6))
    with pytest.raises(UnknownTopic):
        emit_all(uow.session, "supply_request", 1, [("request.teleported", STORED["request.submitted"])])
    with pytest.raises(TypeError):
        emit_all(uow.session, "supply_request", 1, [("request.submitted", {"number": "SR-1"})])
