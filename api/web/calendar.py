"""Administration page of the office's working calendar: years known or not, closures, extra working days."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from marshmallow import ValidationError

from api.auth import uow
from api.fields import YEARS
from workflow.kernel import office_calendar
from workflow.kernel.errors import DomainError

from .auth import roles_required, web_actor
from .errors import pages_blueprint, status_of

blp = pages_blueprint("web_calendar", __name__)


def _year() -> int:
    today = uow().today()
    try:
        year = int(request.values.get("year", ""))
    except ValueError:
        return today.year
    return year if YEARS[0] <= year <= YEARS[1] else today.year


def _page(year: int, values=None, errors=None, message=None, status=200):
    here = uow()
    return render_template("web/admin_calendar.html", year=year, years=office_calendar.years_around(here.today(), here),
                           shown=office_calendar.year_status(year, uow()), days=office_calendar.days_in(year, uow()),
                           values=values or {}, errors=errors or {}, message=message), status


@blp.route("/app/admin/calendar", methods=["GET", "POST"], endpoint="calendar")
@roles_required("admin")
def calendar_page():
    from api.calendar.resources import OfficeDaySchema
    from api.errors import flatten

    year = _year()
    if request.method == "GET":
        return _page(year)
    values = {name: (request.form.get(name) or "").strip() for name in ("day", "working", "reason")}
    try:
        fields = OfficeDaySchema().load({**values, "working": values["working"] == "true"})
        saved = office_calendar.set_day(fields["day"], fields["working"], fields["reason"], web_actor(), uow())
    except ValidationError as exc:
        return _page(year, values, flatten(exc.messages), _("Some fields need attention."), status=422)
    except DomainError as exc:
        return _page(year, values, exc.errors, exc.message, status=status_of(exc))
    flash(_("%(day)s saved.", day=saved["day"].isoformat()))
    return redirect(url_for("web_calendar.calendar", year=saved["day"].year))


@blp.post("/app/admin/calendar/clear", endpoint="clear")
@roles_required("admin")
def clear():
    from api.calendar.resources import DayQuerySchema

    try:
        day = DayQuerySchema().load({"day": (request.form.get("day") or "").strip()})["day"]
    except ValidationError:
        return _page(_year(), message=_("That is not a date."), status=422)
    office_calendar.clear_day(day, web_actor(), uow())
    flash(_("%(day)s follows the national schedule again.", day=day.isoformat()))
    return redirect(url_for("web_calendar.calendar", year=day.year))


@blp.post("/app/admin/calendar/confirm", endpoint="confirm")
@roles_required("admin")
def confirm():
    year = _year()
    confirmed = request.form.get("confirmed") == "true"
    office_calendar.confirm_year(year, confirmed, web_actor(), uow())
    flash(_("%(year)s is now kept by the office.", year=year) if confirmed
          else _("%(year)s is no longer marked as entered.", year=year))
    return redirect(url_for("web_calendar.calendar", year=year))
