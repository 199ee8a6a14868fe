"""deploy/Caddyfile for real: Debian's caddy in front of gunicorn running Solo, as in production.

Caddy serves /static/ and /media/ itself and passes the rest to gunicorn with the visitor's
address; the app (TRUSTED_PROXIES=1) must tell visitors apart through it and ignore an
X-Forwarded-For a visitor forges. Plain HTTP on free ports: SITE_URL=http://… turns off
automatic HTTPS, as it would for a site without a domain.
"""

import http.client
import io
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.conf import settings
from PIL import Image

from tests.conftest import missing_service
from tests.support import celery_worker

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start(command: list[str], env: dict, log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        command,
        env={**os.environ, **env},
        cwd=ROOT,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


class Visitor:
    """HTTP to the proxy from one loopback address (127.0.0.2, 127.0.0.3…): one visitor each."""

    def __init__(self, port: int, address: str):
        self.port, self.address = port, address
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: str | None = None, headers=None):
        connection = http.client.HTTPConnection(
            "127.0.0.1", self.port, timeout=10, source_address=(self.address, 0)
        )
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        content = response.read()
        for cookie in response.headers.get_all("Set-Cookie") or []:
            name, value = cookie.split(";", 1)[0].split("=", 1)
            self.cookies[name] = value
        connection.close()
        return response, content


@pytest.fixture
def site_behind_caddy(db, tmp_path):
    """gunicorn (one worker, the test database) behind `caddy run` with deploy/Caddyfile."""
    if not shutil.which("caddy"):
        missing_service("caddy is not installed (apt-get install caddy)")
    media = tmp_path / "media"
    (media / "notes").mkdir(parents=True)
    app_port, proxy_port = free_port(), free_port()
    gunicorn = start(
        [sys.executable, "-m", "gunicorn", "solo.wsgi", "--bind", f"127.0.0.1:{app_port}"],
        {
            "DJANGO_SETTINGS_MODULE": "tests.settings",
            "DATABASE_URL": celery_worker.test_database_url(),
            "TRUSTED_PROXIES": "1",
            "FORM_RATE_LIMIT": "2/m",
        },
        tmp_path / "gunicorn.log",
    )
    caddy = start(
        ["caddy", "run", "--config", "deploy/Caddyfile", "--adapter", "caddyfile"],
        {
            "SITE_URL": f"http://127.0.0.1:{proxy_port}",
            "UPSTREAM": f"127.0.0.1:{app_port}",
            "STATIC_ROOT": str(ROOT / "static"),  # what collectstatic copies from
            "MEDIA_ROOT": str(media),  # not the app's MEDIA_ROOT: the app never serves these
            "CADDY_ADMIN": "off",
            "HOME": str(tmp_path),
            "XDG_DATA_HOME": str(tmp_path / "data"),
            "XDG_CONFIG_HOME": str(tmp_path / "config"),
        },
        tmp_path / "caddy.log",
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                response, _ = Visitor(proxy_port, "127.0.0.1").request("GET", "/healthz")
                if response.status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline or gunicorn.poll() is not None or caddy.poll():
                logs = [(tmp_path / f).read_text() for f in ("gunicorn.log", "caddy.log")]
                pytest.fail("site behind caddy did not start:\n" + "\n".join(logs))
            time.sleep(0.2)
        yield proxy_port, media
    finally:
        stop(caddy)
        stop(gunicorn)


def test_caddy_serves_static_files_and_uploads_and_the_app_sees_each_visitor(site_behind_caddy):
    port, media = site_behind_caddy
    alice, bob = Visitor(port, "127.0.0.2"), Visitor(port, "127.0.0.3")

    response, css = alice.request("GET", "/static/css/site.css")
    assert response.status == 200 and response.getheader("Server") == "Caddy"
    assert response.getheader("Content-Type").startswith("text/css")
    assert css == (ROOT / "static" / "css" / "site.css").read_bytes()
    assert "immutable" in response.getheader("Cache-Control")

    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), "teal").save(buffer, format="PNG")
    name = "notes/0123456789abcdef0123456789abcdef-64x48.png"
    (media / name).write_bytes(buffer.getvalue())
    response, body = alice.request("GET", f"/media/{name}")
    assert response.status == 200 and response.getheader("Content-Type") == "image/png"
    assert body == buffer.getvalue()
    assert response.getheader("X-Content-Type-Options") == "nosniff"
    assert response.getheader("Content-Disposition") is None  # an image is shown

    (media / "notes" / "page.html").write_text("<script>alert(1)</script>")
    response, _ = alice.request("GET", "/media/notes/page.html")
    assert response.getheader("Content-Disposition") == "attachment"
    assert "sandbox" in response.getheader("Content-Security-Policy")

    # Everything else reaches gunicorn. The subscribe form allows 2 tries a minute per visitor.
    response, page = alice.request("GET", "/subscribe/")
    assert response.status == 200 and response.getheader("Server") != "Caddy"
    form = urlencode({"email": "not an address"})
    assert alice.request("POST", "/subscribe/", form)[0].status == 400
    forged = {"X-Forwarded-For": "203.0.113.9"}  # a visitor's own header changes nothing
    assert alice.request("POST", "/subscribe/", form, forged)[0].status == 400
    assert (
        alice.request("POST", "/subscribe/", form, {"X-Forwarded-For": "198.51.100.7"})[0].status
        == 429
    )
    # Another visitor is not held back by the first: the app sees addresses, not the proxy's.
    assert bob.request("POST", "/subscribe/", form)[0].status == 400
    assert settings.TRUSTED_PROXIES == 0  # the test process itself reads no header


def test_caddy_keeps_the_apps_cache_headers_and_the_browsers_origin(site_behind_caddy):
    port, _ = site_behind_caddy
    carol = Visitor(port, "127.0.0.4")
    response, _ = carol.request("GET", "/")
    assert response.status == 200 and response.getheader("Set-Cookie") is None
    assert "public" in response.getheader("Cache-Control")
    assert "s-maxage=" in response.getheader("Cache-Control")
    form = urlencode({"email": "not an address"})
    own_page = {"Origin": f"http://127.0.0.1:{port}", "Sec-Fetch-Site": "same-origin"}
    assert carol.request("POST", "/subscribe/", form, own_page)[0].status == 400  # form error
    other_site = {"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}
    assert carol.request("POST", "/subscribe/", form, other_site)[0].status == 403
