"""Web pages: purchasing (being built)."""
from flask import Blueprint

blp = Blueprint("web_purchasing", __name__)
