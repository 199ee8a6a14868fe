"""The demo content (`seed_demo`) served from a throw-away SQLite database, for the benches that
look at pages in a browser (bench/weight.py, bench/lighthouse.py)."""

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def serve_demo(folder: Path, port: int, *, production: bool) -> subprocess.Popen:
    """Load the demo into `folder` and serve it on 127.0.0.1:`port` until the caller kills it.

    `production`: gunicorn + whitenoise with DEBUG off and collected static files, as behind the
    proxy (plain http here: HTTPS redirect and HSTS off); otherwise `runserver` with DEBUG on.
    """
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "DEBUG": "false" if production else "true",
        "SECRET_KEY": "bench-demo-site-not-secret-" + "x" * 32,
        "DATABASE_URL": f"sqlite:///{folder / 'db.sqlite3'}",
        "SITE_URL": base,
        "SECURE_SSL_REDIRECT": "false",
        "SECURE_HSTS_SECONDS": "0",
    }
    env.pop("REDIS_URL", None)  # a local-memory cache: nothing shared to set up
    manage = [sys.executable, str(ROOT / "manage.py")]
    commands = [["migrate", "--verbosity", "0"], ["seed_demo"]]
    if production:
        commands.insert(0, ["collectstatic", "--noinput", "--verbosity", "0"])
    for command in commands:
        subprocess.run(manage + command, env=env, cwd=ROOT, check=True, capture_output=True)
    if production:
        server_command = [sys.executable, "-m", "gunicorn", "solo.wsgi"]
        server_command += ["--bind", f"127.0.0.1:{port}", "--workers", "2"]
    else:
        server_command = manage + ["runserver", "--noreload", f"127.0.0.1:{port}"]
    server = subprocess.Popen(
        server_command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    for _ in range(100):
        try:
            urllib.request.urlopen(base + "/healthz", timeout=1)
            return server
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise SystemExit("the server did not start")
