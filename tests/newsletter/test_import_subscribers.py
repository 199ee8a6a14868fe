"""import_subscribers: plain, Ghost and Substack files; idempotent; bad rows reported by line."""

from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from newsletter.models import Subscriber

DATA = Path(__file__).parent / "data"


def _run(name, capsys):
    call_command("import_subscribers", str(DATA / name))
    return capsys.readouterr()


def _statuses():
    return dict(Subscriber.objects.values_list("email", "status"))


def test_plain_file_keeps_good_rows_and_reports_bad_ones_by_line(db, capsys):
    out = _run("plain.csv", capsys)
    assert _statuses() == {"ada@example.com": "active", "grace@example.com": "active"}
    assert Subscriber.objects.get(email="grace@example.com").name == "Grace Hopper"
    assert Subscriber.objects.get(email="ada@example.com").source == "import"
    assert "line 4: invalid email address 'not-an-email'" in out.err
    assert "line 5: no email address" in out.err
    assert "2 created" in out.out and "2 rejected" in out.out


def test_ghost_export_maps_newsletter_opt_outs(db, capsys):
    out = _run("ghost.csv", capsys)
    assert out.out.startswith("ghost file:")
    assert _statuses() == {
        "linus@example.com": "active",
        "margaret@example.com": "active",
        "quit@example.com": "unsubscribed",
    }
    assert "line 5: invalid email address" in out.err


def test_substack_export_maps_disabled_email(db, capsys):
    out = _run("substack.csv", capsys)
    assert out.out.startswith("substack file:")
    assert _statuses() == {
        "katherine@example.com": "active",
        "dorothy@example.com": "active",
        "off@example.com": "unsubscribed",
    }
    assert "line 5: invalid email address" in out.err


def test_importing_twice_changes_nothing_and_never_resubscribes(db, capsys):
    _run("ghost.csv", capsys)
    Subscriber.objects.filter(email="linus@example.com").update(status="unsubscribed")
    out = _run("ghost.csv", capsys)
    assert "0 created, 0 updated, 3 unchanged" in out.out
    assert Subscriber.objects.count() == 3
    assert Subscriber.objects.get(email="linus@example.com").status == "unsubscribed"


def test_a_missing_file_is_a_clear_error(db):
    with pytest.raises(CommandError, match="cannot read"):
        call_command("import_subscribers", str(DATA / "nope.csv"))
