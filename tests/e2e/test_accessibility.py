"""axe-core audits the reader's pages in Chromium, in light and dark colour schemes, and finds
nothing at all to report, whatever the impact: the home page, a public note, a paid note read
anonymously, a tag, the about page, the tag index, the archive, pricing, search (empty and with
results), the 404 page, the subscribe page (blank and with an error), sign-in, support, gift,
an unknown offer and the account page.
"""

import pytest
from django.conf import settings as django_settings
from django.test import Client
from playwright.sync_api import Error as PlaywrightError

from billing.sync import ensure_user
from newsletter.models import Recommendation, Subscriber, Topic
from notes.models import Tag
from notes.publication import SiteSettings

from .conftest import AXE, axe_violations


def describe(violation: dict) -> str:
    v = violation
    return f"{v['id']} ({v['impact']}): {v['help']} at {v['targets'][:3]}"


def sign_in(page, live_server, email: str) -> None:
    """The reader's session cookie, as the magic link would set it (that path has its own test)."""
    client = Client()
    client.force_login(ensure_user(Subscriber.objects.create(email=email, status="active")))
    name = django_settings.SESSION_COOKIE_NAME
    page.context.add_cookies(
        [{"name": name, "value": client.cookies[name].value, "url": live_server.url}]
    )


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_reader_pages_have_no_accessibility_violation_light_or_dark(
    page, live_server, shots, make_note, premium_body
):
    SiteSettings(
        name="Field Notes",
        description="Essays on machine learning, in plain words.",
        author_name="Awa Diop",
        author_bio="Awa writes about AI from Dakar.",
        mastodon="https://mastodon.social/@awa",
        github="https://github.com/awa",
    ).save()
    make_note(
        "Counting tokens",
        body="## Why\n\nA *short* note.\n\n```python\nx = 1\n```\n\n"
        "| text | tokens |\n|---|---:|\n| a tweet | 70 |\n",
        tags=["AI"],
    )
    make_note("What paid readers get", body=premium_body, visibility="paid", tags=["AI"])
    # Topics: their checkboxes on the subscribe and account pages are audited too.
    topic = Topic.objects.create(name="AI tools", slug="ai-tools", description="Agents, models.")
    topic.tags.add(Tag.named("AI"))
    Recommendation.objects.create(
        name="Tide Tables",
        url="https://tides.example/",
        why="Short, sharp, daily.",
        feed_url="https://tides.example/feed/",
        subscribe_url="https://tides.example/subscribe/remote/",
    )
    pages = [
        ("home", "/"),
        ("note", "/notes/counting-tokens/"),
        ("paywall", "/notes/what-paid-readers-get/"),
        ("tag", "/tags/ai/"),
        ("about", "/about/"),
        ("tags", "/tags/"),
        ("archive", "/archive/"),
        ("privacy", "/privacy/"),
        ("pricing", "/pricing/"),
        ("search", "/search/"),
        ("search-results", "/search/?q=tokens"),
        ("not-found", "/nowhere/"),
        ("subscribe", "/subscribe/"),
        ("recommendations", "/recommendations/"),
        ("sign-in", "/account/login/"),
        ("support", "/support/"),
        ("gift", "/gift/"),
        ("offer-not-found", "/offer/none/"),
    ]
    found = {}

    def audit(name):
        found[f"{name} (light)"] = axe_violations(page)
        shots(f"audit-{name}")
        page.emulate_media(color_scheme="dark")
        found[f"{name} (dark)"] = axe_violations(page)
        shots(f"audit-{name}-dark")
        page.emulate_media(color_scheme="light")

    page.goto(live_server.url + "/")
    # The site's CSP refuses an inline script, which is what add_script_tag would add: the audit
    # evaluates axe's source instead (see axe_violations).
    with pytest.raises(PlaywrightError, match="Content Security Policy"):
        page.add_script_tag(path=str(AXE))

    for name, path in pages:
        response = page.goto(live_server.url + path)
        assert response.status == (404 if name.endswith("not-found") else 200), path
        audit(name)

    # The subscribe form after a wrong address: the error is shown and announced.
    page.goto(live_server.url + "/subscribe/")
    page.get_by_label("Email address").fill("not-an-address")
    page.get_by_role("button", name="Subscribe").click()
    page.get_by_role("alert").wait_for()
    audit("subscribe-error")

    sign_in(page, live_server, "reader@example.com")
    page.goto(live_server.url + "/account/")
    assert page.get_by_role("heading", name="Your account").is_visible()
    audit("account")

    problems = {where: [describe(v) for v in found[where]] for where in found if found[where]}
    assert problems == {}
    assert len(found) == 2 * (len(pages) + 2)  # every page was audited, in both schemes
