"""POST /policy/evaluate (nothing saved) and GET /policy/document."""
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import fields

from api.auth import BEARER, current_actor, runtime, uow
from api.fields import StrictSchema
from api.supply_requests.resources import to_lines
from api.supply_requests.schemas import EvaluateSchema, EvaluationSchema
from workflow import supply_requests as service

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
