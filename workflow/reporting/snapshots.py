"""Compiled report snapshots: one row per report and parameters, replaced (never duplicated) on recompile.

They are written and read through `uow.report_snapshots` (workflow/reporting/store.py).
"""
from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from workflow.kernel.db import Base, UTCDateTime

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
