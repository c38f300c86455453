"""Database plumbing: declarative base, column types, engine and session factories."""
from __future__ import annotations

import datetime as dt
import time
from decimal import Decimal

from typing import ClassVar

from sqlalchemy import JSON, DateTime, MetaData, Numeric, Table, create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from . import clock

# Stable constraint names so Alembic migrations are the same on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    # Every model maps a Table (none a select or a join), so `Model.__table__.update()` and the like type-check.
    __table__: ClassVar[Table]
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {dict: JSON, list: JSON}


class UTCDateTime(TypeDecorator):
    """Timestamps are stored in UTC and always come back timezone-aware (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; Jieyue stores aware UTC times only")
        value = value.astimezone(dt.timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.timezone.utc)
        return value.astimezone(dt.timezone.utc)


# Money in CNY: two decimals, never float.
Money = Numeric(14, 2, asdecimal=True)
Quantity = Numeric(12, 3, asdecimal=True)

CENT = Decimal("0.01")


def utcnow() -> dt.datetime:
    """Now in UTC, from the office's clock (workflow/kernel/clock.py), so tests can set the day."""
    return clock.now()


CONNECT_TIMEOUT_SECONDS = 5


def make_engine(url: str, **kwargs) -> Engine:
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    if url.startswith("sqlite"):
        kwargs.setdefault("connect_args", {"timeout": 30, "check_same_thread": False})
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        # pysqlite's own transaction handling defers BEGIN; take control so that
        # a unit of work is one real transaction and writers queue on BEGIN IMMEDIATE.
        event.listen(engine, "begin", lambda conn: conn.exec_driver_sql("BEGIN IMMEDIATE"))
        return engine
    # A server that accepts the connection but never answers (frozen, or a half-open network
    # path) must cost a request seconds, not a worker thread forever.
    kwargs.setdefault("connect_args", {"connect_timeout": CONNECT_TIMEOUT_SECONDS})
    engine = create_engine(url, **kwargs)
    if not kwargs.get("pool_pre_ping"):
        _ping_when_idle(engine)
    return engine


# A pooled connection idle for longer than this is pinged before use (see _ping_when_idle).
IDLE_PING_SECONDS = 1.0


def _ping_when_idle(engine: Engine) -> None:
    """Ping a pooled connection before use only when it sat idle in the pool for a while.

    Under load a connection comes back within milliseconds, and a ping per checkout (SQLAlchemy's
    pool_pre_ping) was a round trip per transaction for nothing. A server that went away while the
    connection was busy is noticed by that failure, which invalidates the whole pool, so what is
    skipped here is only the ping of connections that were in use a moment ago.
    """
    @event.listens_for(engine.pool, "connect")
    @event.listens_for(engine.pool, "checkin")
    def _returned(_dbapi_conn, record):
        # A connection just made, or just given back, needs no ping at its next checkout.
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine.pool, "checkout")
    def _checked_out(dbapi_conn, record, _proxy):
        if time.monotonic() - record.info.get("idle_since", 0.0) <= IDLE_PING_SECONDS:
            return
        try:
            alive = engine.dialect.do_ping(dbapi_conn)
        except Exception as exc:  # any failure: this connection is unusable
            raise DisconnectionError(f"ping failed: {exc}") from exc
        if not alive:
            raise DisconnectionError("ping failed")


def _sqlite_pragmas(dbapi_conn, _record):
    dbapi_conn.isolation_level = None  # we issue BEGIN ourselves (see make_engine)
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


def make_session_factory(engine: Engine) -> sessionmaker:
    return sessionmaker(bind=engine, expire_on_commit=False)


def connection(session: Session):
    """The session's connection in its current transaction, looked up once per transaction.

    `Session.connection()` walks the session's transaction state at every call: asked before
    each statement of an action, that was a tenth of a lifecycle's CPU.
    """
    found = session.info.get("_connection")
    if found is None:
        found = session.info["_connection"] = session.connection()
    return found


@event.listens_for(Session, "after_transaction_end")
def _forget_connection(session, _transaction) -> None:
    session.info.pop("_connection", None)
