"""Common destinations with known distances, kept by an administrator, offered on every trip form."""
from __future__ import annotations

from sqlalchemy import select

from workflow.kernel.access import Actor
from workflow.kernel.errors import Conflict, Forbidden, NotFound
from .model import CommonDestination


def view(d: CommonDestination) -> dict:
    return {"id": d.id, "name": d.name, "name_zh": d.name_zh, "distance_km": d.distance_km, "active": d.active}


def list_destinations(uow) -> list[dict]:
    with uow:
        return [view(d) for d in uow.session.scalars(
            select(CommonDestination).where(CommonDestination.active.is_(True)).order_by(CommonDestination.name))]


def save_destination(fields: dict, actor: Actor, uow, destination_id: int | None = None) -> dict:
    if not actor.is_("admin"):
        raise Forbidden("only an administrator keeps the common destinations")
    with uow:
        s = uow.session
        if "name" in fields:
            clash = s.scalar(select(CommonDestination.id).where(CommonDestination.name == fields["name"]))
            if clash and clash != destination_id:
                raise Conflict("name exists", {"name": ["A destination with this name exists."]})
        if destination_id is None:
            dest = CommonDestination(**{"active": True, "name_zh": "", **fields})
            s.add(dest)
        else:
            dest = s.get(CommonDestination, destination_id)
            if dest is None:
                raise NotFound("no such destination")
            for name, value in fields.items():
                setattr(dest, name, value)
        uow.commit()
        return view(dest)
