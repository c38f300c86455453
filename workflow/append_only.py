"""Rows that are only ever added (audit events, outbox events, findings), written with Core.

Such a row needs none of the unit of work's bookkeeping: an INSERT issued at once costs a
fraction of an ORM object flushed at the commit, and it is in the same transaction either way.
"""
from __future__ import annotations

from sqlalchemy import inspect


def append(session, model, rows: list[dict]) -> int | None:
    """INSERT `rows` into `model`'s table in the session's transaction; the new id when one row.

    Listeners of the model's `before_insert` still see each row (as an unsaved object), as they
    would in a flush: hooks on these models, a test's injected failure among them, keep working.
    """
    connection = session.connection()
    mapper = inspect(model)
    if mapper.dispatch.before_insert:
        for row in rows:
            mapper.dispatch.before_insert(mapper, connection, inspect(model(**row)))
    result = connection.execute(model.__table__.insert(), rows if len(rows) > 1 else rows[0])
    return result.inserted_primary_key[0] if len(rows) == 1 else None
