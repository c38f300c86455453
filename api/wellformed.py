"""Malformed input is refused before any view, rate limit or schema reads it: 400 naming the field.

Python's JSON reader recurses once per `[` or `{`, so a body of 10,000 brackets raised
RecursionError (a 500); a lone surrogate ("\\ud800") cannot be encoded for the database (a 500);
PostgreSQL refuses a NUL in text, and SQLite would store one silently. None of these is text a
person typed, so each is refused here, once, for every endpoint and form, with the field's path.
"""
from __future__ import annotations

import json
import re

from flask import request

from workflow.kernel.errors import BadQuery, DomainError

# Our deepest body (a supply request's lines) is three levels; 32 leaves room and stops a bomb.
MAX_JSON_DEPTH = 32
_BAD_TEXT = re.compile("[\x00\ud800-\udfff]")


def _problem(text: str) -> str | None:
    found = _BAD_TEXT.search(text)
    if found is None:
        return None
    return "NUL characters are not allowed." if found.group() == "\x00" else "Not valid Unicode text (a lone surrogate)."


def _refuse(field: str, message: str):
    # The path itself may hold the bad character: show it escaped.
    shown = field.encode("utf-8", "backslashreplace").decode("utf-8").replace("\x00", "\\x00")
    raise BadQuery("The request is malformed: see errors.", {shown: [message]})


def _walk(value, path: str, depth: int) -> None:
    """Depth first, naming the first bad string or key by its path ("lines.0.description")."""
    if depth > MAX_JSON_DEPTH:
        _refuse(path or "_body", f"Nested more than {MAX_JSON_DEPTH} levels deep.")
    if isinstance(value, str):
        problem = _problem(value)
        if problem:
            _refuse(path or "_body", problem)
    elif isinstance(value, dict):
        for key, item in value.items():
            where = f"{path}.{key}" if path else key
            problem = _problem(key)
            if problem:
                _refuse(where, problem)
            _walk(item, where, depth + 1)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _walk(item, f"{path}.{index}" if path else str(index), depth + 1)


def _check_json_body() -> None:
    data = request.get_data(cache=True)
    if not data:
        return
    try:
        body = json.loads(data)
    except RecursionError:
        _refuse("_body", f"Nested more than {MAX_JSON_DEPTH} levels deep.")
    except ValueError:
        return  # not JSON at all: the schema's reader answers 400 with its own words
    _walk(body, "", 0)


def check_request() -> None:
    if request.path.startswith("/api/v1/"):
        # Who is calling comes first on the API: a caller without a valid token gets its 401 (from
        # the app's own hook, after the rate limit has counted it), whatever the body holds.
        from .auth import current_actor, is_public

        if not is_public(request):
            try:
                current_actor()
            except DomainError:
                return
    for location, values in (("query", request.args), ("form", request.form)):
        for key, value in values.items(multi=True):
            if key == "next":
                continue  # a return target is never stored: a bad one goes home (see register)
            problem = _problem(key) or _problem(value)
            if problem:
                _refuse(f"{location}.{key}", problem)
    if request.is_json:
        _check_json_body()


_CONTROL = re.compile("[\x00-\x1f\x7f]")


def register(app) -> None:
    app.before_request(check_request)
    plain_redirect = app.redirect

    def redirect_without_control_characters(location, code=302):
        # The net under every redirect: a target carrying CR/LF would split the Location header
        # (Werkzeug refuses with a 500), and a browser drops tabs and newlines from a URL, so
        # "/\t/evil.example" would leave the site. Such a target goes home.
        if _CONTROL.search(str(location)):
            location = "/"
        return plain_redirect(location, code)

    app.redirect = redirect_without_control_characters
