"""Policy parameters an administrator changes at run time: each change is a new, kept version (`uow.policy_versions`)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String, select
from sqlalchemy.orm import Mapped, mapped_column

from policies import load_document
from policies.document import PolicyDocumentError

from .access import Actor
from .db import Base, UTCDateTime, utcnow
from .errors import Conflict, Forbidden, InvalidInput
from .store import MappedStore
from .uow import UnitOfWork


class PolicyVersion(Base):
    """An override of the policy document (merged over the defaults), never edited once saved."""

    __tablename__ = "policy_versions"
    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[str] = mapped_column(String(32), unique=True)
    overrides: Mapped[dict]
    note: Mapped[str] = mapped_column(String(500), default="")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


@UnitOfWork.store("policy_versions")
class PolicyVersionStore(MappedStore):
    """The saved versions of the policy parameters; the newest is in force."""

    model = PolicyVersion

    def latest(self) -> PolicyVersion | None:
        """The version in force, or None when none was saved (the policy file's document applies)."""
        return self._one(select(PolicyVersion).order_by(PolicyVersion.id.desc()).limit(1))

    def id_of(self, version: str) -> int | None:
        return self._one(select(PolicyVersion.id).where(PolicyVersion.version == version))

    def newest_first(self) -> list[PolicyVersion]:
        return self._all(select(PolicyVersion).order_by(PolicyVersion.id.desc()))


def save_version(version: str, overrides: dict, note: str, actor: Actor, uow) -> dict:
    """Check the override against the document's rules, then keep it as the version in force."""
    if not actor.is_("admin"):
        raise Forbidden("policy parameters are changed by an administrator")
    try:
        doc = load_document({**overrides, "version": version})
    except PolicyDocumentError as exc:
        raise InvalidInput("invalid policy parameters", {"overrides": [str(exc)]}) from exc
    with uow:
        if uow.policy_versions.id_of(version):
            raise Conflict("version exists", {"version": ["Each change needs a new version name."]})
        uow.policy_versions.add(PolicyVersion(version=version, overrides={**overrides, "version": version}, note=note,
                                              created_by_id=actor.id, created_at=utcnow()))
        uow.commit()
    return {"version": doc.version, "document": doc.data}


def versions(uow) -> list[dict]:
    with uow:
        return [{"version": v.version, "note": v.note, "created_at": v.created_at, "overrides": v.overrides}
                for v in uow.policy_versions.newest_first()]
