"""The assessment area's blueprint; its routes live in the ``*_views`` modules beside it."""

from flask import Blueprint

bp = Blueprint("assessment", __name__)
