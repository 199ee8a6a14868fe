"""Per-request cost of the note page measured inside one process, without HTTP or wrk.

    .venv/bin/python bench/inprocess.py [--requests 2000] [--profile warm|uncached|trivial]
                                        [--breakdown]

Less noisy than bench/pages.py on a shared machine: it calls Django's WSGI handler directly
(the whole middleware stack, the bench settings, the database and Redis that bench/pages.py
loaded — run that once first) and prints milliseconds per request for a warm cache hit, an
uncached render (unique query string) and the trivial view. Cases are interleaved in 20
rounds; medians are printed, as wall time and as this process's CPU time (the database's and
Redis's CPU not included). `--profile` prints a cProfile of one case, sorted by cumulative
time; `--breakdown` the CPU of an uncached render by part, and of the PostgreSQL backend that
served it (read from /proc, so PostgreSQL must run on this host).

Measured 2026-12 on the 2-core CI machine, shared with other jobs (1,000 notes), median wall:
a warm hit took 0.32-0.40 ms with solo.cache.SoloRedisCache and 0.45-0.46 ms with Django's own
RedisCache, which builds a Redis client per call (why solo/cache.py exists).
"""

import argparse
import cProfile
import io
import os
import pstats
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.pages import BROWSER, env  # noqa: E402

os.environ.update(env())

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.core.handlers.wsgi import WSGIHandler  # noqa: E402

from notes.models import Note  # noqa: E402

APP = WSGIHandler()


def call(path: str, query: str = "") -> tuple[str, bytes]:
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8107",
        "HTTP_HOST": "127.0.0.1:8107",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "198.51.100.7",
        # A browser's, so the view is counted in full (analytics: a request without one is a bot).
        "HTTP_USER_AGENT": BROWSER,
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
    }
    status = []
    body = b"".join(APP(environ, lambda s, headers, exc=None: status.append(s)))
    return status[0], body


def timed(path: str, requests: int, unique: bool = False) -> list[tuple[float, float]]:
    """(wall, CPU of this thread) seconds for each request."""
    timings = []
    for _ in range(requests):
        query = f"bust={next(_BUST)}" if unique else ""
        wall, cpu = time.perf_counter(), time.thread_time()
        status, _ = call(path, query)
        timings.append((time.perf_counter() - wall, time.thread_time() - cpu))
        assert status.startswith("200"), (path, status)
    return timings


_BUST = iter(range(10**9))


def median_ms(values: list[float]) -> float:
    values = sorted(values)
    return values[len(values) // 2] * 1000


def breakdown(note: str, requests: int):
    """CPU per uncached request, by part: this process's share of each, and PostgreSQL's."""
    import collections

    import django.template.backends.django as django_templates
    from django.db import connection
    from django.db.models.query import QuerySet

    from notes import caching, views

    spent = collections.Counter()

    def clock(owner, name, part):
        original = getattr(owner, name)

        def timed_part(*args, **kwargs):
            start = time.thread_time()
            try:
                return original(*args, **kwargs)
            finally:
                spent[part] += time.thread_time() - start

        setattr(owner, name, timed_part)

    clock(django_templates.Template, "render", "templates (Django template engine)")
    clock(QuerySet, "get", "the note (ORM)")
    clock(views, "around", "neighbours and related notes (one SQL query)")
    clock(caching, "current_state", "page state (one Redis GET)")
    timed(note, 50, True)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        postgres = Path(f"/proc/{cursor.fetchone()[0]}/stat")

    def postgres_cpu() -> float:  # utime + stime of the backend serving this process
        fields = postgres.read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    spent.clear()
    pg_before, start = postgres_cpu(), time.thread_time()
    timed(note, requests, True)
    total, pg = time.thread_time() - start, postgres_cpu() - pg_before
    print(f"uncached note page, CPU per request over {requests} requests:")
    print(f"  {'this process, in all':<46} {total / requests * 1000:6.3f} ms")
    for part, seconds in spent.most_common():
        print(f"    {part:<44} {seconds / requests * 1000:6.3f} ms")
    rest = total - sum(spent.values())
    print(
        f"    {'the rest (WSGI, middleware, CSRF, headers)':<44} {rest / requests * 1000:6.3f} ms"
    )
    print(f"  {'PostgreSQL backend':<46} {pg / requests * 1000:6.3f} ms")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--profile", choices=["warm", "uncached", "trivial"])
    parser.add_argument("--breakdown", action="store_true", help="where an uncached render goes")
    args = parser.parse_args()
    note = Note.objects.published().order_by("-published_at").first().get_absolute_url()
    (ROOT / "var" / "bench").mkdir(parents=True, exist_ok=True)
    cache.clear()
    page = call(note)[1]
    Path(os.environ["BENCH_PAGE_FILE"]).write_bytes(page)
    cases = {
        "warm": (note, False),
        # The same warm hit with page views not counted (analytics: ANALYTICS_ENABLED off).
        "warm-off": (note, False),
        "uncached": (note, True),
        "trivial": ("/__bench/trivial/", False),
    }
    counted = {"warm-off": False}
    if args.breakdown:
        breakdown(note, args.requests)
        return
    if args.profile:
        path, unique = cases[args.profile]
        timed(path, 50, unique)  # warm up
        profiler = cProfile.Profile(time.thread_time)
        profiler.enable()
        timed(path, args.requests, unique)
        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(45)
        return
    # Rounds interleave the cases so that load from other processes hits them alike.
    results = {name: [] for name in cases}
    for path, unique in cases.values():
        timed(path, 50, unique)  # warm up connections, templates, caches
    for _ in range(20):
        for name, (path, unique) in cases.items():
            settings.ANALYTICS_ENABLED = counted.get(name, True)
            results[name] += timed(path, args.requests // 20, unique)
    wall = {name: median_ms([t[0] for t in r]) for name, r in results.items()}
    cpu = {name: median_ms([t[1] for t in r]) for name, r in results.items()}
    print(f"in-process medians per request, note {note} ({len(page)} bytes), wall and CPU:")
    for name in cases:
        wall_ratio, cpu_ratio = wall["trivial"] / wall[name], cpu["trivial"] / cpu[name]
        print(
            f"  {name:<9} {wall[name]:7.3f} ms wall ({wall_ratio:6.1%} of trivial)"
            f"  {cpu[name]:7.3f} ms CPU ({cpu_ratio:6.1%})"
        )
    print(
        f"counting page views costs {wall['warm'] / wall['warm-off'] - 1:+.1%} wall, "
        f"{cpu['warm'] / cpu['warm-off'] - 1:+.1%} CPU of a warm hit (warm vs warm-off)"
    )
    alone = counting_alone(note, args.requests * 10)
    print(
        f"counting by itself (the middleware around a ready response, Redis writes included): "
        f"{alone * 1000:.1f} µs CPU per view, {alone / cpu['warm-off']:.1%} of a warm hit's CPU"
    )


def counting_alone(path: str, requests: int) -> float:
    """CPU milliseconds per counted view spent in analytics' middleware, whatever else runs:
    the difference of two medians of whole requests is lost in a shared machine's noise."""
    from django.http import HttpResponse
    from django.test import RequestFactory

    from analytics.counting import settle
    from analytics.middleware import PageViewMiddleware

    settings.ANALYTICS_ENABLED = True
    request = RequestFactory().get(path, HTTP_USER_AGENT=BROWSER, REMOTE_ADDR="198.51.100.7")
    response = HttpResponse(b"<p>page</p>")
    middleware = PageViewMiddleware(lambda request: response)
    middleware(request)
    start = time.thread_time()
    for _ in range(requests):
        middleware(request)
    spent = (time.thread_time() - start) / requests
    settle()
    return spent * 1000


if __name__ == "__main__":
    main()
