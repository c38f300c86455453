"""The landing page: what is running and where the API and its documentation are."""
from __future__ import annotations

from flask import Blueprint, render_template_string

blp = Blueprint("home", __name__)

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Jieyue 节约</title></head>
<body>
<h1>Jieyue 节约 — green procurement and official vehicles</h1>
<p lang="zh">节约型机关：办公用品统一审批采购、公务用车集中调度。</p>
<ul>
  <li><a href="{{ url_for('web_auth.login') }}">Log in / 登录</a></li>
  <li><a href="{{ url_for('docs.page') }}">API documentation (Swagger UI) / 接口文档</a></li>
  <li><a href="{{ url_for('api-docs.openapi_json') }}">OpenAPI document</a></li>
</ul>
<p>Get a token: <code>curl -X POST -H 'Content-Type: application/json'
 -d '{"username": "staff1", "password": "…"}' {{ request.host_url }}api/v1/auth/tokens</code></p>
</body></html>"""


@blp.get("/")
def index():
    return render_template_string(PAGE)
