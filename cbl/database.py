"""Engine set-up per database.

SQLite: every connection turns on WAL (readers never block the writer), foreign keys and a
busy timeout; a transaction that may write begins with ``BEGIN IMMEDIATE`` so that two
gunicorn workers queue for the write lock at the start instead of failing with
"database is locked" when a read transaction tries to upgrade. Requests that cannot write
(GET, HEAD, OPTIONS) begin a plain deferred transaction so reads run side by side; a
connection opened with the ``cbl_write`` execution option (the audit log's own writes during
such a request) begins immediately all the same.
"""

from flask import has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine

BUSY_TIMEOUT_MS = 15_000
READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def configure_engine(engine: Engine) -> None:
    """Install the per-connection settings the engine's database needs."""
    if engine.dialect.name != "sqlite":
        return
    if getattr(engine, "_cbl_configured", False):
        return
    engine._cbl_configured = True  # type: ignore[attr-defined]

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:
        # Let SQLAlchemy's "begin" event below issue BEGIN itself.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys = ON")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection) -> None:
        writing = connection.get_execution_options().get("cbl_write", False)
        if not writing and has_request_context() and request.method in READ_ONLY_METHODS:
            connection.exec_driver_sql("BEGIN")
        else:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
