"""The interactive API documentation, served with Swagger UI files from the app itself (no CDN)."""
from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, render_template_string, send_from_directory
from swagger_ui_bundle import swagger_ui_path

blp = Blueprint("docs", __name__, url_prefix="/api/v1/docs")

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Jieyue API</title>
<link rel="stylesheet" href="{{ url_for('docs.asset', filename='swagger-ui.css') }}"></head>
<body><div id="swagger-ui"></div>
<script src="{{ url_for('docs.asset', filename='swagger-ui-bundle.js') }}"></script>
<script src="{{ url_for('docs.init') }}"></script></body></html>"""

# Kept out of the page so a CSP without inline scripts can hold.
INIT = """window.onload = function () {
  window.ui = SwaggerUIBundle({url: "/api/v1/openapi.json", dom_id: "#swagger-ui"});
};"""


@blp.get("")
def page():
    return render_template_string(PAGE)


@blp.get("/init.js")
def init():
    return Response(INIT, mimetype="application/javascript")


@blp.get("/assets/<path:filename>")
def asset(filename):
    return send_from_directory(Path(swagger_ui_path), filename, max_age=86400)
