"""The author opens /admin/ and reads exact figures worked out by hand from a known data set."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from newsletter.models import Issue
from notes.models import Note

from .data import known_data_set

pytestmark = pytest.mark.django_db


def _figure(page: str, name: str) -> str:
    return re.search(rf'<dd id="dash-{name}">([^<]*)</dd>', page)[1]


def test_the_admin_index_shows_exact_subscriber_and_revenue_figures(admin_client):
    expected = known_data_set()
    page = admin_client.get(reverse("admin:index")).content.decode()

    for status, n in expected["by_status"].items():
        assert _figure(page, status) == str(n), status
    assert _figure(page, "paid") == "5"
    assert _figure(page, "comps") == "1"
    assert _figure(page, "new-paid") == "2"
    assert _figure(page, "churned") == "1"
    assert re.search(r"MRR \(EUR\)</dt><dd class=\"dash-mrr\">19.17<", page)
    assert re.search(r"ARR \(EUR\)</dt><dd class=\"dash-arr\">230.00<", page)
    assert "Newsletter" in page  # the app list is still there, below


def test_failures_link_to_their_admin_change_pages(admin_client):
    expected = known_data_set()
    page = admin_client.get(reverse("admin:index")).content.decode()

    delivery_url = reverse(
        "admin:newsletter_delivery_change", args=[expected["failed_delivery"].pk]
    )
    event_url = reverse("admin:billing_stripeevent_change", args=[expected["failed_event"].pk])
    assert "1 failed delivery" in page
    assert f'href="{delivery_url}"' in page
    assert expected["failed_reader"].email in page
    assert "1 Stripe event not applied" in page
    assert f'href="{event_url}"' in page
    assert "evt_fine" not in page  # applied events are not problems
    assert admin_client.get(delivery_url).status_code == 200
    assert admin_client.get(event_url).status_code == 200


def test_next_scheduled_notes_and_issues_are_shown_in_the_authors_time_zone(admin_client, settings):
    settings.TIME_ZONE = "Europe/Paris"
    settings.LANGUAGE_CODE = "en"
    at = timezone.now().replace(microsecond=0) + timedelta(days=3)
    note = Note.objects.create(
        title="Agents in Dakar", slug="agents", body="Hello", status="published", published_at=at
    )
    Note.objects.create(
        title="Already out",
        slug="out",
        body="x",
        status="published",
        published_at=timezone.now() - timedelta(days=1),
    )
    issue = Issue.objects.create(subject="Friday letter", status="scheduled", scheduled_at=at)
    Issue.objects.create(subject="Old draft", status="draft", scheduled_at=at)

    page = admin_client.get(reverse("admin:index")).content.decode()

    paris = timezone.localtime(at, timezone.get_current_timezone())
    assert paris.utcoffset() != timedelta(0)
    assert "Times in Europe/Paris." in page
    assert f'<time datetime="{paris.isoformat()}">' in page
    assert reverse("admin:notes_note_change", args=[note.pk]) in page
    assert reverse("admin:newsletter_issue_change", args=[issue.pk]) in page
    assert "Agents in Dakar" in page and "Friday letter" in page
    assert "Already out" not in page and "Old draft" not in page


def test_readers_and_anonymous_visitors_do_not_see_the_dashboard(client, django_user_model):
    known_data_set()
    assert client.get(reverse("admin:index")).status_code == 302
    django_user_model.objects.create_user("reader", password="pw-reader-1")
    client.login(username="reader", password="pw-reader-1")
    assert "dash-paid" not in client.get(reverse("admin:index")).content.decode()
