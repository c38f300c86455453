"""Unit of work: one database transaction per service call, committed explicitly."""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import cached_property
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session, sessionmaker

from . import audit, clock, outbox
from .audit import AuditTrail
from .store import Reads


class UnitOfWork:
    """`with uow:` opens a session; leaving without `commit()` rolls everything back.

    Nested `with` blocks share the outer session, so a service may call another service
    and both land in one transaction (the outer block commits).

    Each aggregate has one store, reached as an attribute (`uow.supply_requests`,
    `uow.trip_requests`): the one way its items are loaded and saved. A store module registers
    itself with `@UnitOfWork.store("name")`.
    """

    stores: ClassVar[dict[str, Callable[["UnitOfWork"], Any]]] = {}

    @classmethod
    def store(cls, name: str):
        """Register a store class under `name`: `uow.<name>` is an instance bound to this unit of work."""
        def register(factory):
            cls.stores[name] = factory
            return factory
        return register

    def __getattr__(self, name: str):
        # Only for names not set on the instance: the stores, made once per unit of work.
        factory = type(self).stores.get(name)
        if factory is None:
            raise AttributeError(f"the unit of work has no {name!r} (no store of that name: is its module listed in workflow/stores.py?)")
        store = self.__dict__[name] = factory(self)
        return store

    def __init__(self, session_factory: sessionmaker, policy_document=None, office_tz: str = "Asia/Shanghai",
                 on_outbox=None):
        self._factory = session_factory
        self._on_outbox = on_outbox
        self.office_tz = ZoneInfo(office_tz)
        self._depth = 0
        self._session: Session | None = None
        self.policy_document = policy_document
        self.after_commit: list = []

    @cached_property
    def reads(self) -> Reads:
        """SELECTs for read screens, the queue and reports (kernel/store.py)."""
        return Reads(self)

    @cached_property
    def audit_trail(self) -> AuditTrail:
        """The audit events to read (an item's history, the chain check); `record` writes them."""
        return AuditTrail(self)

    @property
    def session(self) -> Session:
        """The open session; only inside `with uow:`."""
        if self._session is None:
            raise RuntimeError("the unit of work's session exists only inside `with uow:`")
        return self._session

    def __enter__(self) -> "UnitOfWork":
        if self._depth == 0:
            self._session = self._factory()
            self.after_commit = []
        self._depth += 1
        return self

    def __exit__(self, exc_type, exc, tb):
        self._depth -= 1
        if self._depth == 0:
            try:
                self.session.rollback()
            finally:
                self.session.close()
                self._session = None

    def commit(self) -> None:
        if self._depth > 1:
            return  # the outermost block decides
        self.session.commit()
        hooks, self.after_commit = self.after_commit, []
        for hook in hooks:
            hook()
        if self.session.info.pop("outbox", False) and self._on_outbox:
            self._on_outbox()

    def record(self, entity_type: str, entity_id: int, action: str, actor, **details):
        """An audit event in this transaction, chained to the item's last (audit.record)."""
        return audit.record(self.session, entity_type, entity_id, action, actor, **details)

    def emit(self, topic: str, aggregate_type: str, aggregate_id: int, **fields):
        """A domain event in the outbox, in this transaction (outbox.emit)."""
        return outbox.emit(self.session, topic, aggregate_type, aggregate_id, **fields)

    def emit_all(self, aggregate_type: str, aggregate_id: int, events) -> None:
        """Several events of one item in one INSERT (outbox.emit_all)."""
        outbox.emit_all(self.session, aggregate_type, aggregate_id, events)

    def office_year(self, moment: dt.datetime | None = None) -> int:
        """The year in the office's zone: which budget year and number series a thing belongs to."""
        return (moment or clock.now()).astimezone(self.office_tz).year

    def today(self) -> dt.date:
        """Today's date in the office's zone, from the office's clock."""
        return clock.today(self.office_tz)

    def rollback(self) -> None:
        self.session.rollback()

