"""Lighthouse scores of the reader's pages, as a phone sees them. Run by hand, not in CI:

    npm install --no-save lighthouse@12.2.3     # once: ~110 MB, so not in package.json
    .venv/bin/python bench/lighthouse.py [--runs 3] [--json-dir var/lighthouse]

Loads the demo content (`seed_demo`) into a throw-away SQLite database, collects the static files
and serves the site as production does (gunicorn + whitenoise, DEBUG off), then runs Lighthouse
12 with Debian's Chromium (CHROME_PATH, default /usr/bin/chromium) in its default mobile
emulation (Moto G Power, simulated slow 4G) on the home page, a public note, a paid note read
anonymously, a tag page and the about page. Prints one row per page: the four category scores,
cumulative layout shift and largest contentful paint. Exits 1 when a score is under 95 or
layout shifts.

Served over plain http on 127.0.0.1 with HTTPS redirect and HSTS off, which production has on:
Lighthouse counts localhost as secure, so its HTTPS audits pass. Pages leave gunicorn
uncompressed (the Caddy proxy compresses them in production): Lighthouse notes a few KB of
possible savings on the HTML, which its scores do not count.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from demo_site import serve_demo

ROOT = Path(__file__).resolve().parent.parent
PORT = 8112
BASE = f"http://127.0.0.1:{PORT}"
PAGES = [
    ("home", "/"),
    ("public note", "/notes/counting-tokens-in-python/"),
    ("paid note, anonymous", "/notes/what-paid-readers-get/"),
    ("tag", "/tags/ai/"),
    ("about", "/about/"),
]
CATEGORIES = ["performance", "accessibility", "best-practices", "seo"]
MINIMUM = 95


def lighthouse_command() -> str:
    local = ROOT / "node_modules" / ".bin" / "lighthouse"
    found = str(local) if local.exists() else shutil.which("lighthouse")
    if not found:
        raise SystemExit("Lighthouse is missing: npm install --no-save lighthouse@12.2.3")
    return found


def audit(command: str, url: str, attempts: int = 3) -> dict:
    """Lighthouse's report of one page, as JSON. On a busy machine its trace is sometimes lost
    (NO_NAVSTART, "Please run Lighthouse again"): it is run again, as it asks."""
    for _ in range(attempts):
        result = subprocess.run(
            [
                command,
                url,
                "--quiet",
                "--output=json",
                "--output-path=stdout",
                "--only-categories=" + ",".join(CATEGORIES),
                "--chrome-flags=--headless=new --no-sandbox --disable-gpu",
            ],
            env={**os.environ, "CHROME_PATH": os.environ.get("CHROME_PATH", "/usr/bin/chromium")},
            capture_output=True,
            text=True,
        )
        if result.returncode == 0:
            return json.loads(result.stdout)
    raise SystemExit(f"lighthouse failed on {url}:\n{result.stderr[-2000:]}")


def row(report: dict) -> dict:
    audits = report["audits"]
    return {
        **{name: round(report["categories"][name]["score"] * 100) for name in CATEGORIES},
        "cls": audits["cumulative-layout-shift"]["numericValue"],
        "lcp": audits["largest-contentful-paint"]["numericValue"] / 1000,
        "failed": [
            audit["id"]
            for name in CATEGORIES
            for ref in report["categories"][name]["auditRefs"]
            if ref["weight"] and (audit := audits[ref["id"]])["score"] not in (None, 1)
        ],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1, help="per page; the median is kept")
    parser.add_argument("--json-dir", type=Path, help="keep each page's full report here")
    args = parser.parse_args()
    command = lighthouse_command()
    results = {}
    with tempfile.TemporaryDirectory() as folder:
        server = serve_demo(Path(folder), PORT, production=True)
        try:
            for name, path in PAGES:
                reports = sorted(
                    (audit(command, BASE + path) for _ in range(args.runs)),
                    key=lambda r: r["categories"]["performance"]["score"],
                )
                report = reports[len(reports) // 2]
                results[name] = row(report)
                if args.json_dir:
                    args.json_dir.mkdir(parents=True, exist_ok=True)
                    slug = name.replace(",", "").replace(" ", "-")
                    (args.json_dir / f"{slug}.json").write_text(json.dumps(report))
        finally:
            server.terminate()
            server.wait()

    print(f"Lighthouse 12, mobile emulation, median of {args.runs} run(s) per page\n")
    print("| page | performance | accessibility | best practices | SEO | CLS | LCP |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, r in results.items():
        scores = " | ".join(str(r[c]) for c in CATEGORIES)
        print(f"| {name} | {scores} | {r['cls']:.3f} | {r['lcp']:.1f} s |")
    for name, r in results.items():
        if r["failed"]:
            print(f"\n{name}: audits not passed: {', '.join(r['failed'])}")
    low = [
        name
        for name, r in results.items()
        if min(r[c] for c in CATEGORIES) < MINIMUM or r["cls"] > 0
    ]
    if low:
        print(f"\nunder {MINIMUM} or shifting: {', '.join(low)}")
    else:
        print(f"\nevery page ≥ {MINIMUM} in each category, no layout shift")
    sys.exit(1 if low else 0)


if __name__ == "__main__":
    main()
