"""Web pages: fleet (being built)."""
from flask import Blueprint

blp = Blueprint("web_fleet", __name__)
