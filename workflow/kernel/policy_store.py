"""Policy parameters an administrator changes at run time: each change is a new, kept version."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String, select
from sqlalchemy.orm import Mapped, mapped_column

from policies import load_document
from policies.document import PolicyDocumentError

from .access import Actor
from .db import Base, UTCDateTime, utcnow
from .errors import Conflict, Forbidden, InvalidInput


class PolicyVersion(Base):
    """An override of the policy document (merged over the defaults), never edited once saved."""

    __tablename__ = "policy_versions"
    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[str] = mapped_column(String(32), unique=True)
    overrides: Mapped[dict]
    note: Mapped[str] = mapped_column(String(500), default="")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


def latest(s) -> PolicyVersion | None:
    return s.scalar(select(PolicyVersion).order_by(PolicyVersion.id.desc()).limit(1))


def save_version(version: str, overrides: dict, note: str, actor: Actor, uow) -> dict:
    """Check the override against the document's rules, then keep it as the version in force."""
    if not actor.is_("admin"):
        raise Forbidden("policy parameters are changed by an administrator")
    try:
        doc = load_document({**overrides, "version": version})
    except PolicyDocumentError as exc:
        raise InvalidInput("invalid policy parameters", {"overrides": [str(exc)]}) from exc
    with uow:
        s = uow.session
        if s.scalar(select(PolicyVersion.id).where(PolicyVersion.version == version)):
            raise Conflict("version exists", {"version": ["Each change needs a new version name."]})
        s.add(PolicyVersion(version=version, overrides={**overrides, "version": version}, note=note,
                            created_by_id=actor.id, created_at=utcnow()))
        uow.commit()
    return {"version": doc.version, "document": doc.data}


def versions(uow) -> list[dict]:
    with uow:
        return [{"version": v.version, "note": v.note, "created_at": v.created_at, "overrides": v.overrides}
                for v in uow.session.scalars(select(PolicyVersion).order_by(PolicyVersion.id.desc()))]
