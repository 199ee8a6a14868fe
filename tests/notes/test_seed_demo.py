import re

import pytest
from django.core.management import call_command

from newsletter.models import Issue, Subscriber
from notes.models import Note


@pytest.mark.django_db
def test_seed_demo_is_varied_and_idempotent(client):
    call_command("seed_demo", stdout=None)
    call_command("seed_demo", stdout=None)
    assert Note.objects.count() == 4
    assert Note.objects.filter(visibility=Note.Visibility.PAID).count() == 1
    assert Note.objects.filter(language="fr").count() == 1
    assert Note.objects.filter(body_html__contains="codehilite").count() == 1
    home = client.get("/").content.decode()
    assert "Welcome to Solo" in home and "L&#x27;été à Dakar" in home


@pytest.mark.django_db
def test_seed_demo_gives_the_dashboard_a_list_to_show(admin_client):
    call_command("seed_demo", stdout=None)
    call_command("seed_demo", stdout=None)  # the list is made once
    assert Subscriber.objects.count() == 160
    assert Issue.objects.filter(status="sent").count() == 3
    assert Issue.objects.filter(status="scheduled").count() == 1

    page = admin_client.get("/admin/").content.decode()
    figures = {
        key: int(re.search(rf'id="dash-{key}">(\d+)<', page).group(1))
        for key in ("active", "pending", "unsubscribed", "paid", "comps", "churned")
    }
    assert figures["active"] > 100 and figures["pending"] > 0 and figures["unsubscribed"] > 0
    # 18 paying (2 of 20 cancelled) and 2 comped readers
    assert figures == {**figures, "paid": 20, "comps": 2, "churned": 2}
    assert "€" in page or "EUR" in page  # MRR is shown
    tiers = re.search(r'<dl id="dash-tiers">(.*?)</dl>', page, re.S).group(1)
    assert "Member (demo)" in tiers and "Founding member (demo)" in tiers  # revenue per tier


@pytest.mark.django_db
def test_seed_demo_leaves_a_real_list_alone():
    Subscriber.objects.create(email="real@reader.org", status="active")
    call_command("seed_demo", stdout=None)
    assert list(Subscriber.objects.values_list("email", flat=True)) == ["real@reader.org"]
    assert not Issue.objects.exists()
