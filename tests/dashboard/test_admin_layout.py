"""The author's desk reads as a desk: writing, newsletter, readers and money first, the technical
models under one "System" heading last; the dashboard uses the whole width; the deliveries
chart says which issue each bar is."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from newsletter.models import Issue

pytestmark = pytest.mark.django_db


def _groups(page: str) -> dict[str, list[str]]:
    """Each group heading of the index's app list, with the model names under it."""
    groups = {}
    for block in page.split('<div class="app-')[1:]:
        heading = re.search(r'class="section"[^>]*>([^<]+)</a>', block).group(1)
        groups[heading] = re.findall(
            r'<th scope="row" id="[\w-]+">\s*<a href="[^"]+"[^>]*>([^<]+)</a>', block
        )
    return groups


def test_the_admin_index_groups_the_authors_work_first_and_system_last(admin_client):
    groups = _groups(admin_client.get(reverse("admin:index")).content.decode())
    assert list(groups) == ["Writing", "Newsletter", "Readers", "Money", "System"]
    assert groups["Writing"][0] == "Notes"
    assert groups["Newsletter"][0] == "Issues"
    assert groups["Readers"][0] == "Subscribers"
    assert groups["Money"][:2] == ["Subscriptions", "Plans"]
    system = groups["System"]
    assert system[0] == "Users"
    for technical in ("Stripe events", "Access attempts", "TOTP devices", "Groups"):
        assert technical in system
        assert all(technical not in models for name, models in groups.items() if name != "System")


def test_an_apps_own_page_still_lists_that_app(admin_client):
    page = admin_client.get("/admin/billing/").content.decode()
    assert "Stripe events" in page and "Plans" in page
    assert "Users" not in page.split('id="content-main"')[1]


def test_the_dashboard_uses_the_whole_width(admin_client):
    page = admin_client.get(reverse("admin:index")).content.decode()
    assert 'class="colM"' in page
    assert "Recent actions" not in page


def test_the_deliveries_chart_labels_each_issue(admin_client):
    now = timezone.now()
    for n, subject in enumerate(["Spring", "A very long subject about tokens", "Summer"]):
        Issue.objects.create(subject=subject, status="sent", started_at=now - timedelta(days=n))
    page = admin_client.get(reverse("admin:index")).content.decode()
    start = page.index("<figcaption>Deliveries of the last 10 issues</figcaption>")
    chart = page[start : page.index("</figure>", start)]
    labels = re.findall(
        r'<text class="dash-axis" x="[\d.]+" y="\d+" text-anchor="middle">([^<]+)</text>', chart
    )
    assert labels == ["Summer", "A very long subject about tokens", "Spring"]


def test_every_admin_page_carries_solos_light_theme(admin_client):
    for url in (reverse("admin:index"), "/admin/notes/note/", "/admin/billing/plan/add/"):
        assert "/static/css/admin-theme.css" in admin_client.get(url).content.decode(), url
