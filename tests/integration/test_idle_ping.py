"""Pooled PostgreSQL connections are pinged before use only after they sat idle (workflow/kernel/db.py)."""
import time

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from tests import support
from workflow.kernel.db import IDLE_PING_SECONDS, make_engine


def _pid(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(text("SELECT pg_backend_pid()")).scalar_one()


def _terminate(pid: int) -> None:
    support.pg_admin(f"SELECT pg_terminate_backend({pid})")


def test_a_connection_idle_past_the_threshold_is_pinged_and_replaced_when_its_server_side_is_gone(pg_url):
    engine = make_engine(pg_url, pool_size=1, max_overflow=0)
    try:
        gone = _pid(engine)
        _terminate(gone)
        time.sleep(IDLE_PING_SECONDS + 0.2)
        assert _pid(engine) != gone  # no error reached the caller: the ping found it dead
    finally:
        engine.dispose()


def test_a_connection_back_within_the_threshold_is_not_pinged_and_the_pool_recovers_after_one_failure(pg_url):
    engine = make_engine(pg_url, pool_size=1, max_overflow=0)
    pings = []
    original = engine.dialect.do_ping
    engine.dialect.do_ping = lambda dbapi_conn: pings.append(1) or original(dbapi_conn)
    try:
        gone = _pid(engine)  # a fresh connection: no ping (never idle in the pool)
        _terminate(gone)
        with pytest.raises(OperationalError):
            _pid(engine)  # used again at once: not pinged, so the dead connection fails once...
        assert _pid(engine) != gone  # ...and that failure replaced it
        assert pings == []
    finally:
        engine.dispose()
