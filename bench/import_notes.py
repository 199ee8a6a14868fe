"""Time of a 2,000-post import: a synthetic Ghost export, imported, then imported again.

    .venv/bin/python bench/import_notes.py [--posts 2000]

Runs on a throw-away SQLite file unless DATABASE_URL names another database (which it fills).
Prints the seconds of the first import (HTML → Markdown, render, save), of the second (nothing
changes: each post read and compared) and of an export of them all.
"""

import argparse
import json
import os
import sys
import tempfile
import time
from io import StringIO
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "solo.settings")
os.environ.setdefault("DEBUG", "true")
WORK = Path(tempfile.mkdtemp(prefix="solo-bench-import-"))
os.environ.setdefault("DATABASE_URL", f"sqlite:///{WORK / 'db.sqlite3'}")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402

PARAGRAPH = (
    "<p>A paragraph about <strong>models</strong>, <em>costs</em> and a "
    '<a href="https://example.org/x">link</a>, long enough to look like prose in a post.</p>'
)
BODY = (
    PARAGRAPH * 4
    + "<!--members-only-->"
    + "<h2>Details</h2>"
    + PARAGRAPH * 6
    + '<pre><code class="language-python">def f(x):\n    return x * 2\n</code></pre>'
    + "<table><tr><th>a</th><th>b</th></tr><tr><td>1</td><td>2</td></tr></table>"
)


def export(count: int) -> Path:
    posts = [
        {
            "id": f"p{n}",
            "title": f"Post number {n}",
            "slug": f"post-number-{n}",
            "html": BODY,
            "type": "post",
            "status": "published",
            "visibility": "paid" if n % 3 == 0 else "public",
            "published_at": f"20{10 + n % 14:02d}-0{1 + n % 9}-1{n % 10}T10:00:00.000Z",
        }
        for n in range(count)
    ]
    tags = [{"id": f"t{n}", "name": f"Tag {n}", "slug": f"tag-{n}"} for n in range(40)]
    links = [{"post_id": f"p{n}", "tag_id": f"t{n % 40}"} for n in range(count)]
    data = {"posts": posts, "tags": tags, "posts_tags": links}
    path = WORK / "ghost.json"
    path.write_text(json.dumps({"db": [{"meta": {"version": "5.0.0"}, "data": data}]}))
    return path


def timed(*args) -> float:
    start = time.perf_counter()
    call_command(*args, stdout=StringIO(), stderr=StringIO())
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=2000)
    count = parser.parse_args().posts
    call_command("migrate", verbosity=0)
    path = export(count)
    print(f"{count} posts, {path.stat().st_size / 1e6:.1f} MB Ghost export")
    print(f"first import   {timed('import_notes', str(path)):7.1f} s")
    print(f"second import  {timed('import_notes', str(path)):7.1f} s (nothing changes)")
    print(f"export         {timed('export_notes', str(WORK / 'out')):7.1f} s")


if __name__ == "__main__":
    main()
