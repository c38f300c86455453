"""Schemas of trip requests, their actions, candidates and carpool suggestions."""
from marshmallow import ValidationError, fields, validate, validates_schema

from api.fields import not_blank, ID_MAX, Money, OfficeDateTime, PageQuerySchema, StrictSchema, UnitPrice
from api.supply_requests.schemas import DepartmentRefSchema, FindingSchema, PersonSchema
from policies import DEFAULT_DOCUMENT
from workflow.vehicles.model import TRIP_STATES

PURPOSES = DEFAULT_DOCUMENT["travel"]["purposes"]
EXEMPTIONS = DEFAULT_DOCUMENT["travel"]["exemptions"]


def Km(**kw):
    return fields.Decimal(as_string=True, places=2, validate=validate.Range(0, 5000, min_inclusive=False), **kw)


def Reading(**kw):
    return fields.Decimal(as_string=True, places=1, validate=validate.Range(0, 10_000_000), **kw)


class TripRequestInSchema(StrictSchema):
    purpose_category = fields.String(required=True, validate=validate.OneOf(PURPOSES),
                                     metadata={"description": "Personal use is not a category."})
    purpose = fields.String(required=True, validate=[validate.Length(1, 500), not_blank])
    origin = fields.String(load_default="Office", validate=[validate.Length(1, 200), not_blank])
    destination = fields.String(required=True, validate=[validate.Length(1, 200), not_blank])
    destination_id = fields.Integer(validate=validate.Range(1, ID_MAX),
                                    metadata={"description": "A common destination: fills distance_km."})
    distance_km = Km(metadata={"description": "One way."})
    passengers = fields.Integer(required=True, validate=validate.Range(1, 80))
    cargo = fields.String(load_default="", validate=validate.Length(0, 500))
    depart_at = OfficeDateTime(required=True)
    return_at = OfficeDateTime(required=True)
    exemption = fields.String(validate=validate.OneOf(EXEMPTIONS))
    exemption_note = fields.String(validate=validate.Length(0, 2000))

    @validates_schema
    def return_after_departure(self, data, **kwargs):
        if "depart_at" in data and "return_at" in data and data["return_at"] <= data["depart_at"]:
            raise ValidationError("Must be after depart_at.", "return_at")
        if "distance_km" not in data and "destination_id" not in data:
            raise ValidationError("Give the one-way distance, or a destination_id.", "distance_km")


def document_distance_choice(schemas: dict) -> None:
    """TripRequestIn needs distance_km or destination_id (return_after_departure): `anyOf` says so."""
    schemas["TripRequestIn"]["anyOf"] = [{"required": ["distance_km"]}, {"required": ["destination_id"]}]


class TripRequestPatchSchema(StrictSchema):
    version = fields.Integer(required=True, validate=validate.Range(1, ID_MAX))
    purpose_category = fields.String(validate=validate.OneOf(PURPOSES))
    purpose = fields.String(validate=[validate.Length(1, 500), not_blank])
    origin = fields.String(validate=[validate.Length(1, 200), not_blank])
    destination = fields.String(validate=[validate.Length(1, 200), not_blank])
    destination_id = fields.Integer(allow_none=True, validate=validate.Range(1, ID_MAX))
    distance_km = Km()
    passengers = fields.Integer(validate=validate.Range(1, 80))
    cargo = fields.String(validate=validate.Length(0, 500))
    depart_at = OfficeDateTime()
    return_at = OfficeDateTime()
    exemption = fields.String(allow_none=True, validate=validate.OneOf(EXEMPTIONS))
    exemption_note = fields.String(allow_none=True, validate=validate.Length(0, 2000))


class TripActionSchema(StrictSchema):
    version = fields.Integer(required=True, validate=validate.Range(1, ID_MAX))
    comment = fields.String(validate=validate.Length(0, 2000))
    vehicle_id = fields.Integer(validate=validate.Range(1, ID_MAX), metadata={"description": "dispatch"})
    driver_id = fields.Integer(validate=validate.Range(1, ID_MAX), metadata={"description": "dispatch"})
    carpool_ids = fields.List(fields.Integer(validate=validate.Range(1, ID_MAX)), validate=validate.Length(0, 20),
                              metadata={"description": "dispatch: other approved requests on the same trip"})
    odometer_km = Reading(metadata={"description": "depart and arrive"})
    energy_used = fields.Decimal(as_string=True, places=2, validate=validate.Range(0, 10_000),
                                 metadata={"description": "arrive: litres, or kWh"})
    fuel_cost = UnitPrice(metadata={"description": "arrive"})
    tolls = UnitPrice(metadata={"description": "arrive"})
    parking = UnitPrice(metadata={"description": "arrive"})


class TripSchema(StrictSchema):
    id = fields.Integer()
    vehicle_id = fields.Integer()
    driver_id = fields.Integer()
    status = fields.String()
    starts_at = OfficeDateTime()
    ends_at = OfficeDateTime()
    depart_odometer_km = fields.Decimal(as_string=True, allow_none=True)
    arrive_odometer_km = fields.Decimal(as_string=True, allow_none=True)
    distance_km = fields.Decimal(as_string=True, allow_none=True)
    energy_used = fields.Decimal(as_string=True, allow_none=True)
    fuel_cost = Money(allow_none=True)
    tolls = Money()
    parking = Money()
    per_100km = fields.Decimal(as_string=True, allow_none=True)
    fuel_anomaly = fields.Boolean()
    departed_at = OfficeDateTime(allow_none=True)
    arrived_at = OfficeDateTime(allow_none=True)
    closed_at = OfficeDateTime(allow_none=True)


class TripRequestSchema(StrictSchema):
    id = fields.Integer()
    number = fields.String()
    status = fields.String(metadata={"enum": TRIP_STATES})
    version = fields.Integer()
    purpose_category = fields.String()
    purpose = fields.String()
    origin = fields.String()
    destination = fields.String()
    destination_id = fields.Integer(allow_none=True)
    distance_km = fields.Decimal(as_string=True)
    passengers = fields.Integer()
    cargo = fields.String()
    depart_at = OfficeDateTime()
    return_at = OfficeDateTime()
    exemption = fields.String(allow_none=True)
    exemption_note = fields.String(allow_none=True)
    needs_office_review = fields.Boolean()
    policy_version = fields.String(allow_none=True)
    requester = fields.Nested(PersonSchema)
    department = fields.Nested(DepartmentRefSchema)
    findings = fields.List(fields.Nested(FindingSchema))
    trip = fields.Nested(TripSchema, allow_none=True)
    created_at = OfficeDateTime()
    updated_at = OfficeDateTime()
    allowed_actions = fields.List(fields.String())


class TripRequestQuerySchema(PageQuerySchema):
    status = fields.String(validate=validate.OneOf(TRIP_STATES))
    before_id = fields.Integer(validate=validate.Range(1, ID_MAX))


class CandidateVehicleSchema(StrictSchema):
    id = fields.Integer()
    plate = fields.String()
    kind = fields.String()
    energy = fields.String()
    seats = fields.Integer()
    new_energy_in_range = fields.Boolean()
    expected_cost = Money()


class CandidateDriverSchema(StrictSchema):
    id = fields.Integer()
    username = fields.String()
    full_name = fields.String()
    licence_class = fields.String()


class PeriodSchema(StrictSchema):
    starts_at = OfficeDateTime()
    ends_at = OfficeDateTime()


class CandidatesSchema(StrictSchema):
    vehicles = fields.List(fields.Nested(CandidateVehicleSchema))
    drivers = fields.List(fields.Nested(CandidateDriverSchema))
    period = fields.Nested(PeriodSchema)


class CarpoolSchema(StrictSchema):
    id = fields.Integer()
    number = fields.String()
    destination = fields.String()
    passengers = fields.Integer()
    depart_at = OfficeDateTime()
    return_at = OfficeDateTime()
    version = fields.Integer()
