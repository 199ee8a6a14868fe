"""Welcome sequence sending speed, through the real worker and broker. Run by hand, not in CI:

    .venv/bin/python bench/sequences.py [--readers 500] [--relay-latency 0] [--concurrency 1]

Needs PostgreSQL and Redis on 127.0.0.1. It loads N active readers, all in a three-step free
sequence (days 0, 2 and 5), into the database `solo_sequences_bench`, starts bench/send.py's
counting SMTP sink, then plays each step's day with the beat task (`send_due_steps(at=…)`) and
prints, per step and overall, messages/second from queueing the beat task to the last message
accepted by the sink, and CPU microseconds per message (worker + database). Last, the cost of
the minute's beat once every step is sent (nothing due): what each reader in a sequence adds.
"""

import argparse
import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import send  # noqa: E402 - the path above first

send.DB = "solo_sequences_bench"
send.REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/4")
STEPS = (0, 2, 5)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--readers", type=int, default=500)
    parser.add_argument("--relay-latency", type=float, default=0, help="ms before each answer")
    parser.add_argument("--concurrency", type=int, default=1, help="worker processes")
    args = parser.parse_args()

    send.prepare_database(args.readers)
    os.environ.update(send.env(None))
    import django

    django.setup()
    import redis
    from django.db import connection
    from django.utils import timezone

    from newsletter import sequences, tasks
    from newsletter.models import Enrollment, Sequence, SequenceStep, Subscriber

    redis.Redis.from_url(send.REDIS).flushdb()
    readers = Subscriber.objects.bulk_create(
        (
            Subscriber(email=f"reader{i}@example.com", status="active", confirmed_at=timezone.now())
            for i in range(args.readers)
        ),
        batch_size=5000,
    )
    sequence = Sequence.objects.create(trigger=Sequence.Trigger.FREE)
    paragraph = "A welcome paragraph, with a [link](https://example.com/start) and *emphasis*. "
    for days in STEPS:
        SequenceStep.objects.create(
            sequence=sequence,
            days=days,
            subject=f"Welcome, day {days}",
            body="\n\n".join(paragraph * 3 for _ in range(6)),
        )
    start = timezone.now()
    Enrollment.objects.bulk_create(
        Enrollment(sequence=sequence, subscriber=r, started_at=start) for r in readers
    )
    connection.close()

    sink = send.CountingSink(args.relay_latency / 1000)
    worker_env = {**send.env(None), "EMAIL_URL": f"smtp://127.0.0.1:{sink.port}"}
    command = [sys.executable, "-m", "celery", "-A", "solo", "worker", "--loglevel=ERROR"]
    command += ["--without-gossip", "--without-mingle", "--without-heartbeat"]
    command.append(f"--concurrency={args.concurrency}")
    worker = subprocess.Popen(command, cwd=ROOT, env=worker_env)
    time.sleep(6)  # let the pool start and connect

    total_time, total_cpu = 0.0, 0.0
    print(f"readers               {args.readers}, relay latency {args.relay_latency:g} ms")
    print(f"worker processes      {args.concurrency}")
    for index, days in enumerate(STEPS, start=1):
        expected = args.readers * index
        cpu_before = send.cpu_seconds(send.process_tree(worker.pid) + send.db_backends())
        started = time.perf_counter()
        tasks.send_due_steps.delay(at=(start + timedelta(days=days, minutes=1)).isoformat())
        while sink.count < expected:
            if time.perf_counter() - started > 600:
                raise SystemExit(f"only {sink.count} of {expected} messages after 10 minutes")
            time.sleep(0.01)
        elapsed = time.perf_counter() - started
        cpu = send.cpu_seconds(send.process_tree(worker.pid) + send.db_backends()) - cpu_before
        total_time += elapsed
        total_cpu += cpu
        print(
            f"step {index} (day {days})      {args.readers} in {elapsed:.2f} s = "
            f"{args.readers / elapsed:.0f} msg/s, {cpu / args.readers * 1e6:.0f} µs CPU/message"
        )
    time.sleep(2)
    sent = args.readers * len(STEPS)
    print(f"overall               {sent} in {total_time:.2f} s = {sent / total_time:.0f} msg/s")
    print(f"extra messages        {sink.count - sent} (each step reaches each reader once)")
    idle_at = start + timedelta(days=9)
    timings = []
    for _ in range(5):
        began = time.perf_counter()
        assert sequences.requeue_stale() + sequences.dispatch_due(idle_at) == []
        timings.append(time.perf_counter() - began)
    print(f"idle beat             {min(timings) * 1000:.1f} ms (best of 5, nothing due)")
    worker.terminate()
    worker.wait(30)
    sink.stop()


if __name__ == "__main__":
    main()
