"""Rate limits on logging in and on workflow actions, counted in Redis (memory without a broker).

Guessing passwords or hammering actions answers 429. Tests turn limits on only where they test
them (TESTING apps start without), so that load tests measure the engine, not the limiter.

Who is counted:
- actions: the person the request authenticates as (bearer token or session cookie), however
  the header is spelled and whatever else is sent; a request that authenticates as nobody counts
  against its address. All action endpoints share one budget per person, and a bulk approval
  costs one per item.
- logins: the username tried AND the address, separately. Ten tries a minute per username stop
  a guesser of one account from any number of addresses; the larger per-address number lets an
  office behind one NAT log in together while still stopping one machine spraying usernames.
The counts live in Redis when REDIS_URL is set, so every web process shares them.
Each number can be changed per deployment through the app config key named beside it.
"""
from __future__ import annotations

import hashlib

from flask import current_app, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

LOGIN_PER_USERNAME = "10 per minute"  # RATELIMIT_LOGIN_PER_USERNAME
LOGIN_PER_ADDRESS = "100 per minute"  # RATELIMIT_LOGIN_PER_ADDRESS
ACTIONS = "120 per minute"  # RATELIMIT_ACTIONS, per person over all action endpoints
BULK_MAX_ITEMS = 100  # items in one bulk approval; more is a 400 naming this number
LOGIN_ENDPOINTS = ("auth_tokens.Tokens", "web_auth.login")
BULK_ENDPOINTS = ("web_approvals.bulk_approve",)


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def _person() -> int | None:
    """The id of the user this request authenticates as, or None (the view then refuses it)."""
    from workflow.kernel.errors import DomainError

    from .auth import current_actor
    from .web.auth import web_actor

    if request.headers.get("Authorization"):
        try:
            return current_actor().id
        except DomainError:
            pass  # a junk header beside a valid session cookie does not change who is counted
    actor = web_actor() if request.cookies.get("jy_session") else None
    return actor.id if actor is not None else None


def _actor_key() -> str:
    person = _person()
    return f"user:{person}" if person is not None else "ip:" + get_remote_address()


def _username_key() -> str:
    body = request.get_json(silent=True) if request.is_json else None
    name = body.get("username") if isinstance(body, dict) else request.form.get("username")
    # Case and padding do not make a new account to guess at.
    return "login-user:" + _digest(name.strip().casefold() if isinstance(name, str) else "")


def _address_key() -> str:
    return "login-ip:" + get_remote_address()


def bulk_items() -> list[str]:
    return request.form.getlist("item")


def _cost() -> int:
    """One per item of a bulk approval (an oversized one costs 1: its view refuses it with a 400)."""
    if request.endpoint in BULK_ENDPOINTS:
        return len(bulk_items()) if 0 < len(bulk_items()) <= BULK_MAX_ITEMS else 1
    return 1


def _not_a_login() -> bool:
    return request.endpoint not in LOGIN_ENDPOINTS


def _setting(name: str, default: str):
    return lambda: current_app.config.get(name, default)


def register(app, settings, login_blueprints, action_blueprints) -> Limiter:
    app.config.setdefault("RATELIMIT_ENABLED", not app.config.get("TESTING", False))
    app.config.setdefault("RATELIMIT_STORAGE_URI", settings.redis_url or "memory://")
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    limiter = Limiter(key_func=_actor_key, app=app, key_prefix=app.config.get("RATELIMIT_KEY_PREFIX", "jieyue"))
    # Shared limits: one count over the API's and the web's login, and one over every action.
    per_username = limiter.shared_limit(_setting("RATELIMIT_LOGIN_PER_USERNAME", LOGIN_PER_USERNAME), "login-user",
                                        key_func=_username_key, methods=["POST"], exempt_when=_not_a_login)
    per_address = limiter.shared_limit(_setting("RATELIMIT_LOGIN_PER_ADDRESS", LOGIN_PER_ADDRESS), "login-ip",
                                       key_func=_address_key, methods=["POST"], exempt_when=_not_a_login)
    actions = limiter.shared_limit(_setting("RATELIMIT_ACTIONS", settings.action_rate_limit), "actions",
                                   methods=["POST", "PATCH", "PUT", "DELETE"], cost=_cost)
    for blueprint in login_blueprints:
        per_username(blueprint)
        per_address(blueprint)
    for blueprint in action_blueprints:
        actions(blueprint)
    return limiter
