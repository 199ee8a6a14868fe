import pytest
from django.core.management import call_command

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
