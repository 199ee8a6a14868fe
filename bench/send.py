"""Newsletter sending speed, through the real worker and broker. Run by hand, not in CI:

    .venv/bin/python bench/send.py [--subscribers 10000] [--relay-latency 20] [--concurrency 2]

Needs PostgreSQL and Redis on 127.0.0.1. It loads N active subscribers into the database
`solo_send_bench`, starts a local SMTP sink that only counts (optionally waiting before each
answer, like a hosted relay), measures the ceiling of raw `smtplib` sending one pre-built message
over one reused connection to that sink, then sends a note to everyone with `celery -A solo worker`
(default settings unless told) and prints messages/second, CPU microseconds per message (worker
processes + this database's PostgreSQL backends, read from /proc), the worker's peak memory
(VmHWM summed over its processes), and the ratio to the raw ceiling.
"""

import argparse
import asyncio
import os
import smtplib
import subprocess
import sys
import threading
import time
from email.message import EmailMessage
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG = "postgres://postgres@127.0.0.1:5432"
DB = "solo_send_bench"
REDIS = "redis://127.0.0.1:6379/2"
CLK_TCK = os.sysconf("SC_CLK_TCK")


def env(connections: int | None) -> dict:
    values = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "solo.settings",
        "DEBUG": "false",
        "SECRET_KEY": "bench-only-secret-key-0123456789abcdefghijklmnop",
        "SECURE_SSL_REDIRECT": "false",
        "SITE_URL": "https://bench.example",
        "DATABASE_URL": f"{PG}/{DB}",
        "REDIS_URL": REDIS,
        "LOG_LEVEL": "ERROR",
    }
    if connections:
        values["NEWSLETTER_SMTP_CONNECTIONS"] = str(connections)
    return values


class CountingSink:
    """An aiosmtpd server that counts accepted messages and throws them away."""

    def __init__(self, delay: float):
        from aiosmtpd.controller import Controller

        self.count = 0
        self.lock = threading.Lock()
        sink = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):
                if delay:
                    await asyncio.sleep(delay)
                with sink.lock:
                    sink.count += 1
                return "250 OK"

        from tests.support.smtp import free_port

        self.port = free_port()
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self):
        self.controller.stop()


def raw_ceiling(port: int, count: int) -> float:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "a@bench.example", "b@example.com", "Hi"
    message.set_content("\n".join(["Hello, a line of a typical note. " * 2] * 60))
    message.add_alternative(
        "\n".join(["<p>Hello, a line of a typical note.</p>" * 2] * 100), subtype="html"
    )
    data = message.as_bytes(policy=message.policy.clone(linesep="\r\n"))
    with smtplib.SMTP("127.0.0.1", port) as smtp:
        started = time.perf_counter()
        for _ in range(count):
            smtp.sendmail("a@bench.example", ["b@example.com"], data)
        return count / (time.perf_counter() - started)


def cpu_seconds(pids) -> float:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime + stime
    return total / CLK_TCK


def process_tree(root: int) -> list[int]:
    pids, todo = [], [root]
    while todo:
        pid = todo.pop()
        pids.append(pid)
        try:
            children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        except OSError:
            children = []
        todo.extend(int(c) for c in children)
    return pids


def db_backends() -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if f" {DB} ".encode() in (entry / "cmdline").read_bytes().replace(b"\0", b" "):
                    pids.append(int(entry.name))
            except OSError:
                pass
    return pids


def peak_rss_mb(pids) -> float:
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


def prepare_database(count: int):
    import psycopg

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DB}")
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env(None), check=True
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", type=int, default=10_000)
    parser.add_argument("--relay-latency", type=float, default=0, help="ms before each answer")
    parser.add_argument("--concurrency", type=int, default=0, help="worker processes (default)")
    parser.add_argument("--connections", type=int, default=0, help="NEWSLETTER_SMTP_CONNECTIONS")
    args = parser.parse_args()

    prepare_database(args.subscribers)
    os.environ.update(env(args.connections))
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    import redis
    from django.db import connection
    from django.utils import timezone

    from newsletter import tasks
    from newsletter.models import Issue, Subscriber
    from notes.models import Note

    redis.Redis.from_url(REDIS).flushdb()
    Subscriber.objects.bulk_create(
        (
            Subscriber(email=f"reader{i}@example.com", status="active", confirmed_at=timezone.now())
            for i in range(args.subscribers)
        ),
        batch_size=5000,
    )
    paragraph = "A paragraph of a typical note, with a [link](https://example.com) and *emphasis*. "
    note = Note.objects.create(
        title="Bench note",
        slug="bench-note",
        body="\n\n".join(paragraph * 4 for _ in range(12)),
        status=Note.Status.PUBLISHED,
        published_at=timezone.now(),
    )
    connection.close()

    sink = CountingSink(args.relay_latency / 1000)
    ceiling = raw_ceiling(sink.port, min(args.subscribers, 3000)) if not args.relay_latency else 0
    sink.count = 0

    worker_env = {**env(args.connections), "EMAIL_URL": f"smtp://127.0.0.1:{sink.port}"}
    command = [sys.executable, "-m", "celery", "-A", "solo", "worker", "--loglevel=ERROR"]
    command += ["--without-gossip", "--without-mingle", "--without-heartbeat"]
    if args.concurrency:
        command.append(f"--concurrency={args.concurrency}")
    worker = subprocess.Popen(command, cwd=ROOT, env=worker_env)
    time.sleep(6)  # let the pool start and connect
    tree = process_tree(worker.pid)
    cpu_before = cpu_seconds(tree) + cpu_seconds(db_backends())

    started = time.perf_counter()
    tasks.schedule(Issue.objects.create(note=note))
    while sink.count < args.subscribers:
        if time.perf_counter() - started > 1800:
            raise SystemExit(f"only {sink.count} messages after 30 minutes")
        time.sleep(0.02)
    elapsed = time.perf_counter() - started
    tree = process_tree(worker.pid)
    cpu = cpu_seconds(tree) + cpu_seconds(db_backends()) - cpu_before
    rss = peak_rss_mb(tree)
    worker.terminate()
    worker.wait(30)
    sink.stop()

    rate = args.subscribers / elapsed
    print(f"subscribers           {args.subscribers}")
    print(f"relay latency         {args.relay_latency:g} ms")
    print(
        f"worker processes      {len(tree) - 1} (+ main), SMTP connections per batch "
        f"{args.connections or 'default'}"
    )
    print(f"sent                  {args.subscribers} in {elapsed:.1f} s = {rate:.0f} msg/s")
    print(f"CPU per message       {cpu / args.subscribers * 1e6:.0f} µs (worker + database)")
    print(f"worker peak memory    {rss:.0f} MB (VmHWM, all worker processes)")
    if ceiling:
        print(f"raw smtplib ceiling   {ceiling:.0f} msg/s on the same sink")
        print(f"ratio                 {rate / ceiling:.0%} of the raw ceiling")


if __name__ == "__main__":
    main()
