"""Who is calling: bearer tokens for the API (sessions for the web come with the web issue)."""
from __future__ import annotations

from dataclasses import replace

from flask import current_app, g, request

from workflow.kernel.access import Actor
from workflow.kernel.errors import Unauthorized
from workflow.people import accounts

BEARER = {"bearerAuth": []}


def runtime():
    return current_app.extensions["jieyue"]


def uow():
    return runtime().uow()


def is_public(request) -> bool:
    """The API's paths answered without a token: its description, and asking for a token."""
    path = request.path
    return (path in ("/api/v1/openapi.json",) or path.startswith("/api/v1/docs")
            or (path == "/api/v1/auth/tokens" and request.method == "POST"))


def language() -> str:
    """The caller's language: Accept-Language when it names English or Chinese, else English."""
    best = request.accept_languages.best_match(["en", "zh"])
    return best or "en"


def current_actor() -> Actor:
    if "actor" in g:
        return g.actor
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("send Authorization: Bearer <token> (POST /api/v1/auth/tokens gives one)")
    actor = accounts.actor_for_token(token.strip(), uow())
    if request.headers.get("Accept-Language"):
        actor = replace(actor, language=language())
    g.actor = actor
    return actor
