"""`make run`'s last step: the site, a Celery worker and its beat, started and stopped together.

Usage: python -m solo.devserver [HOST:PORT]

Each child runs in its own process group, so a Ctrl-C or a SIGTERM sent to `make`'s group reaches
this supervisor only, which then stops each child once, the way a container runtime would: a
signal to the whole group hit the worker's pool processes while they held the pool's queue lock,
and billiard then waited for that lock for ever. Whatever is still running after GRACE seconds is
killed: a killed worker loses no mail (claimed deliveries go back to the queue).
"""

import os
import signal
import subprocess
import sys
import time

GRACE = 3.0  # seconds


def commands(address: str) -> list[list[str]]:
    python = sys.executable
    return [
        [
            python,
            "-m",
            "celery",
            "-A",
            "solo",
            "worker",
            "--beat",
            "--concurrency=2",
            "--loglevel=INFO",
        ],
        [python, "manage.py", "runserver", address],
    ]


def _terminate(child: subprocess.Popen, worker: bool) -> None:
    """The worker's main process stops its pool and beat itself (signalling them too is what
    deadlocked); runserver's autoreloader and its server process both need the signal."""
    try:
        if worker:
            os.kill(child.pid, signal.SIGTERM)
        else:
            os.killpg(child.pid, signal.SIGTERM)
    except ProcessLookupError:
        pass


def stop(children: list[subprocess.Popen]) -> None:
    worker, *others = children
    _terminate(worker, worker=True)
    for child in others:
        _terminate(child, worker=False)
    deadline = time.monotonic() + GRACE
    while time.monotonic() < deadline and any(child.poll() is None for child in children):
        time.sleep(0.05)
    for child in children:
        try:
            os.killpg(child.pid, signal.SIGKILL)  # what is left, grandchildren included
        except ProcessLookupError:
            pass
        child.wait()


def main(argv: list[str]) -> int:
    address = argv[0] if argv else "127.0.0.1:8000"
    stopping = False

    def request_stop(signum, frame):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    children = [subprocess.Popen(command, process_group=0) for command in commands(address)]
    # Until a signal comes, or one of the three stops by itself (then the others go too).
    while not stopping and all(child.poll() is None for child in children):
        time.sleep(0.1)
    stop(children)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
