"""POST /policy/evaluate (nothing saved) and GET /policy/document."""
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import fields, validate

from api.auth import BEARER, current_actor, runtime, uow
from api.fields import ApiErrorSchema, OfficeDateTime, StrictSchema
from api.supply_requests.resources import to_lines
from api.supply_requests.schemas import EvaluateSchema, EvaluationSchema
from workflow.kernel import policy_versions
from workflow.procurement import supply_requests as service

blp = Blueprint("policy", __name__, url_prefix="/api/v1/policy", description="Green-procurement policies")


class PolicyDocumentSchema(StrictSchema):
    version = fields.String()
    document = fields.Dict()


@blp.route("/evaluate")
class Evaluate(MethodView):
    @blp.arguments(EvaluateSchema)
    @blp.response(200, EvaluationSchema)
    @blp.doc(security=[BEARER])
    def post(self, body):
        """Findings for these lines as the caller's request would get them; nothing is saved."""
        return service.evaluate_lines(to_lines(body["lines"]), current_actor(), uow())


@blp.route("/document")
class Document(MethodView):
    @blp.response(200, PolicyDocumentSchema)
    @blp.doc(security=[BEARER])
    def get(self):
        """The parameter document in force, with its version."""
        current_actor()
        doc = runtime().policy_document
        return {"version": doc.version, "document": doc.data}


class PolicyVersionInSchema(StrictSchema):
    version = fields.String(required=True, validate=validate.Regexp(r"^[A-Za-z0-9._-]{1,32}$"))
    overrides = fields.Dict(required=True, metadata={"description": "Parameters changed from the defaults, "
                                                                    "e.g. {\"procurement\": {\"second_level_threshold\": \"8000.00\"}}."})
    note = fields.String(load_default="", validate=validate.Length(0, 500))


class PolicyVersionSchema(StrictSchema):
    version = fields.String()
    note = fields.String()
    created_at = OfficeDateTime()
    overrides = fields.Dict()


@blp.route("/versions")
class Versions(MethodView):
    @blp.response(200, PolicyVersionSchema(many=True))
    @blp.doc(security=[BEARER])
    def get(self):
        """Every administrator's change to the parameters, newest first."""
        current_actor()
        return policy_versions.versions(uow())

    @blp.arguments(PolicyVersionInSchema)
    @blp.response(201, PolicyDocumentSchema)
    @blp.alt_response(403, schema=ApiErrorSchema, description="Administrators only")
    @blp.alt_response(409, schema=ApiErrorSchema, description="The version name exists")
    @blp.doc(security=[BEARER])
    def post(self, body):
        """Override parameters as a new version (administrators); evaluations from now on record it."""
        return policy_versions.save_version(body["version"], body["overrides"], body["note"], current_actor(), uow())
