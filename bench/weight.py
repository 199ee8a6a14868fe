"""Weight of the home page as a phone downloads it, images aside. Run by hand, not in CI:

    .venv/bin/python bench/weight.py [--path /] [--budget 60]

Loads the demo content (`seed_demo`) into a throw-away SQLite database, serves the site with
`runserver`, opens the page in headless Chromium at 390 px and lists every response the page
needed except images: HTML, CSS and fonts. Text is counted gzipped (level 9, as whitenoise
stores it); WOFF2 fonts as they are, since they are compressed already. Exits 1 over budget.
"""

import argparse
import gzip
import shutil
import sys
import tempfile
from pathlib import Path

from demo_site import serve_demo
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
PORT = 8109
BASE = f"http://127.0.0.1:{PORT}"


def weigh(path: str) -> list[tuple[str, str, int, int]]:
    """(kind, address, bytes, bytes on the wire) of each non-image response of the page."""
    found = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=shutil.which("chromium"))
        page = browser.new_page(viewport={"width": 390, "height": 844})
        page.on("requestfinished", lambda request: found.append(request))
        page.goto(BASE + path, wait_until="networkidle")
        rows = []
        for request in found:
            kind = request.resource_type
            if kind == "image":
                continue
            body = request.response().body()
            wire = len(body) if kind == "font" else len(gzip.compress(body, 9))
            rows.append((kind, request.url.removeprefix(BASE), len(body), wire))
        browser.close()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--path", default="/")
    parser.add_argument("--budget", type=float, default=60, help="KB on the wire, images aside")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        server = serve_demo(Path(folder), PORT, production=False)
        try:
            rows = weigh(args.path)
        finally:
            server.terminate()
            server.wait()
    print(f"{'kind':<11}{'bytes':>9}{'on the wire':>13}  address")
    for kind, url, size, wire in rows:
        print(f"{kind:<11}{size:>9,}{wire:>13,}  {url}")
    total = sum(row[3] for row in rows) / 1024
    verdict = "within" if total <= args.budget else "OVER"
    print(f"\n{args.path}: {total:.1f} KB on the wire without images, {verdict} {args.budget:g} KB")
    sys.exit(0 if total <= args.budget else 1)


if __name__ == "__main__":
    main()
