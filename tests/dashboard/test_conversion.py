"""Post-level conversion: which note's page a sign-up or a checkout started from, counted per note.

The forms on a note's page carry the note (`from`); a new subscriber is credited with it, an
existing one keeps the note it already has. The admin lists, per note, its sign-ups, how many
confirmed and how many pay now (billing.access's rule), in one query whatever the numbers.
"""

import re
from datetime import timedelta
from itertools import count

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from billing.access import paid_subscribers
from billing.models import Comp, Customer, Plan, Subscription
from newsletter.models import NoteConversion, Subscriber
from notes.models import Note

pytestmark = pytest.mark.django_db
_serial = count(1)


def _reader(note=None, status="active", confirmed=True, prefix="reader") -> Subscriber:
    return Subscriber.objects.create(
        email=f"{prefix}{next(_serial)}@example.com",
        status=status,
        confirmed_at=timezone.now() if confirmed else None,
        signup_note=note,
    )


def _paying(note, status="active", **fields) -> Subscriber:
    reader = _reader(note)
    n = next(_serial)
    customer = Customer.objects.create(stripe_id=f"cus_c{n}", subscriber=reader)
    Subscription.objects.create(
        stripe_id=f"sub_c{n}",
        customer=customer,
        subscriber=reader,
        status=status,
        amount=500,
        currency="eur",
        interval="month",
        stripe_created=timezone.now() - timedelta(days=5),
        state_at=timezone.now(),
        **fields,
    )
    return reader


def _numbers(html: str) -> list[int]:
    """The sign-ups, confirmed and paid cells of the conversion list, row by row."""
    cells = re.findall(r'<td class="field-(?:signups|confirmed|paid)">(.*?)</td>', html)
    return [int(re.sub(r"<[^>]+>", "", cell)) for cell in cells]


def test_the_forms_on_a_note_page_name_the_note(client, make_note, premium_body, payments_on):
    public = make_note("Open letter", slug="open-letter")
    paid = make_note("Locked", slug="locked", body=premium_body, visibility=Note.Visibility.PAID)

    page = client.get(public.get_absolute_url()).content.decode()
    assert '<input type="hidden" name="from" value="open-letter">' in page
    page = client.get(paid.get_absolute_url()).content.decode()
    assert '<input type="hidden" name="from" value="locked">' in page
    assert 'href="/pricing/?from=locked"' in page
    assert 'name="from"' not in client.get("/").content.decode()  # the home page names no note


def test_a_new_subscriber_is_credited_to_the_note_page_and_keeps_it(client, make_note):
    first = make_note("First", slug="first")
    second = make_note("Second", slug="second")
    draft = make_note("Draft", slug="draft", status=Note.Status.DRAFT)

    def subscribe(email, source):
        response = client.post("/subscribe/", {"email": email, "from": source})
        assert response.status_code == 200
        return Subscriber.objects.get(email=email).signup_note

    assert subscribe("ada@example.com", "first") == first
    assert subscribe("ada@example.com", "second") == first  # asked again elsewhere: kept
    assert subscribe("bo@example.com", "") is None  # the home page's form
    assert subscribe("cy@example.com", "no-such-note") is None
    assert subscribe("di@example.com", draft.slug) is None  # only published notes
    assert subscribe("ed@example.com", "x" * 5000) is None
    assert client.post("/subscribe/", {"email": "bad", "from": "first"}).status_code == 400
    assert not Subscriber.objects.filter(email="bad").exists()
    assert list(
        NoteConversion.objects.with_signups(paid_subscribers()).values_list("slug", "signup_count")
    ) == [("first", 1)]
    assert second.signups.count() == 0


@pytest.fixture
def monthly(local_stripe):
    local_stripe.create_price("monthly", amount=500, interval="month")
    return Plan.objects.create(
        name="Monthly", slug="monthly", stripe_price_id="monthly", amount=500, interval="month"
    )


def test_a_checkout_started_from_a_note_credits_it(client, make_note, local_stripe, monthly):
    note = make_note("Deep dive", slug="deep-dive")
    other = make_note("Other", slug="other")
    pricing = client.get("/pricing/?from=deep-dive").content.decode()
    assert '<input type="hidden" name="from" value="deep-dive">' in pricing

    # A known subscriber without a note is credited at once; one with a note keeps it.
    known = _reader(prefix="known")
    credited = _reader(other, prefix="credited")
    for reader in (known, credited):
        response = client.post(
            "/billing/checkout/monthly/", {"email": reader.email, "from": "deep-dive"}
        )
        assert response.status_code == 303
    known.refresh_from_db()
    credited.refresh_from_db()
    assert (known.signup_note, credited.signup_note) == (note, other)

    # A new reader exists only once paid: the note travels with the Checkout Session.
    response = client.post(
        "/billing/checkout/monthly/", {"email": "new@example.com", "from": "deep-dive"}
    )
    session_id = response["Location"].rsplit("/", 1)[1]
    local_stripe.pay(response["Location"])
    assert client.get(f"/billing/success/?session_id={session_id}").status_code == 200
    assert Subscriber.objects.get(email="new@example.com").signup_note == note


def test_conversions_per_note_in_the_admin(admin_client, make_note):
    a = make_note("Alpha note", slug="alpha")
    b = make_note("Beta note", slug="beta")
    make_note("Gamma note", slug="gamma")  # brought nobody: not listed
    _paying(a)  # pays now
    Comp.objects.create(subscriber=_reader(a))  # comped: a paid reader too
    _reader(a)  # free
    _reader(a, status="pending", confirmed=False)  # never confirmed
    _paying(a, status="canceled", canceled_at=timezone.now())  # paid once, not now
    _paying(b, status="trialing")
    _paying(None)  # paying, but signed up from no note

    rows = NoteConversion.objects.with_signups(paid_subscribers())
    assert [(n.slug, n.signup_count, n.confirmed_count, n.paid_count) for n in rows] == [
        ("alpha", 5, 4, 2),
        ("beta", 1, 1, 1),
    ]

    url = reverse("admin:newsletter_noteconversion_changelist")
    with CaptureQueriesContext(connection) as few:
        page = admin_client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert html.index("Alpha note") < html.index("Beta note") and "Gamma note" not in html
    assert _numbers(html) == [5, 4, 2, 1, 1, 1]
    # The sign-ups link to the subscriber list, filtered to that note.
    subscribers = admin_client.get(
        reverse("admin:newsletter_subscriber_changelist"), {"signup_note__id__exact": a.pk}
    )
    assert subscribers.status_code == 200
    assert "5 subscribers" in subscribers.content.decode()

    for _ in range(30):
        _paying(b)
        _reader(a)
    with CaptureQueriesContext(connection) as many:
        html = admin_client.get(url).content.decode()
    assert len(many) == len(few)
    assert _numbers(html) == [35, 34, 2, 31, 31, 31]
