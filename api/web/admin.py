"""Web pages: admin (being built)."""
from flask import Blueprint

blp = Blueprint("web_admin", __name__)
