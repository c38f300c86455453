"""A workload's own PostgreSQL database beside the run's, and the percentiles the workloads report."""
from __future__ import annotations

import math
import uuid

from sqlalchemy.engine import make_url

from tests import support


def create(ctx, suffix: str) -> str:
    """CREATE DATABASE <run's name>_<suffix>_<random>; returns its URL (empty, not migrated)."""
    base = make_url(ctx.database_url)
    name = f"{base.database}_{suffix}_{uuid.uuid4().hex[:6]}"[:63]
    _admin(ctx, f"CREATE DATABASE {name}")
    return base.set(database=name).render_as_string(hide_password=False)


def drop(ctx, url: str | None) -> None:
    if url:
        _admin(ctx, f"DROP DATABASE IF EXISTS {make_url(url).database} WITH (FORCE)")


def _admin(ctx, sql: str) -> None:
    from workflow.kernel.db import make_engine

    engine = make_engine(ctx.admin_url or support.PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql(sql)
    finally:
        engine.dispose()


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile (p95 of 20 values is the 19th smallest)."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[max(0, math.ceil(pct / 100 * len(ordered)) - 1)]
