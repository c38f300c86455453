"""Security on every answer: headers (CSP, nosniff, no framing, HSTS), no-store, same-origin forms, safe redirects."""
from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit

from flask import render_template, request, url_for
from flask_babel import gettext as _

CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
       "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
       "frame-ancestors 'none'")
# A year; not includeSubDomains, as the office's other hosts (under the same domain) are not ours to decide.
HSTS = "max-age=31536000"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# The same for everyone, and cached by the browser: the app's static files and Swagger UI's.
PUBLIC_FILES = frozenset({"static", "favicon", "docs.asset", "docs.init"})
# Browsers drop tabs and newlines anywhere in a URL and leading/trailing C0 controls and spaces.
_DROPPED = re.compile(r"[\t\n\r]")
_C0_OR_SPACE = "".join(map(chr, range(0x21)))
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# Encodings are undone this many times at most; a target still changing after that is refused.
_DECODE_ROUNDS = 4


def _as_a_browser_reads(target: str) -> str:
    # And a backslash is a slash in an http(s) URL.
    return _DROPPED.sub("", target).strip(_C0_OR_SPACE).replace("\\", "/")


def _same_site_path(target: str) -> bool:
    # "/x" stays on this site; "//host", "/\\host" (read as "//host"), "http:x", "javascript:x" and
    # everything not starting with one slash do not. A control character has no business in a path.
    return target[:1] == "/" and target[1:2] != "/" and not _CONTROL.search(target)


def safe_next(target: str | None) -> str:
    """`target` cleaned as a browser would read it when it is a path of this site, else the home page.

    The decoded forms are judged too ("/%2F%2Fevil", "/%5Cevil", "/%0d%0a..."): no path of this site
    carries an encoded slash at its start or an encoded control character, and a later hop (a proxy,
    a second redirect) may decode them. The answer never holds CR or LF, so it cannot split a header.
    """
    home = url_for("web_pages.home")
    if not target:
        return home
    cleaned = _as_a_browser_reads(target)
    if not _same_site_path(cleaned):
        return home
    decoded = cleaned
    for _round in range(_DECODE_ROUNDS):
        try:
            once = unquote(decoded, errors="strict")
        except UnicodeDecodeError:  # bytes that are no text: no path of this site
            return home
        if once == decoded:
            break
        if _CONTROL.search(once) or not _same_site_path(_as_a_browser_reads(once)):
            return home
        decoded = once
    else:
        return home
    return cleaned


def _origin_of(url: str) -> tuple[str, str | None, int | None] | None:
    try:
        parts = urlsplit(url)
        return parts.scheme.lower(), parts.hostname, parts.port or {"http": 80, "https": 443}.get(parts.scheme)
    except ValueError:
        return None


def _foreign_origin() -> bool:
    """A form sent from another site: its Origin (or, on HTTPS without an Origin, its Referer) is not ours."""
    ours = _origin_of(request.host_url)
    origin = request.headers.get("Origin")
    if origin is not None:
        # "null" is a sandboxed frame, a file or a cross-site redirect: never one of our pages.
        return origin == "null" or _origin_of(origin) != ours
    referrer = request.headers.get("Referer")
    return bool(request.is_secure and referrer) and _origin_of(referrer) != ours


def _checks_forms(app) -> bool:
    """A POST Flask-WTF checks for a CSRF token: the web pages. The JSON API (bearer tokens), the e-mail
    links (their own secret), probes and scrapes are exempt there, and so here: one list of exemptions."""
    csrf = app.extensions.get("csrf")
    return bool(request.endpoint) and csrf is not None and not csrf._is_exempt()


def register(app) -> None:
    """Register before the CSRF check (web.register), so a foreign form is a 403 whatever its token."""

    @app.before_request
    def _refuse_foreign_forms():
        if (request.method in UNSAFE_METHODS and app.config.get("WTF_CSRF_ENABLED", True)
                and _checks_forms(app) and _foreign_origin()):
            message = _("This form was sent from another site, so it was refused. Open Jieyue and try again.")
            return render_template("web/error.html", message=message, errors={}), 403
        return None

    @app.after_request
    def _headers(response):
        # Styles may be inline (Mermaid and ECharts set them); scripts never are.
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if app.config.get("SESSION_COOKIE_SECURE"):
            response.headers.setdefault("Strict-Transport-Security", HSTS)
        # A person's page, an answer for a token (or holding one), an e-mail link's page, a cookie: none
        # may stay in a shared cache or the browser's history. Only the public files may be kept.
        if request.endpoint not in PUBLIC_FILES:
            response.headers["Cache-Control"] = "no-store"
        return response
