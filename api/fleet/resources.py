"""/vehicles (with maintenance, fuel logs and costs), /drivers, /destinations."""
from flask.views import MethodView
from flask_smorest import Blueprint

from api.auth import BEARER, current_actor, uow
from api.fields import ApiErrorSchema
from api.openapi import link
from workflow.vehicles import destinations, fleet, costs

from .schemas import (CostQuerySchema, DestinationPatchSchema, DestinationSchema, DriverPatchSchema, DriverSchema,
                      FuelLogSchema, MaintenanceSchema, VehicleCostSchema, VehiclePatchSchema, VehicleQuerySchema,
                      VehicleSchema)

blp = Blueprint("fleet", __name__, url_prefix="/api/v1", description="The central fleet")
DOC = {"security": [BEARER]}


@blp.route("/vehicles")
class Vehicles(MethodView):
    @blp.arguments(VehicleQuerySchema, location="query")
    @blp.response(200, VehicleSchema(many=True))
    @blp.alt_response(403, schema=ApiErrorSchema,
                      description="The fleet is for the fleet manager, logistics, finance and drivers")
    @blp.doc(**DOC)
    def get(self, query):
        return fleet.list_vehicles(current_actor(), uow(), **query)

    @blp.arguments(VehicleSchema)
    @blp.response(201, VehicleSchema)
    @blp.alt_response(403, schema=ApiErrorSchema, description="The fleet manager and administrators only")
    @blp.alt_response(409, schema=ApiErrorSchema, description="The plate exists")
    @blp.doc(**DOC)
    def post(self, body):
        """Add a vehicle (fleet manager)."""
        return fleet.create_vehicle(body, current_actor(), uow())


@blp.route("/vehicles/costs")
class AllVehicleCosts(MethodView):
    @blp.arguments(CostQuerySchema, location="query")
    @blp.response(200, VehicleCostSchema(many=True))
    @blp.alt_response(403, schema=ApiErrorSchema,
                      description="For the fleet manager, administrators, finance and logistics")
    @blp.doc(**DOC)
    def get(self, query):
        """Cost per km of every vehicle over ?from=YYYY-MM-DD&to=YYYY-MM-DD."""
        return costs.vehicle_costs(query["date_from"], query["date_to"], current_actor(), uow())


@blp.route("/vehicles/<int:vehicle_id>")
class VehicleItem(MethodView):
    @blp.response(200, VehicleSchema)
    @blp.alt_response(403, schema=ApiErrorSchema,
                      description="The fleet is for the fleet manager, logistics, finance and drivers")
    @blp.doc(**DOC)
    def get(self, vehicle_id):
        return fleet.get_vehicle(vehicle_id, current_actor(), uow())

    @blp.arguments(VehiclePatchSchema)
    @blp.response(200, VehicleSchema)
    @blp.alt_response(403, schema=ApiErrorSchema, description="The fleet manager and administrators only")
    @blp.doc(**DOC)
    def patch(self, body, vehicle_id):
        """Change status (in service, maintenance, retired), seats, norm; the odometer only goes up."""
        return fleet.update_vehicle(vehicle_id, body, current_actor(), uow())


@blp.route("/vehicles/<int:vehicle_id>/maintenance")
class Maintenance(MethodView):
    @blp.response(200, MaintenanceSchema(many=True))
    @blp.alt_response(403, schema=ApiErrorSchema,
                      description="The fleet is for the fleet manager, logistics, finance and drivers")
    @blp.doc(**DOC)
    def get(self, vehicle_id):
        return fleet.list_maintenance(vehicle_id, current_actor(), uow())

    @blp.arguments(MaintenanceSchema)
    @blp.response(201, MaintenanceSchema)
    @blp.alt_response(403, schema=ApiErrorSchema, description="The fleet manager and administrators only")
    @blp.doc(**DOC)
    def post(self, body, vehicle_id):
        return fleet.add_maintenance(vehicle_id, body, current_actor(), uow())


@blp.route("/vehicles/<int:vehicle_id>/fuel-logs")
class FuelLogs(MethodView):
    @blp.response(200, FuelLogSchema(many=True))
    @blp.alt_response(403, schema=ApiErrorSchema,
                      description="The fleet is for the fleet manager, logistics, finance and drivers")
    @blp.doc(**DOC)
    def get(self, vehicle_id):
        return fleet.list_fuel_logs(vehicle_id, current_actor(), uow())

    @blp.arguments(FuelLogSchema)
    @blp.response(201, FuelLogSchema)
    @blp.alt_response(403, schema=ApiErrorSchema, description="The fleet manager, administrators and drivers only")
    @blp.doc(**DOC)
    def post(self, body, vehicle_id):
        """Record a refuelling or a charge (fleet manager or driver)."""
        return fleet.add_fuel_log(vehicle_id, body, current_actor(), uow())


@blp.route("/drivers")
class Drivers(MethodView):
    @blp.response(200, DriverSchema(many=True))
    @blp.alt_response(403, schema=ApiErrorSchema,
                      description="The fleet is for the fleet manager, logistics, finance and drivers")
    @blp.doc(**DOC)
    def get(self):
        return fleet.list_drivers(current_actor(), uow())

    @blp.arguments(DriverSchema)
    @blp.response(201, DriverSchema)
    @blp.alt_response(403, schema=ApiErrorSchema, description="The fleet manager and administrators only")
    @blp.alt_response(409, schema=ApiErrorSchema, description="Already a driver")
    @blp.doc(**DOC)
    def post(self, body):
        """Make a user a driver with a licence class (fleet manager)."""
        return fleet.create_driver(body, current_actor(), uow())


@blp.route("/drivers/<int:driver_id>")
class DriverItem(MethodView):
    @blp.arguments(DriverPatchSchema)
    @blp.response(200, DriverSchema)
    @blp.alt_response(403, schema=ApiErrorSchema, description="The fleet manager and administrators only")
    @blp.doc(**DOC)
    def patch(self, body, driver_id):
        return fleet.update_driver(driver_id, body, current_actor(), uow())


@blp.route("/destinations")
class Destinations(MethodView):
    @blp.response(200, DestinationSchema(many=True))
    # A common destination fills the distance of a trip request: a link to one.
    @blp.doc(**DOC, responses={200: {"links": {"TravelThere": link(
        "fileTripRequest", {}, {"destination_id": "$response.body#/0/id"})}}})
    def get(self):
        """Common destinations with their one-way distance from the office."""
        return destinations.list_destinations(uow())

    @blp.arguments(DestinationSchema)
    @blp.response(201, DestinationSchema)
    @blp.alt_response(403, schema=ApiErrorSchema, description="Administrators only")
    @blp.alt_response(409, schema=ApiErrorSchema, description="The name exists")
    @blp.doc(**DOC)
    def post(self, body):
        return destinations.save_destination(body, current_actor(), uow())


@blp.route("/destinations/<int:destination_id>")
class DestinationItem(MethodView):
    @blp.arguments(DestinationPatchSchema)
    @blp.response(200, DestinationSchema)
    @blp.alt_response(403, schema=ApiErrorSchema, description="Administrators only")
    @blp.alt_response(409, schema=ApiErrorSchema, description="The name exists")
    @blp.doc(**DOC)
    def patch(self, body, destination_id):
        return destinations.save_destination(body, current_actor(), uow(), destination_id)
