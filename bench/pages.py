"""Speed of reading, served as production serves it. Run by hand, not in CI:

    .venv/bin/python bench/pages.py [--duration 10] [--rounds 3] [--workers 2*cores+1]

Needs PostgreSQL and Redis on 127.0.0.1 (as on the CI machine) and Debian's `wrk` and `nginx`
(`apt-get install wrk nginx-light`). It loads 1,000 notes, 200 tags and 100,000 subscribers into
the database `solo_bench`, serves the site with gunicorn (DEBUG off, Redis cache), and drives it
with wrk from a second process over 127.0.0.1. In the same run it serves the saved HTML of the
same note page with nginx, and the same bytes through a trivial Django view on the same gunicorn
(the framework's floor), and prints our throughput as ratios of both: the note page and its
floors are measured in rounds, one after the other, and the ratios' medians are printed.
"""

import argparse
import gzip
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var" / "bench"
PY = sys.executable
PG = "postgres://postgres@127.0.0.1:5432"
# Overridable, so that two people benchmarking on one machine do not share a database.
BENCH_DB = os.environ.get("BENCH_DB", "solo_bench")
REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/5")
PORT, NGINX_PORT = 8107, 8108
BASE = f"http://127.0.0.1:{PORT}"

# A Lua script for wrk that makes every request's URL unique, so no page comes from the cache.
CACHE_BUSTER = """
local n = 0
request = function()
  n = n + 1
  return wrk.format("GET", wrk.path .. "?bust=" .. n .. "-" .. math.random(1e9))
end
"""


def env() -> dict:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DEBUG": "false",
        "SECRET_KEY": "bench-only-secret-key-0123456789abcdefghijklmnop",
        "SECURE_SSL_REDIRECT": "false",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SITE_URL": BASE,
        "DATABASE_URL": f"{PG}/{BENCH_DB}",
        "REDIS_URL": REDIS,
        "BENCH_PAGE_FILE": str(VAR / "note.html"),
        "LOG_LEVEL": "ERROR",
    }


def run(*cmd, **kwargs) -> str:
    return subprocess.run(
        cmd, env=env(), cwd=ROOT, check=True, capture_output=True, text=True, **kwargs
    ).stdout


def prepare_database():
    import psycopg

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [BENCH_DB]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{BENCH_DB}"')
    run(PY, "manage.py", "migrate", "--noinput")
    run(PY, "manage.py", "collectstatic", "--noinput")


def load(notes: int, tags: int, subscribers: int) -> dict:
    out = run(
        PY, "bench/load.py", f"--notes={notes}", f"--tags={tags}", f"--subscribers={subscribers}"
    )
    return json.loads(out.strip().splitlines()[-1])


def flush_cache():
    import redis

    redis.Redis.from_url(REDIS).flushdb()


def get(url: str) -> tuple[int, bytes]:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, response.read()


def start_gunicorn(workers: int) -> subprocess.Popen:
    proc = subprocess.Popen(
        [
            PY,
            "-m",
            "gunicorn",
            "solo.wsgi",
            f"--bind=127.0.0.1:{PORT}",
            f"--workers={workers}",
            "--worker-class=sync",
            "--preload",
            "--log-level=warning",
        ],
        env=env(),
        cwd=ROOT,
        start_new_session=True,
    )
    for _ in range(100):
        try:
            if get(f"{BASE}/healthz")[0] == 200:
                return proc
        except OSError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not answer /healthz")


def start_nginx(html: bytes) -> tuple[subprocess.Popen, str]:
    root = Path(tempfile.mkdtemp(prefix="solo-nginx-"))
    (root / "note.html").write_bytes(html)
    conf = root / "nginx.conf"
    conf.write_text(f"""
worker_processes 1; daemon off; pid {root}/nginx.pid; error_log {root}/error.log;
events {{ worker_connections 1024; }}
http {{
  access_log off; sendfile on; tcp_nopush on; keepalive_requests 100000;
  client_body_temp_path {root}; proxy_temp_path {root}; fastcgi_temp_path {root};
  uwsgi_temp_path {root}; scgi_temp_path {root};
  server {{ listen 127.0.0.1:{NGINX_PORT}; root {root};
           location / {{ default_type text/html; }} }}
}}""")
    proc = subprocess.Popen(["nginx", "-c", str(conf), "-p", str(root)], start_new_session=True)
    time.sleep(0.5)
    return proc, f"http://127.0.0.1:{NGINX_PORT}/note.html"


WRK_RPS = re.compile(r"Requests/sec:\s+([\d.]+)")
WRK_NON2XX = re.compile(r"Non-2xx or 3xx responses:\s+(\d+)")


def _ms(text: str) -> float:
    value, unit = re.match(r"([\d.]+)(us|ms|s)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def wrk(url: str, connections: int, duration: int, bust_cache: bool = False) -> dict:
    cmd = ["wrk", f"-t{min(2, connections)}", f"-c{connections}", f"-d{duration}s", "--latency"]
    if bust_cache:
        script = VAR / "bust.lua"
        script.write_text(CACHE_BUSTER)
        cmd += ["-s", str(script)]
    out = subprocess.run([*cmd, url], capture_output=True, text=True, check=True).stdout
    latency = dict(re.findall(r"^\s+(50|99)%\s+(\S+)\s*$", out, re.M))  # "1.03s " has a space
    errors = WRK_NON2XX.search(out)
    return {
        "rps": float(WRK_RPS.search(out).group(1)),
        "p50": _ms(latency["50"]),
        "p99": _ms(latency["99"]),
        "errors": int(errors.group(1)) if errors else 0,
    }


def row(name: str, result: dict) -> str:
    errors = f"  ({result['errors']} non-2xx!)" if result["errors"] else ""
    return (
        f"  {name:<40} {result['rps']:>9.0f} req/s   p50 {result['p50']:>7.2f} ms"
        f"   p99 {result['p99']:>7.2f} ms{errors}"
    )


def page_weight(home: bytes) -> str:
    css_paths = re.findall(rb'href="(/static/[^"]+\.css)"', home)
    js_paths = re.findall(rb'src="(/static/[^"]+\.js)"', home)
    parts = [home] + [get(BASE + p.decode())[1] for p in css_paths + js_paths]
    raw = sum(len(p) for p in parts)
    compressed = sum(len(gzip.compress(p, 9)) for p in parts)
    return (
        f"home page weight: {raw / 1024:.1f} KB raw, {compressed / 1024:.1f} KB gzipped "
        f"(HTML + {len(css_paths)} CSS + {len(js_paths)} JS files)"
    )


def compare_with_floor(note_url: str, static_url: str, connections: int, args) -> dict:
    """The note page, warm and uncached, against the trivial view and nginx, in rounds.

    A shared machine's speed drifts within a minute: each round measures the four one after
    the other, the ratios are taken within a round, and their medians are reported.
    """
    runs = {
        "warm": lambda: wrk(note_url, connections, args.duration),
        "uncached": lambda: wrk(note_url, connections, args.duration, bust_cache=True),
        "trivial": lambda: wrk(BASE + "/__bench/trivial/", connections, args.duration),
        "nginx": lambda: wrk(static_url, connections, args.duration),
    }
    labels = {
        "warm": "note (cache warm)",
        "uncached": "note (uncached: unique URLs)",
        "trivial": "trivial Django view, same bytes",
        "nginx": "nginx, static copy",
    }
    rounds = []
    for n in range(args.rounds):
        get(note_url)  # warm the cache
        results = {name: run() for name, run in runs.items()}
        for name, result in results.items():
            print(row(f"round {n + 1}: {labels[name]}", result), flush=True)
        rounds.append({name: result["rps"] for name, result in results.items()})
    return {
        "warm": statistics.median(r["warm"] / r["trivial"] for r in rounds),
        "uncached": statistics.median(r["uncached"] / r["trivial"] for r in rounds),
        "nginx": statistics.median(r["warm"] / r["nginx"] for r in rounds),
        "ghost": statistics.median(r["warm"] for r in rounds) / 115,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of note vs trivial view")
    workers = 2 * (os.cpu_count() or 1) + 1  # gunicorn's advice; the same for every page
    parser.add_argument("--workers", type=int, default=workers, help="gunicorn sync workers")
    parser.add_argument("--notes", type=int, default=1000)
    parser.add_argument("--tags", type=int, default=200)
    parser.add_argument("--subscribers", type=int, default=100_000)
    args = parser.parse_args()
    for tool in ("wrk", "nginx"):
        if not shutil.which(tool):
            raise SystemExit(f"{tool} is missing: apt-get install wrk nginx-light")
    VAR.mkdir(parents=True, exist_ok=True)

    print("preparing PostgreSQL database solo_bench …", flush=True)
    prepare_database()
    data = load(args.notes, args.tags, args.subscribers)
    print(f"loaded {data['notes']} notes, {data['tags']} tags, {data['subscribers']} subscribers")
    flush_cache()
    gunicorn = start_gunicorn(args.workers)
    nginx = None
    try:
        note_url, tag_url = BASE + data["note_path"], BASE + data["tag_path"]
        status, note_html = get(note_url)
        assert status == 200, status
        (VAR / "note.html").write_bytes(note_html)
        nginx, static_url = start_nginx(note_html)
        pages = {"home /": BASE + "/", "tag": tag_url, "feed /feed/": BASE + "/feed/"}
        ratios = {}
        for connections in (8, 32):
            print(
                f"\n{connections} connections, {args.duration} s each "
                f"(gunicorn: {args.workers} sync workers)"
            )
            for name, url in pages.items():
                get(url)  # warm the cache
                print(row(f"{name} (cache warm)", wrk(url, connections, args.duration)), flush=True)
            ratios[connections] = compare_with_floor(note_url, static_url, connections, args)

        print("\nratios (note page, requests/s; medians of the rounds):")
        for connections, r in ratios.items():
            print(
                f"  {connections:>2} conns: warm/trivial {r['warm']:6.1%}   "
                f"uncached/trivial {r['uncached']:6.1%}   warm/nginx {r['nginx']:6.1%}   "
                f"warm/Ghost(115 req/s) {r['ghost']:5.1f}x"
            )

        print("\nuncached note page as the archive grows (8 connections, in rounds):")
        grown = {10: [], 10_000: []}
        for n in range(args.rounds):
            for size, results in grown.items():
                data = load(size, min(args.tags, size), 0)
                flush_cache()
                results.append(wrk(BASE + data["note_path"], 8, args.duration, bust_cache=True))
                print(row(f"round {n + 1}: {size:>6} notes", results[-1]), flush=True)
        small, large = (statistics.median(r["rps"] for r in grown[size]) for size in grown)
        print(f"  medians: {small:.0f} req/s with 10 notes, {large:.0f} with 10,000")

        load(args.notes, args.tags, 0)
        flush_cache()
        print("\n" + page_weight(get(BASE + "/")[1]))
    finally:
        for proc in (gunicorn, nginx):
            if proc and proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
                proc.wait(10)


if __name__ == "__main__":
    main()
