"""`flask --app wsgi calendar show | set-day | clear-day | confirm-year`: the working calendar from a shell."""
from __future__ import annotations

import datetime as dt

import click

from workflow.kernel import office_calendar

from api.auth import uow as _uow
from api.commands import run as _run


def _system():
    """The system user, made at its first use: a change from a shell is recorded under it."""
    uow = _uow()
    with uow:
        actor = uow.users.system_actor()
        uow.commit()
    return actor


def register(app) -> None:
    @app.cli.group("calendar")
    def calendar():
        """The office's working calendar: national holidays, closures, extra working days."""

    @calendar.command("show")
    @click.argument("year", type=click.IntRange(*office_calendar.YEAR_RANGE))
    def show(year):
        """How YEAR's working days are known, and the office's own days in it."""
        status = office_calendar.year_status(year, _uow())
        click.echo(f"{year}: {status['source']}, {status['working_days']} working days")
        if status["source"] == "unknown":
            click.echo(f"  {year}'s public holidays are not known yet: enter them (set-day) and then confirm-year; "
                       "until then due dates count Monday to Friday.")
        for day in office_calendar.days_in(year, _uow()):
            click.echo(f"  {day['day']}  {'working' if day['working'] else 'closed '}  {day['reason']}")

    @calendar.command("set-day")
    @click.argument("day", type=click.DateTime(["%Y-%m-%d"]))
    @click.option("--closed/--working", required=True, help="Closed that day, or an extra working day.")
    @click.option("--reason", required=True)
    def set_day(day, closed, reason):
        """Declare DAY (YYYY-MM-DD) closed or an extra working day."""
        day = day.date()
        _run(lambda: office_calendar.set_day(day, not closed, reason, _system(), _uow()),
             f"{day} {'closed' if closed else 'working'}")

    @calendar.command("clear-day")
    @click.argument("day", type=click.DateTime(["%Y-%m-%d"]))
    def clear_day(day):
        """Remove the office's entry for DAY: the national schedule applies again."""
        day: dt.date = day.date()
        _run(lambda: office_calendar.clear_day(day, _system(), _uow()), f"{day} follows the national schedule")

    @calendar.command("confirm-year")
    @click.argument("year", type=click.IntRange(*office_calendar.YEAR_RANGE))
    @click.option("--undo", is_flag=True, help="Mark the year as not entered after all.")
    def confirm_year(year, undo):
        """Say every public holiday of YEAR is entered (for years the national schedule lacks)."""
        _run(lambda: office_calendar.confirm_year(year, not undo, _system(), _uow()),
             f"{year} {'not ' if undo else ''}entered by the office")
