"""One way to paginate a list page."""

from flask import current_app, request
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select

from cbl.extensions import db

MAX_PAGE = 10_000


def paginate(stmt: Select) -> Pagination:
    """The page of ``stmt`` named by ``?page=`` (1 when missing, odd or absurd), with the
    configured page size."""
    page = request.args.get("page", 1, type=int) or 1
    page = min(max(page, 1), MAX_PAGE)
    return db.paginate(stmt, page=page, per_page=current_app.config["PAGE_SIZE"], error_out=False)
