"""CBL Tracker: challenge-based learning projects for schools."""

import os
import secrets
from pathlib import Path
from typing import Any, Mapping

from flask import Flask
from werkzeug.routing import IntegerConverter

from cbl import config as config_module
from cbl.extensions import babel, csrf, db, login_manager, migrate

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the application.

    Settings come from :class:`cbl.config.Defaults`, then ``instance/config.py``, then the
    environment (``DATABASE_URL``, ``SECRET_KEY``, ``UPLOAD_FOLDER``, any ``CBL_NAME``), then
    ``config`` (tests pass a mapping)."""
    instance_path = os.environ.get("CBL_INSTANCE_PATH") or str(ROOT / "instance")
    app = Flask(
        __name__,
        instance_path=instance_path,
        instance_relative_config=True,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    app.config.from_object(config_module.Defaults)
    app.config.from_pyfile("config.py", silent=True)
    app.config.update(config_module.from_environment())
    if config:
        app.config.update(config)
    if isinstance(app.config.get("TRUSTED_HOSTS"), str):  # CBL_TRUSTED_HOSTS="cbl.school.org,www.cbl.school.org"
        app.config["TRUSTED_HOSTS"] = [h.strip() for h in app.config["TRUSTED_HOSTS"].split(",") if h.strip()]
    _fill_runtime_defaults(app)

    app.jinja_env.add_extension("jinja2.ext.do")
    app.url_map.converters["int"] = BoundedInt
    _init_extensions(app)
    _register_blueprints(app)

    from cbl import cli, errors_http, i18n, jobs, once, permissions

    jobs.load_task_modules()

    cli.register(app)
    errors_http.register(app)
    i18n.register(app)
    once.register(app)
    permissions.register_template_helpers(app)
    return app


class BoundedInt(IntegerConverter):
    """``<int:…>`` in every route stops at the largest id a database column holds, so an
    absurd id in a URL is simply not found instead of overflowing the database driver."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


def _fill_runtime_defaults(app: Flask) -> None:
    """Defaults that live in ``instance/``: the SQLite database, uploads and the secret key."""
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + str(Path(app.instance_path) / "cbl.sqlite")
    if not app.config.get("UPLOAD_FOLDER"):
        app.config["UPLOAD_FOLDER"] = str(Path(app.instance_path) / "uploads")
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret_key(Path(app.instance_path) / "secret_key")


def _instance_secret_key(path: Path) -> str:
    """Read the key generated on first start, or generate it (readable by the owner only)."""
    if path.exists():
        return path.read_text().strip()
    key = secrets.token_hex(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key + "\n")
    return key


def _init_extensions(app: Flask) -> None:
    from cbl import database, jobs, ratelimit

    db.init_app(app)
    with app.app_context():
        database.configure_engine(db.engine)
    migrate.init_app(app, db, directory=str(Path(__file__).parent / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    ratelimit.init_app(app)
    jobs.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.session_protection = "basic"
    from cbl.accounts import sessions

    sessions.register(app, login_manager)


def _register_blueprints(app: Flask) -> None:
    from cbl.accounts.views import admin_bp, bp as accounts_bp
    from cbl.assessment.blueprint import bp as assessment_bp
    from cbl.competencies.views import bp as competencies_bp
    from cbl.feedback import comment_views, partner_views  # noqa: F401  (routes register on feedback_bp)
    from cbl.feedback.views import bp as feedback_bp
    from cbl.main import bp as main_bp
    from cbl.notifications.views import bp as notifications_bp
    from cbl.portfolio import media_views, publish_views, views as portfolio_views  # noqa: F401  (routes register)
    from cbl.portfolio import export_views, recovery_views  # noqa: F401  (routes register)
    from cbl.portfolio.blueprint import bp as portfolio_bp
    from cbl.projects import element_views, lifecycle_views, views  # noqa: F401  (routes register on the blueprint)
    from cbl.projects.blueprint import bp as projects_bp
    from cbl.teams.views import bp as teams_bp
    from cbl.teams import name_views  # noqa: F401  (routes register on teams_bp)
    from cbl.teams import roster_views  # noqa: F401  (the roster's routes register on teams_bp)
    from cbl.assessment import models as _assessment_models  # noqa: F401  (the views modules import it too)
    from cbl.assessment import lifecycle as _assessment_lifecycle  # noqa: F401  (registers lifecycle hooks)
    # The assessment area's views register on assessment_bp (one import line each):
    from cbl.assessment.mastery import views as mastery_views  # noqa: F401
    from cbl.assessment.goals import views as goal_views  # noqa: F401
    from cbl.assessment.grading import views as grading_views  # noqa: F401
    from cbl.assessment.rubrics import views as rubric_views  # noqa: F401
    from cbl.assessment.partner import views as partner_rating_views  # noqa: F401
    from cbl.accounts import school_views  # noqa: F401  (the admin's School settings page)
    from cbl.accounts import recovery_views  # noqa: F401  (forgotten passwords and one-time passwords)
    from cbl.sso.views import bp as sso_bp  # (its admin page registers on admin_bp)
    # What waits for a teacher (their home and digest): one source module per area.
    from cbl.assessment import inbox as _a  # noqa: F401
    from cbl.feedback import inbox as _f  # noqa: F401
    from cbl.portfolio import inbox as _p  # noqa: F401
    from cbl.projects import inbox as _j  # noqa: F401
    # The audit log in words: names of its objects and details, one module per area.
    from cbl.assessment import audit_names as _an  # noqa: F401
    from cbl.feedback import audit_names as _fn  # noqa: F401
    from cbl.sso import audit_names as _sn  # noqa: F401

    for blueprint in (main_bp, accounts_bp, admin_bp, teams_bp, projects_bp, portfolio_bp, feedback_bp, assessment_bp,
                      notifications_bp):
        app.register_blueprint(blueprint)
    app.register_blueprint(competencies_bp)
    from cbl.cards.views import bp as cards_bp  # sign-in cards (also registers their audit words)
    app.register_blueprint(cards_bp)
    from cbl.schools.views import bp as schools_bp
    app.register_blueprint(schools_bp)
    from cbl.rosters.views import bp as rosters_bp
    app.register_blueprint(rosters_bp)
    app.register_blueprint(sso_bp)
