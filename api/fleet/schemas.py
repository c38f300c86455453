"""Schemas of the fleet."""
from marshmallow import fields, validate

from api.fields import not_blank, OfficeDate, Money, OfficeDateTime, StrictSchema, UnitPrice
from workflow.vehicles.fleet import ENERGIES, KINDS, LICENCE_CLASSES, VEHICLE_STATUSES

Kilometres = lambda **kw: fields.Decimal(as_string=True, places=1, validate=validate.Range(0, 10_000_000), **kw)  # noqa: E731


class VehicleSchema(StrictSchema):
    id = fields.Integer(dump_only=True)
    plate = fields.String(required=True, validate=[validate.Length(2, 16), not_blank])
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    energy = fields.String(required=True, validate=validate.OneOf(ENERGIES))
    seats = fields.Integer(required=True, validate=validate.Range(1, 80),
                           metadata={"description": "Passenger seats, the driver's not counted."})
    norm_per_100km = fields.Decimal(as_string=True, places=2, required=True, validate=validate.Range(0, 1000),
                                    metadata={"description": "Litres, or kWh for electric vehicles, per 100 km."})
    range_km = fields.Integer(allow_none=True, validate=validate.Range(1, 2000))
    unit = fields.String(dump_only=True)
    status = fields.String(dump_only=True)
    odometer_km = Kilometres(dump_only=True)


class VehiclePatchSchema(StrictSchema):
    kind = fields.String(validate=validate.OneOf(KINDS))
    seats = fields.Integer(validate=validate.Range(1, 80))
    norm_per_100km = fields.Decimal(as_string=True, places=2, validate=validate.Range(0, 1000))
    range_km = fields.Integer(allow_none=True, validate=validate.Range(1, 2000))
    status = fields.String(validate=validate.OneOf(VEHICLE_STATUSES))
    odometer_km = Kilometres()


class VehicleQuerySchema(StrictSchema):
    status = fields.String(validate=validate.OneOf(VEHICLE_STATUSES))


class DriverSchema(StrictSchema):
    id = fields.Integer(dump_only=True)
    user_id = fields.Integer(dump_only=True)
    username = fields.String(required=True, validate=validate.Length(1, 64))
    full_name = fields.String(dump_only=True)
    licence_class = fields.String(required=True, validate=validate.OneOf(LICENCE_CLASSES))
    phone = fields.String(validate=validate.Length(0, 32))
    active = fields.Boolean(dump_only=True)


class DriverPatchSchema(StrictSchema):
    licence_class = fields.String(validate=validate.OneOf(LICENCE_CLASSES))
    phone = fields.String(validate=validate.Length(0, 32))
    active = fields.Boolean()


class MaintenanceSchema(StrictSchema):
    id = fields.Integer(dump_only=True)
    vehicle_id = fields.Integer(dump_only=True)
    performed_on = OfficeDate(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(["routine", "repair", "tyres", "inspection", "other"]))
    description = fields.String(load_default="", validate=validate.Length(0, 500))
    cost = UnitPrice(required=True)
    odometer_km = Kilometres(allow_none=True)


class FuelLogSchema(StrictSchema):
    id = fields.Integer(dump_only=True)
    vehicle_id = fields.Integer(dump_only=True)
    filled_at = OfficeDateTime(required=True)
    quantity = fields.Decimal(as_string=True, places=2, required=True,
                              validate=validate.Range(0, 10_000, min_inclusive=False),
                              metadata={"description": "Litres, or kWh for electric vehicles."})
    cost = UnitPrice(required=True)
    odometer_km = Kilometres(allow_none=True)


class DestinationSchema(StrictSchema):
    id = fields.Integer(dump_only=True)
    name = fields.String(required=True, validate=[validate.Length(1, 200), not_blank])
    name_zh = fields.String(validate=validate.Length(0, 200))
    distance_km = fields.Decimal(as_string=True, places=2, required=True,
                                 validate=validate.Range(0, 5000, min_inclusive=False))
    active = fields.Boolean()


class DestinationPatchSchema(DestinationSchema):
    def __init__(self, *args, **kwargs):
        kwargs["partial"] = True
        super().__init__(*args, **kwargs)


class CostQuerySchema(StrictSchema):
    date_from = OfficeDate(data_key="from", required=True)
    date_to = OfficeDate(data_key="to", required=True)


class VehicleCostSchema(StrictSchema):
    vehicle_id = fields.Integer()
    plate = fields.String()
    trips = fields.Integer()
    km = fields.Decimal(as_string=True)
    energy_used = fields.Decimal(as_string=True)
    fuel_cost = Money()
    tolls = Money()
    parking = Money()
    maintenance = Money()
    total = Money()
    cost_per_km = Money(allow_none=True)
