"""Web pages: finance (being built)."""
from flask import Blueprint

blp = Blueprint("web_finance", __name__)
