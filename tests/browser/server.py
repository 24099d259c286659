"""The live server the browser tests drive: ``python -m tests.browser.server INSTANCE_DIR``.

It builds the application on a fresh SQLite database in ``INSTANCE_DIR`` (always SQLite,
whatever ``CBL_TEST_DATABASE_URL`` says: the browser tests check pages, not the database),
creates the tables, seeds the demo school, and serves on a free port of 127.0.0.1 with
CSRF protection on and mail written as .eml files to ``INSTANCE_DIR/mail`` (jobs run at once). It prints
``PORT <n>`` once it listens, then serves until it is terminated."""

import sys
from pathlib import Path

from werkzeug.serving import make_server


def build_app(instance: Path):
    """The application configured for the browser tests, its database created and seeded."""
    from cbl import create_app
    from cbl.demo import seed_demo
    from cbl.extensions import db

    app = create_app({
        "SECRET_KEY": "browser-tests",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance / 'cbl.sqlite'}",
        "SQLALCHEMY_ENGINE_OPTIONS": {},
        "UPLOAD_FOLDER": str(instance / "uploads"),
        "MAIL_BACKEND": "file",
        "MAIL_FOLDER": str(instance / "mail"),
        "RATELIMIT_STORAGE_URI": "memory://",
        "JOBS_IMMEDIATE": True,  # mail is written before the page answers: the tests open it at once
    })
    with app.app_context():
        db.create_all()
        seed_demo()
    return app


def main() -> None:
    instance = Path(sys.argv[1]).resolve()
    app = build_app(instance)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    print(f"PORT {server.server_port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
