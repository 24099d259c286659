"""The assessment area's blueprint; its routes live in the ``views`` modules of its subpackages
(``grading``, ``mastery``, ``rubrics``, ``goals``)."""

from flask import Blueprint

bp = Blueprint("assessment", __name__)
