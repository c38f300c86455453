"""/calendar: the office's working days — national holidays, its own closures and extra working days."""
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import fields, validate

from api.auth import BEARER, current_actor, uow
from api.fields import ApiErrorSchema, OfficeDate, OfficeDateTime, StrictSchema, YEARS
from workflow.kernel import office_calendar

blp = Blueprint("calendar", __name__, url_prefix="/api/v1/calendar", description="The office's working calendar")
DOC = {"security": [BEARER]}
YEAR = validate.Range(*YEARS)


class OfficeDaySchema(StrictSchema):
    day = OfficeDate(required=True)
    working = fields.Boolean(required=True, metadata={"description": "true: an extra working day; false: closed."})
    reason = fields.String(required=True, validate=validate.Length(1, 200))
    set_at = OfficeDateTime(dump_only=True)


class YearQuerySchema(StrictSchema):
    year = fields.Integer(required=True, validate=YEAR)


class YearStatusSchema(StrictSchema):
    year = fields.Integer()
    source = fields.String(metadata={"description": "national: the State Council's schedule is known; office: "
                                                    "entered here and confirmed; unknown: neither (Monday to Friday "
                                                    "plus any office days until an administrator enters it)."})
    working_days = fields.Integer()
    office_days = fields.Integer()
    days = fields.List(fields.Nested(OfficeDaySchema), dump_default=list)


class ConfirmationSchema(StrictSchema):
    year = fields.Integer(required=True, validate=YEAR)
    confirmed = fields.Boolean(required=True)


@blp.route("")
class Year(MethodView):
    @blp.arguments(YearQuerySchema, location="query")
    @blp.response(200, YearStatusSchema)
    @blp.doc(**DOC)
    def get(self, query):
        """How a year's working days are known, and the office's own days in it."""
        current_actor()
        status = office_calendar.year_status(query["year"], uow())
        return status | {"days": office_calendar.days_in(query["year"], uow())}


@blp.route("/days")
class Days(MethodView):
    @blp.arguments(OfficeDaySchema)
    @blp.response(200, OfficeDaySchema)
    @blp.alt_response(403, schema=ApiErrorSchema, description="Administrators only")
    @blp.doc(**DOC)
    def put(self, body):
        """Declare a day closed or an extra working day (replaces an earlier entry for that day; audited)."""
        return office_calendar.set_day(body["day"], body["working"], body["reason"], current_actor(), uow())


class DayQuerySchema(StrictSchema):
    day = OfficeDate(required=True)


@blp.route("/days/entry")
class DayEntry(MethodView):
    @blp.arguments(DayQuerySchema, location="query")
    @blp.response(204)
    @blp.alt_response(403, schema=ApiErrorSchema, description="Administrators only")
    @blp.alt_response(404, schema=ApiErrorSchema, description="No office day on that date")
    @blp.doc(**DOC)
    def delete(self, query):
        """Remove the office's entry for a day: the national schedule applies again (audited)."""
        office_calendar.clear_day(query["day"], current_actor(), uow())


@blp.route("/confirmations")
class Confirmations(MethodView):
    @blp.arguments(ConfirmationSchema)
    @blp.response(200, YearStatusSchema)
    @blp.alt_response(403, schema=ApiErrorSchema, description="Administrators only")
    @blp.doc(**DOC)
    def put(self, body):
        """Say the office has entered a year's holidays in full (for years the national schedule lacks)."""
        return office_calendar.confirm_year(body["year"], body["confirmed"], current_actor(), uow())
