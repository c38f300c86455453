"""POST /auth/tokens (password in, token out), GET the caller's tokens, DELETE one."""
from flask.views import MethodView
from flask_smorest import Blueprint

from api.auth import BEARER, current_actor, runtime, uow
from api.fields import ApiErrorSchema
from api.openapi import link
from workflow.people import accounts

from .schemas import NewTokenSchema, TokenRequestSchema, TokenSchema

blp = Blueprint("auth_tokens", __name__, url_prefix="/api/v1/auth/tokens", description="API tokens")


@blp.route("")
class Tokens(MethodView):
    @blp.arguments(TokenRequestSchema)
    @blp.response(201, NewTokenSchema)
    @blp.alt_response(401, schema=ApiErrorSchema, description="Wrong username or password")
    @blp.doc(responses={201: {"links": {"RevokeToken": link("revokeToken", {"token_id": "$response.body#/id"})}}})
    def post(self, body):
        """Exchange a username and password for a bearer token."""
        token, token_id = accounts.issue_token(body["username"], body["password"], body["name"],
                                               runtime().settings.token_days, uow())
        return {"id": token_id, "token": token}

    @blp.response(200, TokenSchema(many=True))
    @blp.doc(security=[BEARER])
    def get(self):
        """The caller's tokens (never the secrets)."""
        return accounts.list_tokens(current_actor(), uow())


@blp.route("/<int:token_id>")
class Token(MethodView):
    @blp.response(204)
    @blp.alt_response(404, schema=ApiErrorSchema, description="No such token of yours")
    @blp.doc(security=[BEARER], operationId="revokeToken")
    def delete(self, token_id):
        """Revoke a token at once."""
        accounts.revoke_token(token_id, current_actor(), uow())
