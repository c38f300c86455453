"""Domain errors on the web pages: the same status codes as the JSON API, shown as a page."""
from __future__ import annotations

from flask import Blueprint, render_template
from flask_babel import gettext as _
from marshmallow import ValidationError

from workflow.kernel.errors import BadQuery, DomainError


def status_of(exc: DomainError) -> int:
    from api.errors import status_of as api_status

    return api_status(exc)


def invalid_form(exc: ValidationError):
    """Form input outside the JSON API's limits (the same schema checks both): 422, nothing changed."""
    from api.errors import flatten

    return render_template("web/error.html", message=_("Some fields need attention."),
                           errors=flatten(exc.messages)), 422


def error_page(exc: DomainError):
    return render_template("web/error.html", message=exc.message, errors=exc.errors), status_of(exc)


def id_in_query(name: str) -> int | None:
    """A page's cursor id from the query string: None when absent, else an id in the columns' range.

    Anything else is a 400 saying the range: a page never silently starts over from the top.
    """
    from flask import request

    from api.fields import ID_MAX, is_id

    value = request.args.get(name, "")
    if not value:
        return None
    if not (is_id(value) and 1 <= int(value) <= ID_MAX):
        raise BadQuery(f"bad {name}", {name: [_("A whole number from 1 to %(most)s.", most=ID_MAX)]})
    return int(value)


def pages_blueprint(name: str, import_name: str) -> Blueprint:
    """A blueprint of web pages: a refusal from a service becomes the error page with the API's status.

    Views catch a DomainError themselves only where they re-render a form with its message.
    """
    blueprint = Blueprint(name, import_name)
    blueprint.register_error_handler(DomainError, error_page)
    return blueprint
