"""Speed of reading, served as production serves it. Run by hand, not in CI:

    .venv/bin/python bench/pages.py [--duration 10] [--rounds 3] [--workers 2*cores+1]

Needs PostgreSQL and Redis on 127.0.0.1 (as on the CI machine) and Debian's `wrk` and `nginx`
(`apt-get install wrk nginx-light`). It loads 1,000 notes, 200 tags and 100,000 subscribers into
the database `solo_bench`, serves the site with gunicorn (DEBUG off, Redis cache), and drives it
with wrk from a second process over 127.0.0.1. In the same run it serves the saved HTML of the
same note page with nginx, and the same bytes through a trivial Django view on the same gunicorn
(the framework's floor), and prints our throughput as ratios of both: the note page and its
floors are measured in rounds, one after the other, and the ratios' medians are printed.

The same nginx also stands in for a CDN: a caching proxy in front of gunicorn (`proxy_cache`,
keeping what the app's Cache-Control allows, passing session cookies through). The note and home
pages through it are measured in the same rounds, as ratios of nginx serving their saved HTML;
then a note is edited through the admin and the proxy is watched until it shows the change.

    .venv/bin/python bench/pages.py --counting [--duration 10] [--rounds 5]

measures only what counting page views costs (analytics): two gunicorns on the same data, one
with ANALYTICS_ENABLED on and one off, serve warm cache hits of the note page to wrk (with a
browser's User-Agent, so every request is counted as a view), one after the other in rounds;
the median of the rounds' throughput ratios is printed, and the views counted are checked.
Needs only `wrk` (no nginx).
"""

import argparse
import gzip
import json
import os
import re
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import admin_edit  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var" / "bench"
PY = sys.executable
PG = "postgres://postgres@127.0.0.1:5432"
# Overridable, so that two people benchmarking on one machine do not share a database.
BENCH_DB = os.environ.get("BENCH_DB", "solo_bench")
REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/5")
PORT = int(os.environ.get("BENCH_PORT", "8107"))  # and the next two, for nginx
NGINX_PORT, PROXY_PORT = PORT + 1, PORT + 2
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


def start_gunicorn(workers: int, port: int = PORT, **extra_env) -> subprocess.Popen:
    proc = subprocess.Popen(
        [
            PY,
            "-m",
            "gunicorn",
            "solo.wsgi",
            f"--bind=127.0.0.1:{port}",
            f"--workers={workers}",
            "--worker-class=sync",
            "--preload",
            "--log-level=warning",
        ],
        env={**env(), **extra_env},
        cwd=ROOT,
        start_new_session=True,
    )
    for _ in range(100):
        try:
            if get(f"http://127.0.0.1:{port}/healthz")[0] == 200:
                return proc
        except OSError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not answer /healthz")


def start_nginx() -> tuple[subprocess.Popen, Path]:
    """Saved pages as static files on NGINX_PORT (written into the folder it returns); a
    caching proxy to gunicorn on PROXY_PORT.

    The proxy keeps only what the app's headers allow (no `proxy_cache_valid`, Set-Cookie and
    `private` are not kept) and, as a CDN must, passes requests with a session cookie through.
    """
    root = Path(tempfile.mkdtemp(prefix="solo-nginx-"))
    conf = root / "nginx.conf"
    conf.write_text(f"""
worker_processes 1; daemon off; pid {root}/nginx.pid; error_log {root}/error.log;
events {{ worker_connections 1024; }}
http {{
  access_log off; sendfile on; tcp_nopush on; keepalive_requests 100000;
  client_body_temp_path {root}; proxy_temp_path {root}; fastcgi_temp_path {root};
  uwsgi_temp_path {root}; scgi_temp_path {root};
  proxy_cache_path {root}/cache levels=1:2 keys_zone=pages:10m max_size=200m use_temp_path=off;
  upstream solo {{ server 127.0.0.1:{PORT}; keepalive 16; }}
  server {{ listen 127.0.0.1:{NGINX_PORT}; root {root};
           location / {{ default_type text/html; }} }}
  server {{
    listen 127.0.0.1:{PROXY_PORT};
    location / {{
      proxy_pass http://solo;
      proxy_http_version 1.1; proxy_set_header Connection "";
      proxy_set_header Host $http_host;
      proxy_cache pages;
      proxy_cache_key $scheme$http_host$request_uri;
      proxy_cache_bypass $cookie_sessionid; proxy_no_cache $cookie_sessionid;
      proxy_cache_revalidate on; proxy_cache_lock on;
      proxy_cache_background_update on; proxy_cache_use_stale updating error timeout;
      add_header X-Proxy-Cache $upstream_cache_status always;
    }}
  }}
}}""")
    proc = subprocess.Popen(["nginx", "-c", str(conf), "-p", str(root)], start_new_session=True)
    time.sleep(0.5)
    return proc, root


WRK_RPS = re.compile(r"Requests/sec:\s+([\d.]+)")
WRK_NON2XX = re.compile(r"Non-2xx or 3xx responses:\s+(\d+)")


def _ms(text: str) -> float:
    value, unit = re.match(r"([\d.]+)(us|ms|s)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


# A browser's: a request without one is a bot to analytics/counting.py, counted apart.
BROWSER = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"


def wrk(url: str, connections: int, duration: int, bust_cache: bool = False) -> dict:
    cmd = ["wrk", f"-t{min(2, connections)}", f"-c{connections}", f"-d{duration}s", "--latency"]
    cmd += ["-H", f"User-Agent: {BROWSER}"]
    if bust_cache:
        script = VAR / "bust.lua"
        script.write_text(CACHE_BUSTER)
        cmd += ["-s", str(script)]
    out = subprocess.run([*cmd, url], capture_output=True, text=True, check=True).stdout
    latency = dict(re.findall(r"^\s+(50|99)%\s+(\S+)\s*$", out, re.M))  # "1.03s " has a space
    errors = WRK_NON2XX.search(out)
    return {
        "requests": int(re.search(r"(\d+) requests in", out).group(1)),
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


def compare_with_floor(urls: dict[str, str], connections: int, args) -> dict:
    """The note page, warm and uncached, against the trivial view and nginx, in rounds; the
    note and home pages through the caching proxy against nginx serving their saved copies.

    A shared machine's speed drifts within a minute: each round measures them one after
    the other, the ratios are taken within a round, and their medians are reported.
    """
    note_url = urls["note"]
    runs = {
        "warm": lambda: wrk(note_url, connections, args.duration),
        "uncached": lambda: wrk(note_url, connections, args.duration, bust_cache=True),
        "trivial": lambda: wrk(BASE + "/__bench/trivial/", connections, args.duration),
        "nginx": lambda: wrk(urls["static note"], connections, args.duration),
        "proxy": lambda: wrk(urls["proxied note"], connections, args.duration),
        "nginx home": lambda: wrk(urls["static home"], connections, args.duration),
        "proxy home": lambda: wrk(urls["proxied home"], connections, args.duration),
    }
    labels = {
        "warm": "note (cache warm)",
        "uncached": "note (uncached: unique URLs)",
        "trivial": "trivial Django view, same bytes",
        "nginx": "nginx, static copy",
        "proxy": "note through the caching proxy",
        "nginx home": "nginx, static copy of home",
        "proxy home": "home through the caching proxy",
    }
    rounds = []
    for n in range(args.rounds):
        for url in (note_url, urls["proxied note"], urls["proxied home"]):
            get(url)  # warm the caches
        results = {name: run() for name, run in runs.items()}
        for name, result in results.items():
            print(row(f"round {n + 1}: {labels[name]}", result), flush=True)
        rounds.append(results)

    def median(of):
        return statistics.median(of(r) for r in rounds)

    return {
        "warm": median(lambda r: r["warm"]["rps"] / r["trivial"]["rps"]),
        "uncached": median(lambda r: r["uncached"]["rps"] / r["trivial"]["rps"]),
        "nginx": median(lambda r: r["warm"]["rps"] / r["nginx"]["rps"]),
        "ghost": median(lambda r: r["warm"]["rps"]) / 115,
        "proxy": median(lambda r: r["proxy"]["rps"] / r["nginx"]["rps"]),
        "proxy home": median(lambda r: r["proxy home"]["rps"] / r["nginx home"]["rps"]),
        "proxy p99": median(lambda r: max(r["proxy"]["p99"], r["proxy home"]["p99"])),
    }


def proxy_headers(url: str) -> str:
    """What a CDN would see: the proxy's verdict on a second visit, and the app's headers."""
    get(url)
    with urllib.request.urlopen(url, timeout=10) as response:
        cookie = "Set-Cookie" in response.headers
        return (
            f"{response.headers['X-Proxy-Cache']}, Cache-Control: "
            f"{response.headers['Cache-Control']}, Vary: {response.headers['Vary']}"
            + (", SETS A COOKIE!" if cookie else ", no cookie")
        )


def shared_max_age(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as response:
        found = re.search(r"s-maxage=(\d+)", response.headers.get("Cache-Control", ""))
        return f"{found[1]} s" if found else "none"


def edit_seen_through_proxy(note_path: str) -> float:
    """Edit the note's title through the admin (through the proxy, as an author behind a CDN
    would), then poll the note's page through the proxy: seconds until the new title shows."""
    slug = note_path.strip("/").split("/")[-1]
    found = run(PY, "manage.py", "shell", "-v", "0", "-c", f"{FIND_NOTE}{slug!r}).pk)")
    note_id = int(found.strip().splitlines()[-1])
    password = re.search(r"password: (\S+)", run(PY, "manage.py", "admin_password"))[1]
    proxy = f"http://127.0.0.1:{PROXY_PORT}"
    title = f"Edited {secrets.token_hex(4)}"
    start = time.monotonic()
    status = admin_edit.edit_title(proxy, "admin", password, note_id, title)
    assert status == 200, status
    while title not in get(proxy + note_path)[1].decode():
        if time.monotonic() - start > 3 * 60:
            return float("inf")
        time.sleep(0.5)
    return time.monotonic() - start


FIND_NOTE = "from notes.models import Note; print(Note.objects.get(slug="


def counting_cost(args) -> None:
    """Warm cache hits of the note page with page views counted and not, in rounds."""
    import redis

    print(f"preparing PostgreSQL database {BENCH_DB} …", flush=True)
    prepare_database()
    data = load(args.notes, args.tags, 0)
    flush_cache()
    off_port = PORT + 3
    servers = {
        "counted": start_gunicorn(args.workers, PORT, ANALYTICS_ENABLED="true"),
        "not counted": start_gunicorn(args.workers, off_port, ANALYTICS_ENABLED="false"),
    }
    urls = {
        "counted": BASE + data["note_path"],
        "not counted": f"http://127.0.0.1:{off_port}{data['note_path']}",
    }
    try:
        for url in urls.values():
            get(url)  # the page cache is shared: one render, then hits only
        rounds = []
        print(f"warm hits of {data['note_path']}, 8 connections, {args.duration} s each:")
        for n in range(args.rounds):
            # Each goes first in every other round, so neither gains from going first.
            order = list(urls.items())[:: 1 if n % 2 == 0 else -1]
            results = {name: wrk(url, 8, args.duration) for name, url in order}
            for name, result in results.items():
                print(row(f"round {n + 1}: {name}", result), flush=True)
            rounds.append(results)
        time.sleep(2)  # each worker sends what it holds within a second
        client = redis.Redis.from_url(REDIS)
        counted = sum(
            int(value)
            for key in client.scan_iter(match="analytics:views:*")
            for value in client.hvals(key)
        )
        requests = sum(r["counted"]["requests"] for r in rounds)
        ratio = statistics.median(r["counted"]["rps"] / r["not counted"]["rps"] for r in rounds)
        print(
            f"\ncounting costs {1 - ratio:.1%} of a warm hit's throughput (median of "
            f"{args.rounds} rounds); {counted:,} views counted for {requests:,} requests "
            "(wrk leaves up to 8 per run unreported)"
        )
    finally:
        for proc in servers.values():
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
                proc.wait(10)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of note vs trivial view")
    workers = 2 * (os.cpu_count() or 1) + 1  # gunicorn's advice; the same for every page
    parser.add_argument("--workers", type=int, default=workers, help="gunicorn sync workers")
    parser.add_argument("--notes", type=int, default=1000)
    parser.add_argument("--tags", type=int, default=200)
    parser.add_argument("--subscribers", type=int, default=100_000)
    parser.add_argument("--counting", action="store_true", help="only the cost of counting views")
    args = parser.parse_args()
    if args.counting:
        VAR.mkdir(parents=True, exist_ok=True)
        return counting_cost(args)
    for tool in ("wrk", "nginx"):
        if not shutil.which(tool):
            raise SystemExit(f"{tool} is missing: apt-get install wrk nginx-light")
    VAR.mkdir(parents=True, exist_ok=True)

    print(f"preparing PostgreSQL database {BENCH_DB} …", flush=True)
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
        nginx, root = start_nginx()
        proxy, static = f"http://127.0.0.1:{PROXY_PORT}", f"http://127.0.0.1:{NGINX_PORT}"
        # The static copies as the proxy serves them (its own address in their links).
        (root / "note.html").write_bytes(get(proxy + data["note_path"])[1])
        (root / "home.html").write_bytes(get(proxy + "/")[1])
        urls = {
            "note": note_url,
            "static note": static + "/note.html",
            "proxied note": proxy + data["note_path"],
            "static home": static + "/home.html",
            "proxied home": proxy + "/",
        }
        print(f"\nnote through the proxy: {proxy_headers(urls['proxied note'])}")
        print(f"home through the proxy: {proxy_headers(urls['proxied home'])}")
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
            ratios[connections] = compare_with_floor(urls, connections, args)

        print("\nratios (note page, requests/s; medians of the rounds):")
        for connections, r in ratios.items():
            print(
                f"  {connections:>2} conns: warm/trivial {r['warm']:6.1%}   "
                f"uncached/trivial {r['uncached']:6.1%}   warm/nginx {r['nginx']:6.1%}   "
                f"warm/Ghost(115 req/s) {r['ghost']:5.1f}x"
            )
        print("\ncaching proxy (as a CDN) vs nginx serving the same saved page (medians):")
        for connections, r in ratios.items():
            print(
                f"  {connections:>2} conns: note {r['proxy']:6.1%}   home {r['proxy home']:6.1%}"
                f"   p99 through the proxy {r['proxy p99']:.2f} ms"
            )
        seconds = edit_seen_through_proxy(data["note_path"])
        print(
            f"\na note edited through the admin is seen through the proxy after {seconds:.1f} s "
            f"(the page's s-maxage: {shared_max_age(urls['proxied note'])})"
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
