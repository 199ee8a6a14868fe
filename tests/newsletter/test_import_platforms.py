"""import_subscribers recognises each platform's export by its columns and brings its readers as
they were there: statuses, names, sign-up dates, labels, paid and comped flags, consent. Files
carry the usual mess (BOM, quoted commas, mixed line endings, one address in two cases, bad
addresses); importing a file twice changes nothing the second time."""

from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from newsletter import tasks
from newsletter.models import Issue, Subscriber

DATA = Path(__file__).parent / "data"
S = Subscriber.Status

EXPECTED = {
    "substack_email_list.csv": (
        "Substack",
        {
            "katherine@example.com": S.ACTIVE,
            "mary@example.com": S.ACTIVE,
            "dorothy@example.com": S.UNSUBSCRIBED,  # email turned off on one of its two rows
            "off@example.com": S.UNSUBSCRIBED,
        },
        "line 7: invalid email address 'broken address'",
    ),
    "ghost_members.csv": (
        "Ghost",
        {
            "linus@example.com": S.ACTIVE,
            "margaret@example.com": S.ACTIVE,
            "grace@example.com": S.ACTIVE,
            "quit@example.com": S.UNSUBSCRIBED,
        },
        "line 7: invalid email address 'bad@@example.com'",
    ),
    "beehiiv_subscribers.csv": (
        "beehiiv",
        {
            "ida@example.com": S.ACTIVE,
            "joan@example.com": S.UNSUBSCRIBED,
            "left@example.com": S.UNSUBSCRIBED,
            "gone@example.com": S.BOUNCED,
            "waiting@example.com": S.PENDING,
        },
        "line 8: invalid email address '@example.com'",
    ),
    "kit_subscribers.csv": (
        "Kit",
        {
            "hedy@example.com": S.ACTIVE,
            "radia@example.com": S.ACTIVE,
            "anita@example.com": S.UNSUBSCRIBED,
            "bounce@example.com": S.BOUNCED,
            "spam@example.com": S.COMPLAINED,
            "never@example.com": S.PENDING,
        },
        "line 9: invalid email address 'not-an-address'",
    ),
    "mailchimp_subscribed.csv": (
        "Mailchimp",
        {"barbara@example.com": S.ACTIVE, "frances@example.com": S.ACTIVE},
        "line 5: invalid email address 'no-at-sign.example.com'",
    ),
}


def _import(name, capsys, *options):
    call_command("import_subscribers", str(DATA / name), *options)
    return capsys.readouterr()


def _state():
    return list(
        Subscriber.objects.order_by("email").values_list(
            "email", "name", "status", "created_at", "confirmed_at", "unsubscribed_at", "imported"
        )
    )


@pytest.mark.parametrize("name", EXPECTED)
def test_each_platforms_export_is_recognised_and_brings_its_readers_with_their_status(
    db, capsys, name
):
    platform, statuses, rejected = EXPECTED[name]

    out = _import(name, capsys)

    assert f"Recognised as a {platform}" in out.out
    assert dict(Subscriber.objects.values_list("email", "status")) == statuses
    assert rejected in out.err
    assert "1 repeated address(es) merged" in out.out


@pytest.mark.parametrize("name", EXPECTED)
def test_importing_a_platforms_export_twice_changes_nothing_the_second_time(db, capsys, name):
    _import(name, capsys)
    before = _state()

    out = _import(name, capsys)

    assert _state() == before
    assert f"0 created, 0 updated, {len(before)} unchanged" in out.out


def test_a_dry_run_says_what_would_come_and_writes_nothing(db, capsys):
    out = _import("kit_subscribers.csv", capsys, "--dry-run")

    assert out.out.startswith("Dry run: kit file: 6 created")
    assert "2 active, 1 unsubscribed, 1 bounced, 1 complained, 1 pending" in out.out
    assert not Subscriber.objects.exists()


def test_ghost_members_keep_their_names_with_commas_labels_sign_up_date_and_paid_flags(db, capsys):
    _import("ghost_members.csv", capsys)

    grace = Subscriber.objects.get(email="grace@example.com")
    assert grace.name == "Hopper, Grace"
    assert grace.created_at == datetime(2024, 1, 4, 10, tzinfo=UTC)
    assert grace.imported["labels"] == ["paying", "ai"]
    assert grace.imported["paid"] is True
    assert grace.imported["stripe_customer_id"] == "cus_ghost_grace"
    margaret = Subscriber.objects.get(email="margaret@example.com")
    assert margaret.imported["comped"] is True and not margaret.imported["paid"]
    # The same member twice (LINUS@ and linus@): one reader, both labels, the earlier date.
    linus = Subscriber.objects.get(email="linus@example.com")
    assert linus.imported["labels"] == ["newsletter", "kernel"]
    assert linus.created_at == datetime(2023, 12, 1, 10, tzinfo=UTC)


def test_substack_paid_and_comped_readers_are_told_apart(db, capsys):
    out = _import("substack_email_list.csv", capsys)  # starts with a BOM, CRLF and LF mixed

    assert "1 paid, 1 comped" in out.out
    assert Subscriber.objects.get(email="katherine@example.com").imported["paid"] is True
    assert Subscriber.objects.get(email="mary@example.com").imported["comped"] is True


def test_mailchimp_keeps_consent_and_tags_with_commas_and_its_three_files_add_up(db, capsys):
    for name in ("mailchimp_subscribed.csv", "mailchimp_unsubscribed.csv", "mailchimp_cleaned.csv"):
        _import(name, capsys)

    barbara = Subscriber.objects.get(email="barbara@example.com")
    assert barbara.imported["labels"] == ["AI", "Paris, France", "Early"]
    assert barbara.imported["consent"] == {
        "optin_time": "2021-05-01 10:00:00",
        "optin_ip": "192.0.2.1",
        "confirm_time": "2021-05-01 10:05:00",
        "confirm_ip": "192.0.2.1",
    }
    assert barbara.name == "Barbara Liskov"
    assert dict(Subscriber.objects.values_list("email", "status")) == {
        "barbara@example.com": S.ACTIVE,
        "frances@example.com": S.BOUNCED,  # subscribed, then cleaned: the later file wins
        "adele@example.com": S.UNSUBSCRIBED,
        "lost@example.com": S.BOUNCED,
    }


def test_a_reader_here_who_left_the_old_platform_is_unsubscribed_and_a_stop_here_is_kept(
    db, capsys
):
    here = Subscriber.objects.create(email="anita@example.com", status=S.ACTIVE)
    complained = Subscriber.objects.create(email="hedy@example.com", status=S.COMPLAINED)

    out = _import("kit_subscribers.csv", capsys)

    here.refresh_from_db()
    complained.refresh_from_db()
    assert here.status == S.UNSUBSCRIBED and here.unsubscribed_at is not None
    assert complained.status == S.COMPLAINED  # the file's "active" never re-subscribes anyone
    assert complained.imported["labels"] == ["AI", "Weekly", "Founding"]
    assert "4 created, 2 updated" in out.out


def test_imported_unsubscribed_bounced_and_unconfirmed_readers_get_no_issue(
    public_note, capsys, settings, mailoutbox, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    _import("kit_subscribers.csv", capsys)
    _import("beehiiv_subscribers.csv", capsys)

    with django_capture_on_commit_callbacks(execute=True):
        tasks.schedule(Issue.objects.create(note=public_note))

    assert sorted(message.to[0] for message in mailoutbox) == [
        "hedy@example.com",
        "ida@example.com",
        "radia@example.com",
    ]


def test_the_admin_preview_names_the_platform_and_counts_readers_by_status(admin_client):
    upload = SimpleUploadedFile(
        "mailchimp.csv", (DATA / "mailchimp_cleaned.csv").read_bytes(), "text/csv"
    )

    response = admin_client.post(reverse("admin:moving_import_subscribers"), {"file": upload})

    page = response.content.decode()
    assert "Recognised as a Mailchimp export" in page
    assert "2 bounced" in page
    assert "frances@example.com, lost@example.com" in page  # first addresses, Mailchimp column
    assert not Subscriber.objects.exists()
