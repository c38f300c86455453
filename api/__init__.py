"""The HTTP boundary: `create_app` builds the Flask app, its JSON API and its commands."""
from __future__ import annotations

from flask import Flask
from flask_smorest import Api

from workflow.kernel.settings import INSTANCE_DIR, Settings, load_dotenv_if_present
from workflow.runtime.process import Runtime


def create_app(config: dict | None = None, *, publish_events=None) -> Flask:
    """Build the app; `config` (tests) overrides environment settings, e.g. {"DATABASE_URL": ...}.

    `publish_events(outbox_ids)` hands events to the broker's workers (`flask relay-outbox` with
    REDIS_URL): wsgi.py gives tasks.jobs.publish_events, so that this package never imports them.
    """
    config = dict(config or {})
    if not config.pop("SKIP_DOTENV", False):
        load_dotenv_if_present()
    overrides = {k.lower(): config.pop(k) for k in list(config) if k.lower() in Settings.__dataclass_fields__}
    # One instance folder for Flask and for the key made when SECRET_KEY is unset (tests point elsewhere).
    instance = str(config.pop("INSTANCE_PATH", INSTANCE_DIR))
    settings = Settings.from_env(instance_dir=instance, **overrides)

    app = Flask(__name__, instance_path=instance, instance_relative_config=False)
    app.config.update(
        SECRET_KEY=settings.secret_key,
        TIMEZONE=settings.timezone,
        MAX_CONTENT_LENGTH=settings.max_body_bytes,
        SESSION_COOKIE_SECURE=settings.cookie_secure,
        # Set, not setdefault: Flask's defaults hold SAMESITE=None, so a setdefault never took.
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_HTTPONLY=True,
        JSON_SORT_KEYS=False,
        API_TITLE="Jieyue",
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/api/v1",
        OPENAPI_JSON_PATH="openapi.json",
        API_SPEC_OPTIONS={
            "info": {"description": "Green procurement and official-vehicle use for a conservation-minded office (jieyuexing jiguan)."},
            "components": {"securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}}},
        },
    )
    app.config.update(config)
    runtime = app.extensions["jieyue"] = Runtime(settings, engine=config.get("ENGINE"))
    runtime.publish_events = publish_events
    if not settings.redis_url:
        # The embedded default: no broker, so deliver in-process right after each commit.
        runtime.on_outbox = runtime.deliver_inline
    from . import health, logs, metrics

    logs.register(app, settings)  # first: its clock and request id serve the hooks after it
    metrics.register(app)
    app.register_blueprint(health.blp)

    api = Api(app)
    from . import act_links, cli, docs, errors, home, openapi
    from .auth_tokens.resources import blp as tokens
    from .calendar.resources import blp as calendar
    from .catalog.resources import blp as catalog
    from .delegations.resources import blp as delegations
    from .fleet.resources import blp as fleet
    from .notifications.resources import blp as notifications
    from .people.resources import blp as people
    from .policy.resources import blp as policy
    from .purchase_orders.resources import blp as purchase_orders
    from .queue.resources import blp as queue
    from .reports.resources import blp as reports
    from .supply_requests.resources import blp as supply_requests
    from .trip_requests.resources import blp as trip_requests

    api_blueprints = (tokens, people, catalog, supply_requests, policy, purchase_orders, queue,
                      fleet, trip_requests, notifications, delegations, reports, calendar)
    for blueprint in api_blueprints:
        api.register_blueprint(blueprint)
    # The document is complete only now: put right what flask-smorest documents wrongly and list
    # the error statuses every operation shares (see api/openapi.py).
    openapi.finish_document(api, rate_limited_prefixes=tuple(
        b.url_prefix for b in (tokens, supply_requests, trip_requests, purchase_orders)))
    errors.register(app)  # after Api(), so our JSON error shape wins over flask-smorest's
    app.register_blueprint(docs.blp)
    app.register_blueprint(home.blp)
    app.register_blueprint(act_links.blp)
    from . import security, web
    from .web.auth import web_actor

    security.register(app)  # before web.register: a form from another site is refused before its CSRF check
    web.register(app)
    from . import ratelimits
    from .web import approvals as web_approvals, auth as web_auth, pages as web_pages

    app.extensions["limiter"] = ratelimits.register(
        app, settings, login_blueprints=(tokens, web_auth.blp),
        action_blueprints=(supply_requests, trip_requests, purchase_orders, web_pages.blp, web_approvals.blp))
    # The JSON API authenticates with bearer tokens, which a browser never sends by itself, and an
    # e-mail's action link is its own secret: neither needs a CSRF token.
    for blueprint in api_blueprints + (act_links.blp,):
        web.csrf.exempt(blueprint)
    # Probes and scrapes come from the orchestrator and Prometheus, every few seconds, unauthenticated.
    for blueprint in (health.blp, metrics.blp):
        web.csrf.exempt(blueprint)
        app.extensions["limiter"].exempt(blueprint)
    app.jinja_env.globals["web_actor"] = web_actor
    cli.register(app)

    @app.before_request
    def _authenticate_first():
        # Who is calling is settled before the body is read: no token means 401, never a 422.
        from flask import request

        from .auth import current_actor, is_public

        if request.path.startswith("/api/v1/") and not is_public(request):
            current_actor()

    @app.teardown_appcontext
    def _nothing(_exc):  # sessions are closed by each unit of work; nothing to clean here
        return None

    return app
