"""Benchmark of the competency tree with a state framework of 2,000 items (issue 10 point 12);
not part of the test suite.

Builds a temporary database with a class that uses a generated framework of ``--items``
competencies (strands of ``--per-strand`` items, state-standard-length names), signs a
student in and fetches the new-entry form, the project timeline (its competency filter is the
same tree) and the rubric builder as its teacher, ``--runs`` times each. Prints the page
sizes (raw and gzip, as a server would send them) and the median and maximum render times.
Exits with status 1 when the entry form is over the targets.

    python tests/benchmarks/bench_competency_tree.py [--items 2000] [--runs 5]"""

import argparse
import gzip
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

TARGET_BYTES = 600_000      # the entry form, uncompressed
TARGET_MEDIAN_SECONDS = 1.0


def _framework(items: int, per_strand: int):
    from cbl.competencies.models import Competency, CompetencyFramework

    framework = CompetencyFramework(title="State standards (generated)")
    strand = None
    for n in range(items):
        if n % per_strand == 0:
            strand = Competency(code=f"ST.{n // per_strand + 1}", position=n,
                                short_name=f"Strand {n // per_strand + 1}: reasoning with evidence in context")
            framework.competencies.append(strand)
        else:
            framework.competencies.append(Competency(
                code=f"ST.{n // per_strand + 1}.{n % per_strand}", position=n, parent=strand,
                short_name=f"Analyze how sources support claim {n} and evaluate the strength of evidence"))
    return framework


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=2000)
    parser.add_argument("--per-strand", type=int, default=20)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    from cbl import create_app
    from cbl.competencies.services import choose_frameworks
    from cbl.extensions import db
    from tests import factories

    with tempfile.TemporaryDirectory() as folder:
        app = create_app({"TESTING": True, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False,
                          "UPLOAD_FOLDER": str(Path(folder) / "uploads"),
                          "SQLALCHEMY_DATABASE_URI": f"sqlite:///{Path(folder) / 'bench.sqlite'}"})
        with app.app_context():
            db.create_all()
            framework = _framework(args.items, args.per_strand)
            db.session.add(framework)
            teacher, student = factories.make_user("teacher"), factories.make_user("student")
            classroom = factories.make_classroom(teacher)
            project = factories.make_project(factories.make_team(classroom, student))
            choose_frameworks(classroom.id, [framework.id])
            db.session.commit()
            pages = {"entry form": (student, f"/projects/{project.id}/entries/new?kind=note"),
                     "timeline": (student, f"/projects/{project.id}/portfolio"),
                     "rubric builder": (teacher, "/rubrics/new")}
            emails = {who: who.email for who, _url in pages.values()}
        results = {}
        for name, (who, url) in pages.items():
            client = app.test_client()
            client.post("/login", data={"email": emails[who], "password": factories.PASSWORD})
            times, body = [], b""
            for _run in range(args.runs):
                started = time.perf_counter()
                response = client.get(url)
                times.append(time.perf_counter() - started)
                body = response.data
                assert response.status_code == 200, (name, response.status_code)
            results[name] = (len(body), len(gzip.compress(body)), statistics.median(times), max(times))
    print(f"{args.items} competencies, {args.runs} runs each")
    for name, (size, packed, median, worst) in results.items():
        print(f"{name:15} {size / 1000:8.1f} kB ({packed / 1000:6.1f} kB gzip)  "
              f"median {median * 1000:7.1f} ms  max {worst * 1000:7.1f} ms")
    size, _packed, median, _worst = results["entry form"]
    return 0 if size <= TARGET_BYTES and median <= TARGET_MEDIAN_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
