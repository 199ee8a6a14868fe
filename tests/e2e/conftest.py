"""Shared pieces of the end-to-end flows: screenshots of each step and the axe-core audit."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connections

from tests.conftest import missing_service

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

    def __call__(self, step: str, page=None) -> Path:
        """A picture of the test's page, or of `page` (another reader's, in the same flow)."""
        self.count += 1
        path = self.folder / f"{self.count:02d}-{step}.png"
        (page or self.page).screenshot(path=str(path), full_page=True)
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


def axe_violations(page, rules: list[str] | None = None) -> list[dict]:
    """Run axe-core (all its rules, or only `rules`) on the page as it is: the violations, each
    with the selectors it found.

    The site's CSP allows no inline script, so `add_script_tag` (which inlines the file) is
    refused; axe's source is evaluated through the DevTools protocol instead, which the page's
    CSP does not govern. The policy itself stays on, as readers get it.
    """
    if not AXE.exists():
        missing_service("axe-core is not installed (`make test` runs npm install)")
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(AXE.read_text())
    return page.evaluate(
        """async (rules) => {
            const options = {resultTypes: ["violations"]};
            if (rules) options.runOnly = {type: "rule", values: rules};
            const result = await axe.run(document, options);
            return result.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                targets: v.nodes.map(n => n.target.join(" ")),
            }));
        }""",
        rules,
    )


def serious(violations: list[dict]) -> list[dict]:
    return [v for v in violations if v["impact"] in ("serious", "critical")]
