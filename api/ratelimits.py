"""Rate limits on logging in and on workflow actions, counted in Redis (memory without a broker).

Guessing passwords or hammering actions answers 429. Tests turn limits on only where they test
them (TESTING apps start without), so that load tests measure the engine, not the limiter.
"""
from __future__ import annotations

import hashlib

from flask import request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

LOGIN = "10 per minute"
ACTIONS = "120 per minute"


def _caller() -> str:
    """The person when known (token or session), else the address: one office shares a NAT."""
    credential = request.headers.get("Authorization", "") or request.cookies.get("jy_session", "")
    if credential:
        return "c:" + hashlib.sha256(credential.encode()).hexdigest()[:32]
    return "ip:" + get_remote_address()


def register(app, settings, login_blueprints, action_blueprints) -> Limiter:
    app.config.setdefault("RATELIMIT_ENABLED", not app.config.get("TESTING", False))
    app.config.setdefault("RATELIMIT_STORAGE_URI", settings.redis_url or "memory://")
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    limiter = Limiter(key_func=_caller, app=app, key_prefix=app.config.get("RATELIMIT_KEY_PREFIX", "jieyue"))
    for blueprint in login_blueprints:
        limiter.limit(LOGIN, methods=["POST"], key_func=get_remote_address)(blueprint)
    for blueprint in action_blueprints:
        limiter.limit(ACTIONS, methods=["POST", "PATCH", "PUT", "DELETE"])(blueprint)
    return limiter
