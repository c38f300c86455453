"""/reports/{expenditure,consumption,vehicles} (JSON, CSV, XLSX), /reports/targets, /targets, compile."""

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import fields, validate

from api.auth import BEARER, current_actor, uow
from api.fields import ApiErrorSchema, ID_MAX, OfficeDateTime, StrictSchema
from workflow.reporting import reports, targets

from .export import download

blp = Blueprint("reports", __name__, url_prefix="/api/v1", description="Reports for finance")
DOC = {"security": [BEARER]}
GROUPS = {"expenditure": ("department", "category", "month"), "consumption": (), "vehicles": ("vehicle", "department")}


class ReportQuerySchema(StrictSchema):
    period = fields.String(required=True, validate=validate.Length(4, 30),
                           metadata={"description": "2026, 2026-Q3, 2026-07 or 2026-07-01..2026-09-30"})
    baseline = fields.String(validate=validate.Length(4, 30), metadata={"description": "Default: a year earlier."})
    group_by = fields.String(validate=validate.OneOf(["department", "category", "month", "vehicle"]))
    department_id = fields.Integer(validate=validate.Range(1, ID_MAX))
    live = fields.Boolean(load_default=False, metadata={"description": "Compute now, even if a snapshot is fresh."})
    format = fields.String(load_default="json", validate=validate.OneOf(["json", "csv", "xlsx"]))


class ReportSchema(StrictSchema):
    source = fields.String(metadata={"enum": ["snapshot", "live"]})
    compiled_at = OfficeDateTime()
    report = fields.Dict()


class TargetQuerySchema(StrictSchema):
    year = fields.Integer(required=True, validate=validate.Range(2000, 2100))
    department_id = fields.Integer(validate=validate.Range(1, ID_MAX))


class TargetInSchema(StrictSchema):
    year = fields.Integer(required=True, validate=validate.Range(2000, 2100))
    metric = fields.String(required=True, validate=validate.OneOf(list(targets.METRICS)))
    department_id = fields.Integer(allow_none=True, validate=validate.Range(1, ID_MAX))
    reduction_pct = fields.Decimal(as_string=True, places=1, required=True, validate=validate.Range(0, 100))


class TargetSchema(StrictSchema):
    year = fields.Integer()
    metric = fields.String()
    department_id = fields.Integer(allow_none=True)
    reduction_pct = fields.Decimal(as_string=True)


class TargetRowSchema(StrictSchema):
    metric = fields.String()
    name = fields.String()
    name_zh = fields.String()
    unit = fields.String()
    department_id = fields.Integer(allow_none=True)
    reduction_pct = fields.String()
    value = fields.String(allow_none=True)
    baseline_value = fields.String(allow_none=True)
    change_pct = fields.String(allow_none=True)
    on_track = fields.Boolean()


class TargetProgressSchema(StrictSchema):
    year = fields.Integer()
    elapsed_pct = fields.String()
    compared = fields.String()
    note = fields.String()
    targets = fields.List(fields.Nested(TargetRowSchema))


class CompileSchema(StrictSchema):
    period = fields.String(required=True, validate=validate.Length(4, 30))
    baseline = fields.String(validate=validate.Length(4, 30))
    group_by = fields.String(validate=validate.OneOf(["department", "category", "month", "vehicle"]))


class CompiledSchema(StrictSchema):
    key = fields.String()


def _check_group(kind: str, group_by):
    if group_by and group_by not in GROUPS[kind]:
        from workflow.kernel.errors import BadQuery

        raise BadQuery("unknown group_by", {"group_by": [f"One of {', '.join(GROUPS[kind]) or 'none'} for this report."]})


def _answer(kind: str, query: dict):
    _check_group(kind, query.get("group_by"))
    fmt = query.pop("format")
    result = reports.report(kind, current_actor(), uow(), **query)
    if fmt == "json":
        return result
    return download(kind, result["report"], fmt)


def _report_view(kind: str):
    class View(MethodView):
        @blp.arguments(ReportQuerySchema, location="query", error_status_code=400)
        @blp.response(200, ReportSchema)
        @blp.alt_response(403, schema=ApiErrorSchema,
                          description="Reports are for finance, administrators, logistics and department heads")
        @blp.doc(**DOC, summary=f"The {kind} report (format=csv or xlsx for a file)")
        def get(self, query):
            return _answer(kind, query)

    View.__name__ = f"{kind.title()}Report"
    return View


for _kind in ("expenditure", "consumption", "vehicles"):
    blp.route(f"/reports/{_kind}")(_report_view(_kind))


@blp.route("/reports/<string:kind>/compile")
class Compile(MethodView):
    @blp.arguments(CompileSchema, error_status_code=400)
    @blp.response(201, CompiledSchema)
    @blp.alt_response(403, schema=ApiErrorSchema, description="Finance and administrators only")
    @blp.doc(**DOC, parameters=[{"in": "path", "name": "kind", "schema": {"type": "string",
                                                                          "enum": list(GROUPS)}}])
    def post(self, body, kind):
        """Compile a snapshot now (finance, administrators); a later compile replaces it."""
        from workflow.kernel.errors import Forbidden, NotFound

        actor = current_actor()
        if kind not in GROUPS:
            raise NotFound("no such report")
        if not actor.is_("finance", "admin"):
            raise Forbidden("snapshots are compiled by finance or an administrator")
        _check_group(kind, body.get("group_by"))
        return {"key": reports.compile_snapshot(kind, uow(), **body)}


@blp.route("/reports/targets")
class TargetProgress(MethodView):
    @blp.arguments(TargetQuerySchema, location="query", error_status_code=400)
    @blp.response(200, TargetProgressSchema)
    @blp.alt_response(403, schema=ApiErrorSchema,
                      description="Reports are for finance, administrators, logistics and department heads")
    @blp.doc(**DOC)
    def get(self, query):
        """Progress against each target: the year so far against the same days of last year."""
        return reports.target_progress(query["year"], current_actor(), uow(), query.get("department_id"))


@blp.route("/targets")
class Targets(MethodView):
    @blp.arguments(TargetInSchema)
    @blp.response(200, TargetSchema)
    @blp.alt_response(403, schema=ApiErrorSchema, description="Finance and administrators only")
    @blp.alt_response(404, schema=ApiErrorSchema, description="No such department")
    @blp.doc(**DOC)
    def put(self, body):
        """Set a year's reduction target for a metric, office-wide or for one department."""
        return targets.set_target(body["year"], body["metric"], body.get("department_id"), body["reduction_pct"],
                                  current_actor(), uow())
