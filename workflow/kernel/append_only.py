"""Rows that are only ever added (audit events, outbox events, findings), written with Core.

Such a row needs none of the unit of work's bookkeeping: an INSERT issued at once costs a
fraction of an ORM object flushed at the commit, and it is in the same transaction either way.
"""
from __future__ import annotations

from functools import cache

from sqlalchemy import inspect

from .db import connection as connection_of


@cache
def _statements(model):
    """The model's mapper, its INSERT of one row returning the id, and its INSERT of many (built once)."""
    table = model.__table__
    return inspect(model), table.insert().returning(table.c.id), table.insert()


def append(session, model, rows: list[dict]) -> int | None:
    """INSERT `rows` into `model`'s table in the session's transaction; the new id when one row.

    Listeners of the model's `before_insert` still see each row (as an unsaved object), as they
    would in a flush: hooks on these models, a test's injected failure among them, keep working.
    """
    connection = connection_of(session)
    mapper, one, many = _statements(model)
    if mapper.dispatch.before_insert:
        for row in rows:
            mapper.dispatch.before_insert(mapper, connection, inspect(model(**row)))
    if len(rows) == 1:
        return connection.execute(one, rows[0]).scalar_one()
    connection.execute(many, rows)
    return None
