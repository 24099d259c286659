"""Benchmark of the OneRoster import (not a test): ``make bench-roster``.

Generates a district of 20,000 users, 1,000 classes and 60,000 enrollments (with its orgs,
sessions, courses and roles) into a temporary ZIP, then prints the time of the preview, of
the import, of a second identical import (which must change nothing) and the peak memory.
Targets on a 2-core machine: preview < 30 s, import < 60 s, second import < 30 s, peak
memory < 500 MB.

The database is a fresh SQLite file, or PostgreSQL when ``DATABASE_URL`` names one: the
benchmark then works in a schema of its own, dropped afterwards."""

import os
import resource
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from cbl import create_app  # noqa: E402
from cbl.extensions import db  # noqa: E402
from tests import oneroster_files  # noqa: E402

TARGETS = {"preview": 30, "import": 60, "second import": 30}


def _database(tmp: Path) -> tuple[str, dict, str | None]:
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgresql"):
        schema = f"bench_{uuid.uuid4().hex[:8]}"
        return url, {"connect_args": {"options": f"-csearch_path={schema}"}}, schema
    return f"sqlite:///{tmp / 'bench.sqlite'}", {}, None


def _timed(label: str, function):
    start = time.perf_counter()
    result = function()
    seconds = time.perf_counter() - start
    verdict = "ok" if seconds < TARGETS[label] else f"OVER the {TARGETS[label]} s target"
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    print(f"{label:>14}: {seconds:6.1f} s  ({verdict}; peak memory so far {rss} MB)", flush=True)
    return result


def main() -> int:
    users = int(os.environ.get("BENCH_USERS", 20_000))
    classes = int(os.environ.get("BENCH_CLASSES", 1_000))
    enrollments = int(os.environ.get("BENCH_ENROLLMENTS", 60_000))
    with tempfile.TemporaryDirectory(prefix="cbl-bench-roster-") as tmp_name:
        tmp = Path(tmp_name)
        url, engine_options, schema = _database(tmp)
        start = time.perf_counter()
        files = oneroster_files.big_district(users, classes, enrollments)
        zip_path = oneroster_files.write_zip(tmp / "district.zip", files)
        del files
        print(f"Generated {users} users, {classes} classes, {enrollments} enrollments "
              f"({zip_path.stat().st_size // 1024} KB zipped) in {time.perf_counter() - start:.1f} s "
              f"on {url.split(':')[0]} (peak memory so far "
              f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024} MB).", flush=True)
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SQLALCHEMY_ENGINE_OPTIONS": engine_options,
                          "SECRET_KEY": "bench", "UPLOAD_FOLDER": str(tmp / "uploads")})
        with app.app_context():
            if schema:
                with db.engine.begin() as connection:
                    connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
            try:
                db.create_all()
                return _run(zip_path)
            finally:
                db.session.remove()
                if schema:
                    with db.engine.begin() as connection:
                        connection.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
                db.engine.dispose()


def _run(zip_path: Path) -> int:
    from cbl.rosters import services

    plan = _timed("preview", lambda: services.preview(zip_path))
    assert plan.ok, plan.problems[:5]
    print(f"{'':>16}{len(plan.changes)} changes planned", flush=True)
    plan, run = _timed("import", lambda: services.run_import(zip_path, None, zip_path.name))
    assert run is not None
    plan, run = _timed("second import", lambda: services.run_import(zip_path, None, zip_path.name))
    print(f"{'':>16}second import: {len(plan.changes)} changes ({run.outcome.value})", flush=True)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{'peak memory':>14}: {peak_mb:6.0f} MB  ({'ok' if peak_mb < 500 else 'OVER the 500 MB target'})")
    return 0 if not plan.changes else 1


if __name__ == "__main__":
    sys.exit(main())
