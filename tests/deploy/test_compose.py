"""docker-compose.yml read as Docker reads it (no Docker needed): only the proxy faces the world."""

import re
from pathlib import Path

import yaml
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def mounts(service: dict) -> dict[str, str]:
    """Volume name or host path → where it is mounted in the container (`:ro` dropped)."""
    return dict(volume.split(":")[:2] for volume in service.get("volumes", []))


def test_visitors_reach_only_the_proxy_on_80_and_443():
    services = compose()["services"]
    assert services["proxy"]["image"] == "caddy:2"
    assert services["proxy"]["ports"] == ["80:80", "443:443", "443:443/udp"]
    published = [name for name, service in services.items() if service.get("ports")]
    assert published == ["proxy"]  # gunicorn, PostgreSQL and Redis are reached inside only


def test_the_proxy_serves_the_static_files_and_uploads_web_writes():
    file = compose()
    services = file["services"]
    proxy, web, worker = (
        mounts(services["proxy"]),
        mounts(services["web"]),
        mounts(services["worker"]),
    )
    assert web["static"] == str(settings.STATIC_ROOT).replace(str(settings.BASE_DIR), "/app")
    assert web["media"] == str(settings.MEDIA_ROOT).replace(str(settings.BASE_DIR), "/app")
    assert worker["media"] == web["media"]
    assert {"static", "media", "caddy-data"} <= set(file["volumes"])
    assert all(volume.endswith(":ro") for volume in services["proxy"]["volumes"][:3])

    caddyfile = (ROOT / "deploy" / "Caddyfile").read_text()
    assert proxy["./deploy/Caddyfile"] == "/etc/caddy/Caddyfile"
    assert f"{{$STATIC_ROOT:{proxy['static']}}}" in caddyfile
    assert f"{{$MEDIA_ROOT:{proxy['media']}}}" in caddyfile
    assert "{$UPSTREAM:web:8000}" in caddyfile
    # web refreshes the static volume when it starts (a volume keeps its first image's files).
    command = re.search(r"^CMD (.*)$", (ROOT / "Dockerfile").read_text(), re.MULTILINE)[1]
    assert "collectstatic" in command and "gunicorn" in command


def test_the_proxy_gets_https_for_the_sites_own_address_and_the_app_trusts_one_proxy():
    services = compose()["services"]
    assert services["proxy"]["environment"]["SITE_URL"] == "${SITE_URL:-https://example.com}"
    assert services["web"]["environment"]["SITE_URL"] == "${SITE_URL:-https://example.com}"
    assert services["web"]["environment"]["TRUSTED_PROXIES"] == "${TRUSTED_PROXIES:-1}"
    assert "{$SITE_URL:localhost} {" in (ROOT / "deploy" / "Caddyfile").read_text()
