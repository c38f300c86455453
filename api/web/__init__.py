"""The web pages: sessions, CSRF-protected forms, English and Simplified Chinese."""
from __future__ import annotations

from flask import g, request
from flask_babel import Babel
from flask_wtf.csrf import CSRFProtect

from workflow.kernel import texts

csrf = CSRFProtect()
babel = Babel()
LANGUAGES = tuple(sorted(texts.languages()))  # ("en", "zh"): a language is a catalog


def _locale() -> str:
    # The person's stored choice once logged in; before that, the browser's.
    actor = g.get("web_actor")
    if actor is not None:
        return texts.language(actor.language)
    return request.accept_languages.best_match(LANGUAGES) or "en"


def _quantity(value) -> str:
    """2.000 as 2, 2.500 as 2.5."""
    from decimal import Decimal

    return format(Decimal(str(value)).normalize(), "f") if value is not None else ""


def register(app) -> None:
    from pathlib import Path

    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(Path(__file__).parent.parent / "translations"))
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)  # tied to the session instead
    babel.init_app(app, locale_selector=_locale, timezone_selector=lambda: app.config["TIMEZONE"])
    from flask_babel import get_locale

    app.jinja_env.globals["get_locale"] = get_locale
    app.jinja_env.filters["qty"] = _quantity

    @app.get("/favicon.ico")
    def favicon():
        return app.send_static_file("favicon.svg")
    csrf.init_app(app)
    from . import admin, approvals, auth, calendar, finance, fleet, pages, purchasing

    for module in (auth, pages, approvals, purchasing, fleet, finance, admin, calendar):
        app.register_blueprint(module.blp)
