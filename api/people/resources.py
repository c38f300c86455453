"""/me, /users, /departments and /budgets."""
from flask.views import MethodView
from flask_smorest import Blueprint

from api.auth import BEARER, current_actor, uow
from api.fields import ApiErrorSchema
from workflow.people import accounts
from workflow.procurement import budget

from .schemas import BudgetInSchema, BudgetQuerySchema, BudgetSchema, DepartmentSchema, UserInSchema, UserSchema

blp = Blueprint("people", __name__, url_prefix="/api/v1", description="People, departments and budgets")


@blp.route("/me")
class Me(MethodView):
    @blp.response(200, UserSchema)
    @blp.doc(security=[BEARER])
    def get(self):
        """The caller."""
        return accounts.me(current_actor(), uow())


@blp.route("/users")
class Users(MethodView):
    @blp.response(200, UserSchema(many=True))
    @blp.alt_response(403, schema=ApiErrorSchema, description="Administrators only")
    @blp.doc(security=[BEARER])
    def get(self):
        """Every user (administrators)."""
        return accounts.list_users(current_actor(), uow())

    @blp.arguments(UserInSchema)
    @blp.response(201, UserSchema)
    @blp.alt_response(403, schema=ApiErrorSchema, description="Administrators only")
    @blp.alt_response(409, schema=ApiErrorSchema, description="The username exists")
    @blp.doc(security=[BEARER])
    def post(self, body):
        """Add a user (administrators)."""
        return accounts.add_user(body, current_actor(), uow())


@blp.route("/departments")
class Departments(MethodView):
    @blp.response(200, DepartmentSchema(many=True))
    @blp.doc(security=[BEARER])
    def get(self):
        current_actor()
        return accounts.list_departments(uow())

    @blp.arguments(DepartmentSchema)
    @blp.response(201, DepartmentSchema)
    @blp.alt_response(403, schema=ApiErrorSchema, description="Administrators only")
    @blp.alt_response(409, schema=ApiErrorSchema, description="The department code exists")
    @blp.doc(security=[BEARER])
    def post(self, body):
        """Add a department (administrators)."""
        return accounts.add_department(body, current_actor(), uow())


@blp.route("/budgets")
class Budgets(MethodView):
    @blp.arguments(BudgetQuerySchema, location="query")
    @blp.response(200, BudgetSchema(many=True))
    @blp.alt_response(403, schema=ApiErrorSchema,
                      description="Budgets are for finance, administrators, logistics and department heads")
    @blp.doc(security=[BEARER])
    def get(self, query):
        """Office-supply budgets of a year: amount, committed, spent, remaining."""
        return budget.list_budgets(query["year"], current_actor(), uow())


@blp.route("/budgets/<int:department_id>/<int:year>")
class DepartmentBudget(MethodView):
    @blp.arguments(BudgetInSchema)
    @blp.response(200, BudgetSchema(many=True))
    @blp.alt_response(403, schema=ApiErrorSchema, description="Finance and administrators only")
    @blp.doc(security=[BEARER])
    def put(self, body, department_id, year):
        """Set a department's budget for a year (finance, administrators)."""
        actor = current_actor()
        budget.set_budget(department_id, year, body["amount"], actor, uow())
        return [b for b in budget.list_budgets(year, actor, uow()) if b["department_id"] == department_id]
