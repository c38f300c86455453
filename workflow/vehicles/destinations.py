"""Common destinations with known distances, kept by an administrator, offered on every trip form."""
from __future__ import annotations

from workflow.kernel.access import Actor
from workflow.kernel.errors import Conflict, Forbidden, NotFound
from .model import CommonDestination


def view(d: CommonDestination) -> dict:
    return {"id": d.id, "name": d.name, "name_zh": d.name_zh, "distance_km": d.distance_km, "active": d.active}


def list_destinations(uow) -> list[dict]:
    with uow:
        return [view(d) for d in uow.destinations.offered()]


def save_destination(fields: dict, actor: Actor, uow, destination_id: int | None = None) -> dict:
    if not actor.is_("admin"):
        raise Forbidden("only an administrator keeps the common destinations")
    with uow:
        if "name" in fields:
            clash = uow.destinations.named(fields["name"])
            if clash and clash != destination_id:
                raise Conflict("name exists", {"name": ["A destination with this name exists."]})
        if destination_id is None:
            dest = uow.destinations.add(CommonDestination(**{"active": True, "name_zh": "", **fields}))
        else:
            dest = uow.destinations.get(destination_id)
            if dest is None:
                raise NotFound("no such destination")
            for name, value in fields.items():
                setattr(dest, name, value)
        uow.commit()
        return view(dest)
