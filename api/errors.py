"""The one place where errors become JSON answers: {"code", "message", "errors"}."""
from __future__ import annotations

import logging

from flask import jsonify, request
from sqlalchemy.exc import DataError, InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException, NotFound

from workflow.kernel import errors as domain

security_log = logging.getLogger("jieyue.security")

STATUS = {
    domain.NotFound: 404,
    domain.Forbidden: 403,
    domain.Unauthorized: 401,
    domain.StaleVersion: 409,
    domain.IllegalStep: 409,
    domain.Conflict: 409,
    domain.InvalidInput: 422,
    domain.UnsafeWebhookUrl: 422,
    domain.PriceFromCatalog: 422,
    domain.BadQuery: 400,
    domain.PolicyBlocked: 422,
    domain.JustificationRequired: 422,
}

HTTP_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
              405: "method_not_allowed", 409: "conflict", 413: "body_too_large", 415: "unsupported_media_type",
              422: "validation_error", 429: "rate_limited"}


def flatten(messages, prefix: str = "") -> dict[str, list[str]]:
    """marshmallow's nested messages as {"lines.0.quantity": [...]}, the shape every error uses."""
    out: dict[str, list[str]] = {}
    if isinstance(messages, dict):
        for key, value in messages.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            if isinstance(value, (dict, list)) and not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
                out.update(flatten(value, path))
            else:
                out[path] = value if isinstance(value, list) else [str(value)]
    elif isinstance(messages, list):
        out[prefix or "_body"] = [str(m) for m in messages]
    else:
        out[prefix or "_body"] = [str(messages)]
    return out


def error_body(status: int, code: str, message: str, errors: dict | None = None, **extra):
    body = {"code": code, "message": message, "errors": errors or {}}
    body.update(extra)
    return jsonify(body), status


def status_of(exc: domain.DomainError) -> int:
    # The nearest class in the table: a refinement (SameApprover of Forbidden) keeps its family's status.
    return next((STATUS[c] for c in type(exc).__mro__ if c in STATUS), 400)


def _domain_error(exc: domain.DomainError):
    status = status_of(exc)
    extra = dict(exc.extra)
    if extra.pop("security", False):
        security_log.warning("refused: %s", exc.message)
    return error_body(status, exc.code, exc.message, exc.errors, **extra)


def _http_error(exc: HTTPException):
    data = getattr(exc, "data", None) or {}
    messages = data.get("messages")
    errors = {}
    if messages:
        # Drop webargs' location level ("json", "query") for the body; keep it for others.
        for location, fields in messages.items():
            errors.update(flatten(fields, "" if location == "json" else location))
    code = HTTP_CODES.get(exc.code, "error")
    message = data.get("message") or exc.description or exc.name
    if exc.code == 422 and messages:
        message = "The input is not valid: see errors."
    elif exc.code == 400 and messages:
        # A query out of its bounds (limit=500): refused, not clamped; the errors say the range.
        message = "The query is not valid: see errors."
    return error_body(exc.code, code, message, errors)


def _path_ids_in_range():
    """An <int:...> in the path beyond the columns' range names no row: 404, before any query."""
    from .fields import ID_MAX

    if any(isinstance(v, int) and v > ID_MAX for v in (request.view_args or {}).values()):
        raise NotFound()


def _out_of_range(exc: DataError):
    # The schemas bound every number to its column; this is the net for one they missed.
    logging.getLogger("jieyue").warning("value out of the database's range: %s", str(exc.orig).splitlines()[0])
    return error_body(400, "bad_request", "A value is out of range.")


def _for_the_caller(status: int, code: str, message: str, **headers):
    """JSON for the API (and anything not a page); the error page for a person in a browser."""
    if request.path.startswith("/api/") or request.accept_mimetypes.best != "text/html":
        body, status = error_body(status, code, message)
    else:
        from flask import render_template

        body = render_template("web/error.html", message=message, errors={})
    return body, status, headers


def _database_unavailable(exc: Exception):
    # Lost or refused connections, a server restarting, SQLite busy past its timeout: nothing was
    # written (the unit of work rolled back), and the same request will work again shortly.
    logging.getLogger("jieyue").error("database unavailable: %s", str(getattr(exc, "orig", exc)).splitlines()[0])
    return _for_the_caller(503, "unavailable", "The database cannot be reached right now; nothing was changed. "
                                               "Try again in a few seconds.", **{"Retry-After": "5"})


def _unexpected(exc: Exception):
    logging.getLogger("jieyue").exception("unexpected error")
    return _for_the_caller(500, "server_error", "Something went wrong; it has been logged.")


def register(app) -> None:
    app.register_error_handler(domain.DomainError, _domain_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(DataError, _out_of_range)
    app.register_error_handler(OperationalError, _database_unavailable)
    app.register_error_handler(InterfaceError, _database_unavailable)
    app.before_request(_path_ids_in_range)
    from . import wellformed

    wellformed.register(app)  # before the rate limits: the login limit reads the body
    app.register_error_handler(Exception, _unexpected)
