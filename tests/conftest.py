"""Test fixtures: an application per test on a database whose tables are created once per
run and emptied after every test.

SQLite in a temporary folder by default; PostgreSQL when ``CBL_TEST_DATABASE_URL`` is set,
in a schema of its own that is dropped at the end, so the server is left as it was found."""

import os
import secrets
import tempfile
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask import has_app_context
from flask.testing import FlaskClient
from sqlalchemy import event, text

# Tests never read a developer's instance/ folder or environment settings.
_INSTANCE = tempfile.mkdtemp(prefix="cbl-test-instance-")
os.environ["CBL_INSTANCE_PATH"] = _INSTANCE
for _name in ("DATABASE_URL", "SECRET_KEY", "UPLOAD_FOLDER", "RATELIMIT_STORAGE_URI"):
    os.environ.pop(_name, None)

from cbl import create_app  # noqa: E402
from cbl.config import normalise_database_url  # noqa: E402
from cbl.extensions import db  # noqa: E402

from tests import factories  # noqa: E402


def _postgres_schema_options(url: str, schema: str) -> dict:
    return {"connect_args": {"options": f"-csearch_path={schema}"}}


@pytest.fixture(scope="session")
def database():
    """(url, engine options, dialect name) of the database the run uses."""
    pg_url = os.environ.get("CBL_TEST_DATABASE_URL")
    if not pg_url:
        path = Path(tempfile.mkdtemp(prefix="cbl-test-db-")) / "test.sqlite"
        yield {"url": f"sqlite:///{path}", "options": {}, "schema": None}
        return
    import psycopg

    url = normalise_database_url(pg_url)
    plain = url.replace("postgresql+psycopg://", "postgresql://")
    schema = f"cbl_test_{os.getpid()}_{secrets.token_hex(4)}"
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield {"url": url, "options": _postgres_schema_options(url, schema), "schema": schema, "plain": plain}
    finally:
        with psycopg.connect(plain, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


class IsolatedClient(FlaskClient):
    """A test client whose every request runs in an application context of its own, as in
    production: ``g`` (where Flask-Login caches the user) and the database session do not
    carry over from the test or from an earlier request. The test's own session is committed
    first, so the request sees the test's data and never waits on the test's transaction."""

    def open(self, *args, **kwargs):
        if has_app_context():
            db.session.commit()
        with self.application.app_context():
            return super().open(*args, **kwargs)


def make_app(database, **overrides):
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": database["url"],
        "SQLALCHEMY_ENGINE_OPTIONS": database["options"],
        "WTF_CSRF_ENABLED": False,
        "UPLOAD_FOLDER": str(Path(_INSTANCE) / "uploads"),
        "JOBS_IMMEDIATE": True,  # jobs run in the test, at once (tests/test_jobs.py also runs a worker)
    }
    config.update(overrides)
    app = create_app(config)
    app.test_client_class = IsolatedClient
    return app


@pytest.fixture(scope="session")
def _tables(database):
    app = make_app(database)
    with app.app_context():
        db.create_all()
        db.engine.dispose()
    yield


def _empty_tables() -> None:
    tables = list(reversed(db.metadata.sorted_tables))
    if db.engine.dialect.name == "postgresql":
        names = ", ".join(f'"{t.name}"' for t in tables)
        db.session.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    else:
        for table in tables:
            db.session.execute(table.delete())
    db.session.commit()


@pytest.fixture
def app(database, _tables, request, tmp_path):
    overrides = {"UPLOAD_FOLDER": str(tmp_path / "uploads"), **(getattr(request, "param", None) or {})}
    app = make_app(database, **overrides)
    with app.app_context():
        yield app
        db.session.remove()
        _empty_tables()
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


class Auth:
    """Sign a test client in as a user: through the real form, or by setting the session."""

    def __init__(self, client):
        self.client = client

    def login(self, user, password: str = factories.PASSWORD):
        return self.client.post("/login", data={"email": user.email, "password": password})

    def as_user(self, user) -> None:
        """Start a session for ``user`` without the sign-in form (fast, for matrices)."""
        with self.client.session_transaction() as session:
            session["_user_id"] = user.session_token
            session["_fresh"] = True

    def logout(self):
        return self.client.post("/logout")


@pytest.fixture
def auth(client):
    return Auth(client)


@contextmanager
def count_queries():
    """Count the SQL statements run inside the block: ``with count_queries() as counter``,
    then ``counter.count`` (and ``counter.statements`` to see them)."""

    class Counter:
        count = 0
        statements: list[str] = []

    counter = Counter()
    counter.statements = []

    def before(conn, cursor, statement, parameters, context, executemany):
        if statement.strip().upper().startswith(("BEGIN", "SAVEPOINT", "RELEASE", "COMMIT", "ROLLBACK")):
            return
        counter.count += 1
        counter.statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", before)
    try:
        yield counter
    finally:
        event.remove(db.engine, "before_cursor_execute", before)


@pytest.fixture
def queries():
    return count_queries


@pytest.fixture(autouse=True)
def _app_context(app):
    """Every test runs inside an application context with an empty database."""
    yield
