"""Readers, a note and the author's choices for the comments tests."""

import pytest
from django.test import Client

from comments.models import CommentSettings
from tests.billing.readers import make_reader


@pytest.fixture
def reader_client(db, django_user_model):
    """`reader_client("free")`: a browser signed in as that kind of reader (billing/readers)."""

    def make(kind="free"):
        client = Client()
        client.force_login(make_reader(kind, django_user_model))
        return client

    return make


@pytest.fixture
def comment_settings(db):
    def choose(**fields):
        settings = CommentSettings.current()
        for name, value in fields.items():
            setattr(settings, name, value)
        settings.save()
        return settings

    return choose


@pytest.fixture
def note(make_note):
    return make_note("Counting tokens", slug="counting-tokens", body="How a tokenizer splits.")


def thread_url(note) -> str:
    return f"/notes/{note.slug}/comments/"


def post(client, note, body="A thoughtful comment.", **fields):
    return client.post(thread_url(note), {"body": body, **fields})
