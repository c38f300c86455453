"""Reporting periods: a year, a quarter, a month or a date range, and the same period a year earlier."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass


class PeriodError(ValueError):
    pass


@dataclass(frozen=True)
class Period:
    label: str
    start: dt.date   # first day
    end: dt.date     # the day after the last

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    def a_year_earlier(self) -> "Period":
        return parse(_shift_label(self.label, self.start, self.end))


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _shift_label(label: str, start: dt.date, end: dt.date) -> str:
    if re.fullmatch(r"\d{4}", label):
        return str(int(label) - 1)
    if m := re.fullmatch(r"(\d{4})-Q([1-4])", label):
        return f"{int(m[1]) - 1}-Q{m[2]}"
    if m := re.fullmatch(r"(\d{4})-(\d{2})", label):
        return f"{int(m[1]) - 1}-{m[2]}"
    last = end - dt.timedelta(days=1)
    return f"{_add_years(start, -1).isoformat()}..{_add_years(last, -1).isoformat()}"


def parse(text: str) -> Period:
    """'2026', '2026-Q3', '2026-07' or '2026-07-01..2026-09-30' (both days included)."""
    text = (text or "").strip()
    try:
        if re.fullmatch(r"\d{4}", text):
            year = int(text)
            return Period(text, dt.date(year, 1, 1), dt.date(year + 1, 1, 1))
        if m := re.fullmatch(r"(\d{4})-Q([1-4])", text):
            year, q = int(m[1]), int(m[2])
            start = dt.date(year, 3 * q - 2, 1)
            end = dt.date(year + 1, 1, 1) if q == 4 else dt.date(year, 3 * q + 1, 1)
            return Period(text, start, end)
        if m := re.fullmatch(r"(\d{4})-(\d{2})", text):
            year, month = int(m[1]), int(m[2])
            start = dt.date(year, month, 1)
            end = dt.date(year + 1, 1, 1) if month == 12 else dt.date(year, month + 1, 1)
            return Period(text, start, end)
        if m := re.fullmatch(r"(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})", text):
            start, last = dt.date.fromisoformat(m[1]), dt.date.fromisoformat(m[2])
            if last < start:
                raise PeriodError("the range ends before it starts")
            return Period(text, start, last + dt.timedelta(days=1))
    except ValueError as exc:
        raise PeriodError(str(exc)) from exc
    raise PeriodError("use YYYY, YYYY-Qn, YYYY-MM or YYYY-MM-DD..YYYY-MM-DD")


def months(period: Period) -> list[str]:
    out, day = [], period.start.replace(day=1)
    while day < period.end:
        out.append(f"{day.year}-{day.month:02d}")
        day = dt.date(day.year + (day.month == 12), day.month % 12 + 1, 1)
    return out
