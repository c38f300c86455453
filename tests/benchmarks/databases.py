"""PostgreSQL databases of a benchmark run: created with unique names, always dropped."""
from __future__ import annotations

import uuid

from sqlalchemy.engine import make_url

from workflow.kernel.db import make_engine


def admin(admin_url: str, sql: str) -> None:
    engine = make_engine(admin_url, isolation_level="AUTOCOMMIT", pool_pre_ping=False)
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql(sql)
    finally:
        engine.dispose()


def create(admin_url: str, prefix: str) -> str:
    """A new empty database named `<prefix>_<random>`; returns its SQLAlchemy URL."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin(admin_url, f'CREATE DATABASE "{name}"')
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


def drop(admin_url: str, url: str) -> None:
    admin(admin_url, f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')


def libpq_args(url: str) -> tuple[list[str], str]:
    """pgbench/psql connection options and the libpq URL (no SQLAlchemy driver suffix)."""
    u = make_url(url)
    args = ["-h", u.host or "127.0.0.1", "-p", str(u.port or 5432), "-U", u.username or "postgres"]
    plain = u.set(drivername="postgresql").render_as_string(hide_password=False)
    return args + [u.database], plain
