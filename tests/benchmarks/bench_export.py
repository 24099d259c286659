"""Memory benchmark of the portfolio export; not part of the test suite.

For each portfolio size, one child process builds a project whose entries each show a
photo of their own (random bytes of ``--photo-kb`` kB, stored as a display rendition) and a
few paragraphs of text, in a temporary SQLite database and upload folder. A second, fresh
child process downloads ``/projects/<id>/export.zip`` as a teacher through the test client,
reading the streamed body chunk by chunk and keeping only its length, and reports its peak
RSS before and after the download, the Python heap's peak during it (tracemalloc) and the
largest chunk. Memory that does not grow with the number of entries is the point; exits
with status 1 when the largest portfolio needs more than ``--budget-mb`` over the smallest.

    python tests/benchmarks/bench_export.py [--entries 25,250] [--photo-kb 300] [--budget-mb 20]"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _app(folder: Path):
    from cbl import create_app

    return create_app({"TESTING": True, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False,
                       "UPLOAD_FOLDER": str(folder / "uploads"),
                       "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'bench.sqlite'}"})


def generate(folder: Path, entries: int, photo_kb: int) -> None:
    """A class, a team of two, a project with ``entries`` photo entries; ids in world.json."""
    import hashlib

    from cbl.extensions import db
    from cbl.markdown import render_markdown
    from cbl.portfolio.models import Blob, Entry, EntryAttachment, EntryKind, Visibility
    from cbl.projects.models import Phase
    from cbl.storage import blob_key, get_storage
    from tests import factories

    os.environ["CBL_INSTANCE_PATH"] = str(folder)
    app = _app(folder)
    with app.app_context():
        db.create_all()
        teacher = factories.make_user("teacher")
        classroom = factories.make_classroom(teacher)
        project = factories.make_project(factories.make_team(classroom, factories.make_user(), factories.make_user()))
        body = "\n\n".join(["We measured the rain on the roof again and wrote down what we found."] * 6)
        html = str(render_markdown(body))
        for n in range(entries):
            photo = os.urandom(photo_kb * 1024)
            sha = hashlib.sha256(photo).hexdigest()
            key = blob_key(sha, "display", "jpg")
            get_storage().put(key, photo)
            blob = Blob(sha256=sha, source_format="JPEG", width=1600, height=1200, display_key=key,
                        display_type="image/jpeg", thumb_key=key, thumb_type="image/jpeg")
            entry = Entry(project_id=project.id, author_id=teacher.id, kind=EntryKind.IMAGE, title=f"Photo {n}",
                          body=body, body_html=html, phase=Phase.INVESTIGATE, visibility=Visibility.TEAM)
            entry.attachments.append(EntryAttachment(blob=blob, alt_text=f"Photo number {n}"))
            db.session.add(entry)
            if n % 50 == 49:
                db.session.commit()
        db.session.commit()
        world = {"project_id": project.id, "token": teacher.session_token}
    (folder / "world.json").write_text(json.dumps(world))


def _rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def measure(folder: Path) -> dict:
    """Download the export once, chunk by chunk; return sizes, time and memory figures."""
    os.environ["CBL_INSTANCE_PATH"] = str(folder)
    world = json.loads((folder / "world.json").read_text())
    app = _app(folder)
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"], session["_fresh"] = world["token"], True
    client.get("/home")  # load the application's code and templates before measuring
    before_mb = _rss_mb()
    tracemalloc.start()
    started = time.perf_counter()
    response = client.get(f"/projects/{world['project_id']}/export.zip", buffered=False)
    total, largest, chunks, crc = 0, 0, 0, 0
    for chunk in response.response:
        total, largest, chunks = total + len(chunk), max(largest, len(chunk)), chunks + 1
        crc = zlib.crc32(chunk, crc)
    response.close()
    seconds = time.perf_counter() - started
    heap_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert response.status_code == 200, response.status_code
    return {"bytes": total, "chunks": chunks, "largest_chunk": largest, "seconds": seconds,
            "rss_before_mb": before_mb, "rss_peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "heap_peak_mb": heap_peak / 2**20}


def _child(*args: str) -> str:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run([sys.executable, __file__, *args], check=True, stdout=subprocess.PIPE, text=True,
                            env=env, cwd=ROOT)
    return result.stdout


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", default="25,250", help="portfolio sizes to compare (default 25,250)")
    parser.add_argument("--photo-kb", type=int, default=300, help="size of each photo in kB (default 300)")
    parser.add_argument("--budget-mb", type=float, default=20, help="allowed growth of peak RSS (default 20)")
    parser.add_argument("--generate", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--count", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.generate:
        generate(args.generate, args.count, args.photo_kb)
        return 0
    if args.measure:
        print(json.dumps(measure(args.measure)))
        return 0
    reports = []
    for count in (int(n) for n in args.entries.split(",")):
        with tempfile.TemporaryDirectory(prefix="cbl-bench-export-") as folder:
            _child("--generate", folder, "--count", str(count), "--photo-kb", str(args.photo_kb))
            report = json.loads(_child("--measure", folder))
        reports.append(report)
        print(f"{count:5d} entries: ZIP {report['bytes'] / 2**20:7.1f} MB in {report['chunks']} chunks "
              f"(largest {report['largest_chunk'] // 1024} kB), {report['seconds']:.2f} s; "
              f"RSS {report['rss_before_mb']:.0f} MB before, peak {report['rss_peak_mb']:.0f} MB; "
              f"Python heap peak during the download {report['heap_peak_mb']:.1f} MB")
    growth = reports[-1]["rss_peak_mb"] - reports[0]["rss_peak_mb"]
    ok = growth <= args.budget_mb
    print(f"peak RSS grew by {growth:.1f} MB from the smallest to the largest portfolio "
          f"(budget {args.budget_mb:.0f} MB): " + ("met" if ok else "MISSED"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
