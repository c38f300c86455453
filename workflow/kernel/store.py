"""What every store shares (`MappedStore`), and the read-only queries of read screens and reports (`uow.reads`).

A service reaches the database only through its aggregate's store (`uow.<name>`) or, to show
and count things, through `uow.reads`, which runs SELECTs and nothing else. Only stores and the
kernel touch the session (tests/unit/test_architecture.py says so).
"""
from __future__ import annotations

from typing import Any, ClassVar

from sqlalchemy import CompoundSelect, Select, TextClause
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from .db import connection
from .errors import StaleVersion


class MappedStore:
    """An aggregate kept as mapped objects: the session is its cache, its flush the one write.

    A subclass names its `model` and adds the queries its services need, by name (`by_sku`,
    `page`, ...), so that a reader of a service sees what is asked, not how. Where the mapped
    class has a version column, the mapper's UPDATE names the version it loaded, and a lost
    race is `StaleVersion`.
    """

    model: ClassVar[Any]  # the mapped class
    stale_message: ClassVar[str] = "the item changed since you read it"

    def __init__(self, uow):  # the UnitOfWork (kernel/uow.py), which imports this module
        self._uow = uow

    @property
    def _session(self) -> Session:
        return self._uow.session

    def get(self, item_id: Any, *, lock: bool = False):
        """The item with this key, or None; `lock` holds its row until the transaction ends."""
        if lock:
            return self._session.get(self.model, item_id, with_for_update=True)
        return self._session.get(self.model, item_id)

    def add(self, item):
        """A new item, written now so that it has its id."""
        self._session.add(item)
        self.save()
        return item

    def add_all(self, items) -> None:
        self._session.add_all(items)
        self.save()

    def remove(self, item) -> None:
        self._session.delete(item)
        self.save()

    def save(self) -> None:
        """Write the changes made to this transaction's items."""
        try:
            self._session.flush()
        except StaleDataError:
            raise StaleVersion(self.stale_message) from None

    # ---- for the subclasses' named queries ----

    def _one(self, stmt):
        return self._session.scalar(stmt)

    def _all(self, stmt) -> list:
        return list(self._session.scalars(stmt))

    def _rows(self, stmt, params=None) -> list:
        return list(self._session.execute(stmt, params))

    def _insert(self):
        """An INSERT into the model's table in the session's dialect, for `on_conflict_do_nothing()` or
        `on_conflict_do_update(...)`: where a unique key, not a read before the write, must decide a race."""
        dialect = postgresql if self._session.get_bind().dialect.name == "postgresql" else sqlite
        return dialect.insert(self.model.__table__)

    def _write(self, stmt, params=None):
        """A Core statement in the transaction (an UPDATE or INSERT that need not load the objects)."""
        return connection(self._session).execute(stmt, params)


def _is_read(stmt) -> bool:
    if isinstance(stmt, (Select, CompoundSelect)):
        return True
    if isinstance(stmt, TextClause):
        return stmt.text.lstrip().upper().startswith(("SELECT", "WITH"))
    return False


class Reads:
    """Queries for read screens, the queue and reports: SELECT statements only, never a write.

    Mapped classes may be read here (they are the tables' metadata); they are written only
    through their stores.
    """

    def __init__(self, uow):  # the UnitOfWork (kernel/uow.py), which imports this module
        self._uow = uow

    def _checked(self, stmt):
        if not _is_read(stmt):
            raise TypeError(f"uow.reads runs SELECT statements only, not {type(stmt).__name__}")
        return stmt

    def execute(self, stmt, params=None):
        return self._uow.session.execute(self._checked(stmt), params)

    def scalar(self, stmt, params=None):
        return self._uow.session.scalar(self._checked(stmt), params)

    def scalars(self, stmt, params=None):
        return self._uow.session.scalars(self._checked(stmt), params)

    def get(self, model: type, key: Any):
        return self._uow.session.get(model, key)

    def core(self, stmt, params=None):
        """A SELECT on the transaction's connection, without the ORM (for hot read paths)."""
        return connection(self._uow.session).execute(self._checked(stmt), params)

    @property
    def dialect(self) -> str:
        """'postgresql' or 'sqlite': the few reports that need a dialect's SQL ask."""
        return self._uow.session.bind.dialect.name
