"""The office's working calendar: China's public holidays and adjusted working weekends (tiaoxiu),
plus the office's own closures and extra working days.

Every count of working days (due times, reminders, escalation, and later statistics and
rectification deadlines) goes through `WorkingCalendar`. The State Council's schedule comes from
the pinned `chinese-calendar` package, which knows the years up to its release; for a later year
an administrator enters the holidays as office days and then confirms the year. Until then that
year is reported as unknown (admin page, API, CLI) and counts Monday to Friday, with whatever
office days are entered, rather than silently passing for a known year.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import chinese_calendar
from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, delete, select
from sqlalchemy.orm import Mapped, mapped_column

from .access import Actor
from .db import Base, UTCDateTime, utcnow
from .errors import Forbidden, InvalidInput, NotFound
from .store import MappedStore
from .uow import UnitOfWork

# The years the State Council's schedule is known for, as the installed package ships them.
LIBRARY_YEARS = range(min(chinese_calendar.holidays).year, max(chinese_calendar.holidays).year + 1)
# Office days are kept for a sane span of years; anything else is a typing mistake.
YEAR_RANGE = FIRST_YEAR, LAST_YEAR = 2000, 2100


class OfficeDay(Base):
    """A day the office itself declares closed or open, over the national schedule."""

    __tablename__ = "office_days"
    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    working: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str] = mapped_column(String(200))
    set_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    set_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class CalendarYear(Base):
    """A year beyond the package's schedule whose holidays the office has entered in full."""

    __tablename__ = "calendar_years"
    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    confirmed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    confirmed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


@dataclass(frozen=True)
class WorkingCalendar:
    """Which days are working days: office days first, then the national schedule, else Mon-Fri."""

    office_days: dict[dt.date, bool]
    confirmed_years: frozenset[int] = frozenset()

    def is_working_day(self, day: dt.date) -> bool:
        if day in self.office_days:
            return self.office_days[day]
        if day.year in LIBRARY_YEARS:
            return chinese_calendar.is_workday(day)
        return day.weekday() < 5

    def source(self, year: int) -> str:
        """`national` (the package knows it), `office` (entered and confirmed here) or `unknown`."""
        if year in LIBRARY_YEARS:
            return "national"
        return "office" if year in self.confirmed_years else "unknown"

    def add_working_days(self, moment: dt.datetime, days: int, zone) -> dt.datetime:
        """The same time of day `days` working days after `moment`, in UTC (days after today count)."""
        local = moment.astimezone(zone)
        while days > 0:
            local += dt.timedelta(days=1)
            if self.is_working_day(local.date()):
                days -= 1
        return local.astimezone(dt.timezone.utc)


NATIONAL = WorkingCalendar({})


@UnitOfWork.store("calendar")
class CalendarStore(MappedStore):
    """The office's own days (closures, extra working days) and the years it confirmed (`uow.calendar`)."""

    model = OfficeDay

    def load(self) -> WorkingCalendar:
        """The calendar with the office's days, read in one go (a few rows a year)."""
        days = dict(self._rows(select(OfficeDay.day, OfficeDay.working)))
        years = frozenset(self._all(select(CalendarYear.year)))
        return WorkingCalendar(days, years)

    def day(self, day: dt.date, *, lock: bool = False) -> OfficeDay | None:
        """The office's entry for `day`, or None; `lock` holds it until the transaction ends."""
        return self.get(day, lock=lock)

    def days_of(self, year: int) -> list[OfficeDay]:
        """The office's entries in `year`, by date."""
        return self._all(select(OfficeDay).where(
            OfficeDay.day >= dt.date(year, 1, 1), OfficeDay.day <= dt.date(year, 12, 31)).order_by(OfficeDay.day))

    def confirm(self, year: int, confirmed: bool, actor_id: int) -> None:
        """Mark `year` as entered in full by `actor_id` now, or (confirmed=False) as not entered."""
        self._session.execute(delete(CalendarYear).where(CalendarYear.year == year))
        if confirmed:
            self._session.add(CalendarYear(year=year, confirmed_by_id=actor_id, confirmed_at=utcnow()))


def _admin(actor: Actor) -> None:
    if not actor.is_("admin"):
        raise Forbidden("the office calendar is kept by an administrator")


def _check_year(year: int, field: str) -> None:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise InvalidInput("year out of range", {field: [f"Give a year from {FIRST_YEAR} to {LAST_YEAR}."]})


def set_day(day: dt.date, working: bool, reason: str, actor: Actor, uow) -> dict:
    """Declare `day` a closure (working=False) or an extra working day; replaces an earlier entry."""
    _admin(actor)
    _check_year(day.year, "day")
    reason = reason.strip()
    if not reason:
        raise InvalidInput("a reason is required", {"reason": ["Say why the office is closed or open that day."]})
    with uow:
        row = uow.calendar.day(day, lock=True)
        before = None if row is None else {"working": row.working, "reason": row.reason}
        if row is None:
            row = OfficeDay(day=day, working=working, reason=reason, set_by_id=actor.id, set_at=utcnow())
            uow.calendar.add(row)
        else:
            row.working, row.reason, row.set_by_id, row.set_at = working, reason, actor.id, utcnow()
            uow.calendar.save()
        uow.record("office_day", _day_key(day), "set", actor,
                   data={"day": day.isoformat(), "working": working, "reason": reason, "before": before})
        result = _plain(row)
        uow.commit()
    return result


def clear_day(day: dt.date, actor: Actor, uow) -> None:
    """Remove the office's entry for `day`: the national schedule applies again."""
    _admin(actor)
    with uow:
        row = uow.calendar.day(day, lock=True)
        if row is None:
            raise NotFound("no office day on that date")
        uow.record("office_day", _day_key(day), "clear", actor,
                   data={"day": day.isoformat(), "before": {"working": row.working, "reason": row.reason}})
        uow.calendar.remove(row)
        uow.commit()


def confirm_year(year: int, confirmed: bool, actor: Actor, uow) -> dict:
    """Say the office has entered `year`'s holidays in full (or take that back)."""
    _admin(actor)
    _check_year(year, "year")
    if year in LIBRARY_YEARS:
        raise InvalidInput("the national schedule covers this year",
                           {"year": ["This year's holidays come from the State Council's schedule already."]})
    with uow:
        uow.calendar.confirm(year, confirmed, actor.id)
        uow.record("calendar_year", year, "confirm" if confirmed else "unconfirm", actor, data={"year": year})
        uow.commit()
    return year_status(year, uow)


def days_in(year: int, uow) -> list[dict]:
    _check_year(year, "year")
    with uow:
        return [_plain(r) for r in uow.calendar.days_of(year)]


def year_status(year: int, uow) -> dict:
    """How a year's working days are known, with the national and office days off in it."""
    _check_year(year, "year")
    with uow:
        calendar = uow.calendar.load()
    first = dt.date(year, 1, 1)
    days = [first + dt.timedelta(days=i) for i in range((dt.date(year + 1, 1, 1) - first).days)]
    return {"year": year, "source": calendar.source(year),
            "working_days": sum(calendar.is_working_day(d) for d in days),
            "office_days": sum(d in calendar.office_days for d in days)}


def years_around(today: dt.date, uow) -> list[dict]:
    """Last year, this year and the next two: the ones due times and periods reach."""
    return [year_status(y, uow) for y in range(today.year - 1, today.year + 3)]


def _day_key(day: dt.date) -> int:
    # Audit events name an entity by an integer: the date as yyyymmdd reads back at a glance.
    return day.year * 10000 + day.month * 100 + day.day


def _plain(row: OfficeDay) -> dict:
    return {"day": row.day, "working": row.working, "reason": row.reason, "set_at": row.set_at}
