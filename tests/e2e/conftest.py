"""Shared pieces of the end-to-end flows: screenshots of each step and the axe-core audit."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connections

SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"
AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"


class Screenshots:
    """Saves `var/screenshots/<test>/<nn>-<step>.png`, numbered in the order of the flow."""

    def __init__(self, page, folder: Path):
        self.page = page
        self.folder = folder
        self.count = 0
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob("*.png"):  # a re-run replaces the last run's pictures
            old.unlink()

    def __call__(self, step: str) -> Path:
        self.count += 1
        path = self.folder / f"{self.count:02d}-{step}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path


@pytest.fixture
def shots(browser_page, request):
    name = re.sub(r"[^\w-]+", "-", request.node.name).strip("-")
    return Screenshots(browser_page, SCREENSHOTS / name)


@pytest.fixture
def page(browser_page, live_server, settings):
    """The browser page, with links in emails pointing at the live server.

    Under Playwright's sync API the test's ORM calls get their own connection (another context):
    it is closed afterwards, or PostgreSQL cannot drop the test database.
    """
    settings.SITE_URL = live_server.url
    yield browser_page
    connections.close_all()
