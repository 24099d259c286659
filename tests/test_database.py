"""The schema made by the migrations, SQLite's settings for several workers, /healthz."""

import secrets
import tempfile
import threading
import time
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade
from sqlalchemy import select, text

from cbl.competencies.models import Competency

from cbl.extensions import db
from tests.conftest import make_app


@pytest.fixture
def fresh_database(database):
    """A database with no tables at all: a new SQLite file, or a new PostgreSQL schema."""
    if database["schema"] is None:
        path = Path(tempfile.mkdtemp(prefix="cbl-migrate-")) / "fresh.sqlite"
        yield {"url": f"sqlite:///{path}", "options": {}, "schema": None}
        return
    import psycopg

    schema = f"cbl_migrate_{secrets.token_hex(4)}"
    with psycopg.connect(database["plain"], autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield {"url": database["url"], "options": {"connect_args": {"options": f"-csearch_path={schema}"}},
               "schema": schema}
    finally:
        with psycopg.connect(database["plain"], autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def test_migrations_make_the_same_schema_as_the_models(fresh_database):
    app = make_app(fresh_database)
    with app.app_context():
        upgrade()
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, db.metadata)
        codes = set(db.session.scalars(select(Competency.code)))
        db.session.remove()
        db.engine.dispose()
    assert differences == []
    # Every database starts with the default competency framework, strands and all.
    assert {"COL", "COM", "CT", "CR", "SD", "CIV", "CT.2"} <= codes


def _sqlite_only():
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite connection settings")


def test_sqlite_connections_use_wal_foreign_keys_and_a_busy_timeout():
    _sqlite_only()
    with db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000


def test_concurrent_read_then_write_transactions_never_see_database_is_locked(app):
    """Workers that read and then write at the same time would fail with "database is
    locked" in deferred transactions; immediate ones queue, and no update is lost."""
    _sqlite_only()
    db.session.execute(text("CREATE TABLE IF NOT EXISTS counter_probe (id INTEGER PRIMARY KEY, n INTEGER)"))
    db.session.execute(text("INSERT INTO counter_probe (id, n) VALUES (1, 0)"))
    db.session.commit()
    errors: list[Exception] = []
    workers, rounds = 6, 5

    def work() -> None:
        with app.app_context():
            for _ in range(rounds):
                try:
                    n = db.session.execute(text("SELECT n FROM counter_probe WHERE id = 1")).scalar()
                    time.sleep(0.002)
                    db.session.execute(text("UPDATE counter_probe SET n = :n WHERE id = 1"), {"n": n + 1})
                    db.session.commit()
                except Exception as err:  # noqa: BLE001 — collected and asserted below
                    errors.append(err)
                    db.session.rollback()
            db.session.remove()

    threads = [threading.Thread(target=work) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    try:
        assert errors == []
        assert db.session.execute(text("SELECT n FROM counter_probe")).scalar() == workers * rounds
    finally:
        db.session.execute(text("DROP TABLE counter_probe"))
        db.session.commit()


def test_healthz_reports_ok_when_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_healthz_reports_503_when_the_database_is_unreachable(database):
    broken = make_app(database, SQLALCHEMY_DATABASE_URI="sqlite:////nonexistent-folder/nowhere/cbl.sqlite",
                      SQLALCHEMY_ENGINE_OPTIONS={})
    response = broken.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "error", "database": "error"}
