"""Login, logout, the language switch, and `login_required` / `roles_required` for every page."""
from __future__ import annotations

import functools

from flask import current_app, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from workflow.kernel.errors import Forbidden, Unauthorized
from workflow.people import accounts

from api.security import safe_next
from .errors import error_page, pages_blueprint


blp = pages_blueprint("web_auth", __name__)
COOKIE = "jy_session"
HOURS = 10


def _runtime():
    return current_app.extensions["jieyue"]


def web_actor():
    """The logged-in person, or None (a revoked or expired session counts as logged out)."""
    if "web_actor" not in g:
        token = request.cookies.get(COOKIE)
        g.web_actor = accounts.actor_for_session(token, _runtime().uow()) if token else None
    return g.web_actor


def login_required(view):
    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        if web_actor() is None:
            return redirect(url_for("web_auth.login", next=request.full_path))
        return view(*args, **kwargs)
    return wrapped


def roles_required(*roles, message=None):
    """Logged in and of one of `roles` (the services check again); anyone else gets the error page with 403.

    `message()` says who the page is for; by default, administrators or "not open to your role".
    """
    def decorate(view):
        @functools.wraps(view)
        def wrapped(*args, **kwargs):
            if not web_actor().is_(*roles):
                text = message() if message else (_("This page is for administrators.") if roles == ("admin",)
                                                  else _("This page is not open to your role."))
                return error_page(Forbidden(text))
            return view(*args, **kwargs)
        return login_required(wrapped)
    return decorate


def _cookie_flags() -> dict:
    # The same flags when the cookie is set and when it is deleted: a browser matches them.
    return {"httponly": True, "samesite": "Lax", "secure": current_app.config.get("SESSION_COOKIE_SECURE", False)}


@blp.route("/login", methods=["GET", "POST"])
def login():
    error = None
    if request.method == "POST":
        try:
            token = accounts.open_session(request.form.get("username", ""), request.form.get("password", ""),
                                          HOURS, _runtime().uow())
        except Unauthorized:
            error = _("Wrong username or password.")
        else:
            session.clear()  # a new CSRF secret with the new session
            response = redirect(safe_next(request.args.get("next")))
            response.set_cookie(COOKIE, token, max_age=HOURS * 3600, **_cookie_flags())
            return response
    return render_template("web/login.html", error=error), (401 if error else 200)


@blp.post("/logout")
def logout():
    token = request.cookies.get(COOKIE)
    if token:
        accounts.close_session(token, _runtime().uow())
    session.clear()
    response = redirect(url_for("web_auth.login"))
    response.delete_cookie(COOKIE, **_cookie_flags())
    return response


@blp.post("/language")
@login_required
def language():
    choice = request.form.get("language")
    if choice in ("en", "zh"):
        accounts.set_language(web_actor(), choice, _runtime().uow())
    return redirect(safe_next(request.form.get("next")))
