"""Flow diagrams drawn from the very transitions machines the workflow runs (their mermaid output)."""
from __future__ import annotations

import re
from functools import lru_cache

from transitions.extensions import GraphMachine

from workflow.kernel.machines import SYSTEM_TRIGGERS
from workflow.procurement.model import SUPPLY_MACHINE
from workflow.vehicles.model import TRIP_MACHINE

MACHINES = {"supply": SUPPLY_MACHINE, "trip": TRIP_MACHINE}


def _definition(machine):
    """States and transitions read back from the live machine, so the picture cannot drift."""
    transitions = []
    for trigger, event in machine.events.items():
        if trigger in SYSTEM_TRIGGERS:
            continue
        for source, items in event.transitions.items():
            for t in items:
                transitions.append({"trigger": trigger, "source": source, "dest": t.dest})
    return list(machine.states), transitions, machine.initial


@lru_cache(maxsize=None)
def _mermaid(kind: str) -> str:
    """Drawn once per kind: the diagram extension needs a model, so one throwaway holder."""
    states, transitions, initial = _definition(MACHINES[kind])
    holder = type("Holder", (), {"status": initial})()
    GraphMachine(model=holder, states=states, transitions=transitions, initial=initial, model_attribute="status",
                 graph_engine="mermaid", auto_transitions=False, title=" ")
    return holder.get_graph().draw(None)


def flow_diagram(kind: str, current: str) -> str:
    """Mermaid source with the current state marked active and the others plain."""
    text = _mermaid(kind)
    text = re.sub(r"Class (\w+) s_active", r"Class \1 s_default", text)
    return re.sub(rf"Class {re.escape(current)} s_default", f"Class {current} s_active", text)
