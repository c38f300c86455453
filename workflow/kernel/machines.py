"""Firing events on the shared `transitions` machines, one machine per workflow type."""
from __future__ import annotations

from functools import cache

from transitions import Machine, MachineError

from .errors import IllegalStep


def build(states: list[str], transitions: list[dict], initial: str) -> Machine:
    # Built once per workflow at import: model=None, no auto transitions (CONVENTIONS habit 4).
    return Machine(model=None, states=states, transitions=transitions, initial=initial,
                   auto_transitions=False, model_attribute="status", send_event=True)


# Steps only the system takes (overdue escalation): never offered to people.
SYSTEM_TRIGGERS = frozenset({"escalate"})


@cache
def triggers(machine: Machine, status: str) -> frozenset[str]:
    """The events that leave `status` (the machines never change after import, so asked once)."""
    return frozenset(machine.get_triggers(status))


@cache
def _allowed(machine: Machine, status: str) -> tuple[str, ...]:
    return tuple(sorted(triggers(machine, status) - SYSTEM_TRIGGERS))


def allowed(machine: Machine, status: str) -> list[str]:
    return list(_allowed(machine, status))


def fire(machine: Machine, obj, event: str, **context) -> tuple[str, str]:
    """Run `event` on `obj` (whose `status` column is the state); returns (from, to)."""
    before = obj.status
    if event not in machine.events or event not in triggers(machine, before):
        raise IllegalStep(f"cannot {event} from {before}", allowed=allowed(machine, before))
    try:
        done = machine.events[event].trigger(obj, **context)
    except MachineError as exc:
        raise IllegalStep(f"cannot {event} from {before}", allowed=allowed(machine, before)) from exc
    if not done:
        raise IllegalStep(f"cannot {event} from {before}", allowed=allowed(machine, before))
    return before, obj.status


def condition(name: str):
    """A guard reading a flag the service computed (guards ask, they never write)."""
    return lambda event_data: bool(event_data.kwargs.get(name))
