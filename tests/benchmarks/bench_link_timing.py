"""How long "email me a sign-in link" and "forgot your password?" take for an address with an
account and for an unknown one
(``make bench-link-timing``); not part of the test suite.

Before mail went onto the job queue the answer took about 0.9 s for a guest's address (the
mail was sent in the request) and 9 ms for an unknown one: the time told who has an account.
Now both queue one job (which looks the address up) and take about the same time. The
application runs as in production: a SQLite database and the SQLite job queue in a temporary
folder, no worker (the queued jobs are only counted), rate limits off. Prints the median and
the 90th percentile of each, and their difference; then the same for the join-code sign-up
with a new and a taken address (fewer rounds: it hashes the password, on purpose slow).

    python tests/benchmarks/bench_link_timing.py [--rounds 200] [--signup-rounds 20]"""

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--signup-rounds", type=int, default=20)
    args = parser.parse_args()

    from cbl import create_app
    from cbl.accounts.models import Role
    from cbl.accounts.services import create_user
    from cbl.extensions import db
    from cbl.jobs import huey
    from cbl.teams.models import Classroom

    folder = Path(tempfile.mkdtemp(prefix="cbl-bench-link-"))
    app = create_app({"SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'cbl.sqlite'}",
                      "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False, "MAIL_BACKEND": "file",
                      "MAIL_FOLDER": str(folder / "mail"), "JOBS_IMMEDIATE": False,
                      "JOBS_URL": f"sqlite:///{folder / 'jobs.sqlite'}"})
    with app.app_context():
        db.create_all()
        create_user("guest@example.org", "Jordan Guest", "a long enough password", Role.PARTNER)
        create_user("taken@example.org", "Kai Taken", "a long enough password", Role.STUDENT)
        classroom = Classroom(name="Grade 8", term="Fall")
        db.session.add(classroom)
        db.session.commit()
        code = classroom.join_code
    client = app.test_client()

    print("Email me a sign-in link (POST /login/link):")
    _measure(client, "/login/link", args.rounds, {"known": {"email": "guest@example.org"},
                                                  "unknown": {"email": "nobody@example.org"}})
    print("Forgot your password? (POST /login/forgot):")
    _measure(client, "/login/forgot", args.rounds, {"known": {"email": "taken@example.org"},
                                                    "unknown": {"email": "nobody@example.org"}})
    signup = {"join_code": code, "display_name": "Kai Moreno", "password": "puddle-patrol-26",
              "confirm": "puddle-patrol-26"}
    print("Sign up with a class code (POST /signup):")
    _measure(client, "/signup", args.signup_rounds, {"known": {**signup, "email": "taken@example.org"},
                                                     "unknown": {**signup, "email": "new@example.org"}})
    with app.app_context():
        print(f"jobs queued: {huey.pending_count()} (one per request: "
              f"{huey.pending_count() == 2 * (2 * args.rounds + args.signup_rounds + 6)})")


def _measure(client, path: str, rounds: int, forms: dict[str, dict]) -> None:
    """Post the known and the unknown form in turns; print the medians of ``rounds`` rounds."""
    timings: dict[str, list[float]] = {kind: [] for kind in forms}
    for round_ in range(rounds + 2):
        for kind in (("known", "unknown") if round_ % 2 else ("unknown", "known")):
            start = time.perf_counter()
            response = client.post(path, data=forms[kind])
            elapsed = time.perf_counter() - start
            assert response.status_code == 200, response.status_code
            if round_ >= 2:  # the first rounds warm up
                timings[kind].append(elapsed)
    for kind, values in timings.items():
        values.sort()
        print(f"  {kind:8} median {statistics.median(values) * 1000:7.2f} ms   "
              f"p90 {values[int(len(values) * 0.9)] * 1000:7.2f} ms   ({len(values)} requests)")
    difference = statistics.median(timings["known"]) - statistics.median(timings["unknown"])
    print(f"  difference of the medians: {difference * 1000:+.2f} ms")


if __name__ == "__main__":
    main()
