"""Schema building blocks shared by every resource: office-zone times, money, strict schemas."""
from __future__ import annotations

from decimal import Decimal
from zoneinfo import ZoneInfo

from flask import current_app
from marshmallow import RAISE, Schema, ValidationError, fields, validate


# Ids, versions and years live in PostgreSQL `integer` columns: a larger number names nothing.
ID_MAX = 2**31 - 1


def is_id(text: str) -> bool:
    """Text a form may hand to int() as an id: ASCII digits, ten at most ("²".isdigit() is true but
    int("²") raises, and int() refuses strings of more than 4,300 digits)."""
    return text.isascii() and text.isdigit() and len(text) <= 10


class StrictSchema(Schema):
    """Unknown fields are an error, never silently dropped or copied onto a model."""

    class Meta:
        unknown = RAISE
        ordered = True


def not_blank(value: str) -> None:
    """Required text says something: spaces, tabs or newlines alone are no purpose and no name."""
    if not value.strip():
        raise ValidationError("Must not be blank.")


class OfficeDateTime(fields.DateTime):
    """Stored in UTC, shown in the office's zone (TIMEZONE, Asia/Shanghai by default) with its offset."""

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        return value.astimezone(_office_zone()).isoformat()

    def _deserialize(self, value, attr, data, **kwargs):
        # A time given without an offset is read as the office's local time.
        moment = super()._deserialize(value, attr, data, **kwargs)
        in_range(moment.year)
        return moment.replace(tzinfo=_office_zone()) if moment.tzinfo is None else moment


class OfficeDate(fields.Date):
    """A calendar day within YEARS."""

    def _deserialize(self, value, attr, data, **kwargs):
        day = super()._deserialize(value, attr, data, **kwargs)
        in_range(day.year)
        return day


# The office's records run within these years; outside them a date is a typo (and before 1901 the
# zone database gives Shanghai its local mean time, +08:05:43, which no ISO 8601 reader accepts).
YEARS = (2000, 2100)


def in_range(year: int) -> None:
    if not YEARS[0] <= year <= YEARS[1]:
        raise ValidationError(f"The year must be between {YEARS[0]} and {YEARS[1]}.")


def _office_zone() -> ZoneInfo:
    return ZoneInfo(current_app.config.get("TIMEZONE", "Asia/Shanghai"))


class _Money(fields.Decimal):
    """CNY with two decimals. Given more, it is refused, never rounded: "1.234" is not "1.23"
    (marshmallow's `places` would round it before any validator could see the third decimal).
    Trailing zeros are not decimals: "1.230" is 1.23."""

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            number = Decimal(str(value)) if not isinstance(value, bool) else None
        except ArithmeticError:
            number = None  # the parent reports it as not a number
        if number is not None and number.is_finite() and number.normalize().as_tuple().exponent < -2:
            raise ValidationError("At most 2 decimal places: a price or amount is refused, not rounded.")
        return super()._deserialize(value, attr, data, **kwargs)


def Money(**kwargs):
    return _Money(places=2, as_string=True, **kwargs)


class _Quantity(fields.Decimal):
    """Quantities as plain decimal strings: "10", "2.5" (not the stored "10.000")."""

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        return format(Decimal(str(value)).normalize(), "f")


def Quantity(**kwargs):
    return _Quantity(as_string=True, **kwargs)


class ApiErrorSchema(Schema):
    """Every 4xx/5xx body; the last three appear only with the errors that carry them."""
    code = fields.String(required=True)
    message = fields.String(required=True)
    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()), required=True,
                         metadata={"description": "Messages per field path, e.g. lines.0.quantity."})
    allowed = fields.List(fields.String(), metadata={"description": "illegal_action: the actions allowed now."})
    current_version = fields.Integer(metadata={"description": "stale_version: the version to act at."})
    findings = fields.List(fields.Dict(), metadata={"description": "policy_blocked, justification_required."})


class PageQuerySchema(StrictSchema):
    limit = fields.Integer(load_default=50, validate=validate.Range(1, 200),
                           metadata={"description": "Page size, 1–200."})


DECIMAL_PATTERN = r"^-?[0-9]+(\.[0-9]+)?$"


def _decimal_pattern(minimum, maximum) -> str:
    """A field bounded to [0, 10^k] says so in its pattern: at most k digits before the point, no
    sign. (A regular expression cannot say "below 10^k exactly"; k digits stay inside the range.)"""
    if minimum is None or maximum is None or Decimal(str(minimum)) < 0:
        return DECIMAL_PATTERN
    digits = len(str(int(Decimal(str(maximum))))) - 1 or 1
    return rf"^[0-9]{{1,{digits}}}(\.[0-9]{{1,3}})?$"


def document_years(schema) -> None:
    """Dates and times are accepted within YEARS; a pattern says so to generators and clients."""
    if isinstance(schema, list):
        for value in schema:
            document_years(value)
        return
    if not isinstance(schema, dict):
        return
    if schema.get("type") == "string" and schema.get("format") in ("date", "date-time"):
        schema["pattern"] = rf"^(20[0-9]{{2}}|{YEARS[1]})-"
    for value in schema.values():
        document_years(value)


def document_decimals(schema: dict) -> None:
    """Say in the OpenAPI document what goes over the wire: every decimal here is a string.

    apispec calls a Decimal field a `number` and renders its Range with the field itself, so the
    document said `"maximum": "100000000000.00"` (not valid OpenAPI) and promised numbers where
    the API answers "3.50". The bounds stay as x-minimum/x-maximum for people to read.
    """
    if isinstance(schema, list):
        for value in schema:
            document_decimals(value)
        return
    if not isinstance(schema, dict):
        return
    kind = schema.get("type")
    if kind == "number" or (isinstance(kind, list) and "number" in kind):
        schema["type"] = "string" if kind == "number" else ["string" if t == "number" else t for t in kind]
        schema.update(format="decimal", pattern=_decimal_pattern(schema.get("minimum"), schema.get("maximum")))
        for bound in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
            if bound in schema:
                schema[f"x-{bound}"] = str(schema.pop(bound))
    for value in schema.values():
        document_decimals(value)


def at_most_places(places: int):
    def check(value: Decimal):
        if value.as_tuple().exponent < -places:
            raise ValidationError(f"At most {places} decimal places.")
    return check


def OrderedQuantity(**kwargs):
    """A quantity someone asks for or receives: above 0, at most a million, three decimals."""
    return Quantity(validate=[validate.Range(0, 1_000_000, min_inclusive=False), at_most_places(3)], **kwargs)


def UnitPrice(**kwargs):
    """A price per unit in CNY: not negative, at most two decimals (more is refused by Money)."""
    return Money(validate=validate.Range(0, 10**9), **kwargs)
