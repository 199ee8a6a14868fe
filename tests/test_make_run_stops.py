"""`make run` ends with the site, a Celery worker and its beat: Ctrl-C (SIGINT to the terminal's
process group) or a SIGTERM to that group stops all of them within seconds.

The test runs `make serve` (what `make run` ends with) on SQLite in a temporary folder, on a free
port, and watches every process it started, grandchildren included.
"""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
STOPPED_WITHIN = 6.0  # seconds: the supervisor's 3 s grace, plus a loaded CI machine


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _descendants(pid: int) -> set[int]:
    """Every living process below `pid` (Linux /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parent = int(stat.rpartition(")")[2].split()[1])
            children.setdefault(parent, []).append(int(entry.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except OSError:
        return False
    return state != "Z"


def _serve(tmp_path):
    port = _free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DJANGO_SETTINGS_MODULE", "REDIS_URL", "DATABASE_URL", "EMAIL_URL")
    }
    env.update(
        DEBUG="true",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        CELERY_FS_DIR=str(tmp_path / "celery"),
        EMAIL_URL=f"file://{tmp_path / 'mail'}",
    )
    log = open(tmp_path / "serve.log", "w")  # noqa: SIM115 - closed by the test
    make = subprocess.Popen(
        [
            "make",
            "--no-print-directory",
            "serve",
            f"PY={sys.executable}",
            f"ADDRESS=127.0.0.1:{port}",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group, as a terminal gives `make run`
    )
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        assert make.poll() is None, (tmp_path / "serve.log").read_text()
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/robots.txt", timeout=2)
        except (urllib.error.URLError, OSError):
            time.sleep(0.3)
            continue
        if "ready." in (tmp_path / "serve.log").read_text():
            return make, log
        time.sleep(0.3)
    pytest.fail("make serve did not start:\n" + (tmp_path / "serve.log").read_text())


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["sigterm", "ctrl-c"])
def test_a_signal_to_make_runs_group_stops_site_worker_and_beat_within_seconds(tmp_path, signum):
    make, log = _serve(tmp_path)
    processes = _descendants(make.pid) | {make.pid}
    assert len(processes) >= 5  # make, supervisor, runserver and its reloader child, worker…
    os.killpg(make.pid, signum)
    started = time.monotonic()
    while time.monotonic() - started < 30 and any(_alive(pid) for pid in processes):
        time.sleep(0.1)
    took = time.monotonic() - started
    make.wait(timeout=5)
    log.close()
    left = [pid for pid in processes if _alive(pid)]
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    assert not left, (tmp_path / "serve.log").read_text()
    assert took < STOPPED_WITHIN, f"stopped after {took:.1f} s"
