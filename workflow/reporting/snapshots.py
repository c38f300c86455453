"""Compiled report snapshots: one row per report and parameters, replaced (never duplicated) on recompile."""
from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

from sqlalchemy import String, UniqueConstraint, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, mapped_column

from workflow.kernel.db import Base, UTCDateTime, utcnow

FRESH_FOR = dt.timedelta(hours=26)  # nightly compilation, with slack


class ReportSnapshot(Base):
    __tablename__ = "report_snapshots"
    id: Mapped[int] = mapped_column(primary_key=True)
    report: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(String(200))
    data: Mapped[dict]
    compiled_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    __table_args__ = (UniqueConstraint("report", "key", name="uq_report_snapshots_report_key"),)


def plain(value):
    """Decimals as strings, so a snapshot reads back exactly as it was computed."""
    return json.loads(json.dumps(value, default=lambda v: str(v) if isinstance(v, Decimal) else v.isoformat()))


def store(s, report: str, key: str, data: dict) -> None:
    """Insert or replace in one statement: two compilers at once leave one row, the later one."""
    values = {"report": report, "key": key, "data": plain(data), "compiled_at": utcnow()}
    insert = pg_insert if s.bind.dialect.name == "postgresql" else sqlite_insert
    stmt = insert(ReportSnapshot).values(**values)
    s.execute(stmt.on_conflict_do_update(index_elements=["report", "key"],
                                         set_={"data": stmt.excluded.data, "compiled_at": stmt.excluded.compiled_at}))


def fresh(s, report: str, key: str, now: dt.datetime | None = None) -> ReportSnapshot | None:
    row = s.scalar(select(ReportSnapshot).where(ReportSnapshot.report == report, ReportSnapshot.key == key))
    if row is None or (now or utcnow()) - row.compiled_at > FRESH_FOR:
        return None
    return row
