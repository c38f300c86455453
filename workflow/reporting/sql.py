"""SQL building blocks for the reports: period bounds, month keys per dialect, money sums."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import func

ZERO = Decimal("0")


def bounds(period, zone) -> tuple[dt.datetime, dt.datetime]:
    """The period's first and past-the-last instants in the office's zone."""
    return (dt.datetime.combine(period.start, dt.time(), zone), dt.datetime.combine(period.end, dt.time(), zone))


def month_key(column, dialect: str, zone, at: dt.date):
    """'YYYY-MM' of a UTC timestamp column, in the office's zone."""
    if dialect == "postgresql":
        return func.to_char(func.timezone(str(zone), column), "YYYY-MM")
    # SQLite keeps naive UTC text and knows no zones: shift by the zone's offset (fixed for
    # Asia/Shanghai, which has no daylight saving).
    offset = dt.datetime.combine(at, dt.time(), zone).utcoffset() or dt.timedelta(0)  # aware: never None
    hours = int(offset.total_seconds() // 3600)
    return func.strftime("%Y-%m", func.datetime(column, f"{hours:+d} hours"))


def dec(value, places: str = "0.001") -> Decimal:
    """A sum from the database as Decimal, rounded to `places` (SQLite hands back binary floats)."""
    if value is None:
        return ZERO.quantize(Decimal(places))
    return Decimal(repr(value) if isinstance(value, float) else str(value)).quantize(Decimal(places))


def money(value) -> Decimal:
    return dec(value, "0.01")


def change_pct(now: Decimal, before: Decimal) -> Decimal | None:
    """Change against the baseline in per cent; None when the baseline is zero."""
    if not before:
        return None
    return ((now - before) * 100 / before).quantize(Decimal("0.1"))


def per_person(value: Decimal, people: int) -> Decimal | None:
    return (value / people).quantize(Decimal("0.01")) if people else None
