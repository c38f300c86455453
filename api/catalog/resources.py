"""GET/POST /catalog/items, GET/PATCH /catalog/items/{id}."""
from flask.views import MethodView
from flask_smorest import Blueprint

from api.auth import BEARER, current_actor, uow
from api.fields import ApiErrorSchema
from api.openapi import link
from workflow.procurement import catalog

from .schemas import CatalogItemInSchema, CatalogItemPatchSchema, CatalogItemSchema, CatalogQuerySchema

blp = Blueprint("catalog", __name__, url_prefix="/api/v1/catalog/items", description="Office-supply catalog")


@blp.route("")
class Items(MethodView):
    @blp.arguments(CatalogQuerySchema, location="query", error_status_code=400)
    @blp.response(200, CatalogItemSchema(many=True))
    # Any listed item can be asked for: a link to a request for one of it (the whole request, since
    # a generated line beside it would name an item that does not exist).
    @blp.doc(security=[BEARER], responses={200: {"links": {"AskForItem": link(
        "createSupplyRequest", {}, {"purpose": "For the office", "lines": [
            {"item_id": "$response.body#/0/id", "quantity": "1"}]}, whole_body=True)}}})
    def get(self, query):
        """Catalog items, by id; page on with `after_id` = the last id seen."""
        current_actor()
        return catalog.list_items(uow(), **query)

    @blp.arguments(CatalogItemInSchema)
    @blp.response(201, CatalogItemSchema)
    @blp.alt_response(403, schema=ApiErrorSchema, description="Administrators only")
    @blp.alt_response(409, schema=ApiErrorSchema, description="The SKU exists")
    @blp.doc(security=[BEARER])
    def post(self, body):
        """Add an item (administrators)."""
        item_id = catalog.create_item(body, current_actor(), uow())
        return catalog.get_item(item_id, uow())


@blp.route("/<int:item_id>")
class Item(MethodView):
    @blp.response(200, CatalogItemSchema)
    @blp.doc(security=[BEARER])
    def get(self, item_id):
        current_actor()
        return catalog.get_item(item_id, uow())

    @blp.arguments(CatalogItemPatchSchema)
    @blp.response(200, CatalogItemSchema)
    @blp.alt_response(403, schema=ApiErrorSchema, description="Administrators only")
    @blp.alt_response(409, schema=ApiErrorSchema, description="The SKU exists")
    @blp.doc(security=[BEARER])
    def patch(self, body, item_id):
        """Change some fields of an item (administrators)."""
        catalog.update_item(item_id, body, current_actor(), uow())
        return catalog.get_item(item_id, uow())
