"""The landing page: what is running and where the API and its documentation are."""
from __future__ import annotations

from flask import Blueprint, render_template

blp = Blueprint("home", __name__)



@blp.get("/")
def index():
    return render_template("home.html")
