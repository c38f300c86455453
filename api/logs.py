"""Request logging: a request id per request (echoed as X-Request-ID), context on every line, one access line."""
from __future__ import annotations

import logging
import re
import time
import uuid

from flask import g, has_request_context, request

from workflow.runtime.logs import configure_for

# An incoming id is kept only when it is short and plain, so a caller cannot forge log structure.
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{8,128}")
access_log = logging.getLogger("jieyue.access")


class RequestContext(logging.Filter):
    """Adds request_id, user_id and item (the item's number) to lines written while serving a request."""

    def filter(self, record: logging.LogRecord) -> bool:
        if has_request_context() and "request_id" in g:
            record.request_id = g.request_id
            record.user_id = getattr(record, "user_id", None) or _user_id()
            record.item = getattr(record, "item", None) or g.get("item_number")
        return True


def _user_id() -> int | None:
    actor = g.get("actor") or g.get("web_actor")
    return actor.id if actor is not None else None


def _item_number(response) -> str | None:
    # An item's own routes answer with the item, which carries its number (SR-2026-000012, TR-...).
    if not request.view_args or not response.is_json:
        return None
    body = response.get_json(silent=True)
    return body.get("number") if isinstance(body, dict) and isinstance(body.get("number"), str) else None


def register(app, settings) -> None:
    configure_for(settings, context_filters=[RequestContext()])

    @app.before_request
    def _start():
        incoming = request.headers.get("X-Request-ID", "")
        g.request_id = incoming if SANE_REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex
        g.request_started = time.perf_counter()

    @app.after_request
    def _access_line(response):
        response.headers["X-Request-ID"] = g.get("request_id", "")
        g.item_number = _item_number(response)
        started = g.get("request_started")
        duration_ms = round((time.perf_counter() - started) * 1000, 1) if started else None
        # The path only: a query string may carry a cursor or a link token.
        access_log.info("%s %s %s", request.method, request.path, response.status_code,
                        extra={"method": request.method, "path": request.path, "status": response.status_code,
                               "duration_ms": duration_ms})
        return response
