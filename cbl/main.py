"""Home page and health check."""

from flask import Blueprint, jsonify, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import text

from cbl.extensions import db

bp = Blueprint("main", __name__)


@bp.get("/")
def home():
    """Anonymous visitors see the welcome page; signed-in people their own home."""
    if not current_user.is_authenticated:
        return render_template("main/welcome.html")
    return redirect(url_for("projects.home"))


@bp.get("/healthz")
def healthz():
    """200 when the application and its database answer, 503 when the database does not."""
    try:
        db.session.execute(text("SELECT 1"))
        db.session.rollback()
    except Exception:  # any failure to reach the database is the answer here
        db.session.rollback()
        return jsonify(status="error", database="error"), 503
    return jsonify(status="ok", database="ok")
