"""How long "email me a sign-in link" takes for a partner's address and for an unknown one
(``make bench-link-timing``); not part of the test suite.

Before mail went onto the job queue the answer took about 0.9 s for a guest's address (the
mail was sent in the request) and 9 ms for an unknown one: the time told who has an account.
Now both queue one job (a mail, or an empty job) and should take about the same time. The
application runs as in production: a SQLite database and the SQLite job queue in a temporary
folder, no worker (the queued jobs are only counted), rate limits off. Prints the median and
the 90th percentile of each, and their difference.

    python tests/benchmarks/bench_link_timing.py [--rounds 200]"""

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
    args = parser.parse_args()

    from cbl import create_app
    from cbl.accounts.models import Role
    from cbl.accounts.services import create_user
    from cbl.extensions import db
    from cbl.jobs import huey

    folder = Path(tempfile.mkdtemp(prefix="cbl-bench-link-"))
    app = create_app({"SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'cbl.sqlite'}",
                      "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False, "MAIL_BACKEND": "file",
                      "MAIL_FOLDER": str(folder / "mail"), "JOBS_IMMEDIATE": False,
                      "JOBS_URL": f"sqlite:///{folder / 'jobs.sqlite'}"})
    with app.app_context():
        db.create_all()
        create_user("guest@example.org", "Jordan Guest", "a long enough password", Role.PARTNER)
    client = app.test_client()
    timings: dict[str, list[float]] = {"known": [], "unknown": []}
    addresses = {"known": "guest@example.org", "unknown": "nobody@example.org"}
    for round_ in range(args.rounds + 10):
        for kind in (("known", "unknown") if round_ % 2 else ("unknown", "known")):
            start = time.perf_counter()
            response = client.post("/login/link", data={"email": addresses[kind]})
            elapsed = time.perf_counter() - start
            assert response.status_code == 200, response.status_code
            if round_ >= 10:  # the first rounds warm up
                timings[kind].append(elapsed)
    with app.app_context():
        queued = huey.pending_count()
    for kind, values in timings.items():
        values.sort()
        print(f"{kind:8} median {statistics.median(values) * 1000:7.2f} ms   "
              f"p90 {values[int(len(values) * 0.9)] * 1000:7.2f} ms   ({len(values)} requests)")
    difference = statistics.median(timings["known"]) - statistics.median(timings["unknown"])
    print(f"difference of the medians: {difference * 1000:+.2f} ms; jobs queued: {queued} "
          f"(one per request: {queued == 2 * (args.rounds + 10)})")


if __name__ == "__main__":
    main()
