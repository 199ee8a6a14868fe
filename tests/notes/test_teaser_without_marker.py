"""A premium note without a `<!-- paywall -->` line: only a bounded free part reaches anonymous
readers, on every channel, whatever the Markdown's lines look like."""

import pytest

from notes.markdown import split_teaser
from notes.models import Note

ANONYMOUS_CHANNELS = ["/feed/", "/feed/atom/", "/search/?q=secret"]


def assert_secret_only_for_paying_readers(client, note):
    for url in [note.get_absolute_url(), *ANONYMOUS_CHANNELS]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert "SECRET" not in response.content.decode(), url
    for stored in (note.teaser_html, note.description, note.search_document):
        assert "secret" not in stored.lower()
    assert "SECRET" not in split_teaser(note.body)[0]  # the free email's text part
    assert "SECRET" in note.rest_html and "SECRET" in note.body_html


@pytest.mark.django_db
def test_a_decorative_tilde_line_does_not_make_a_paid_note_free(client, make_note):
    body = "Free intro.\n\n~~~ intermission ~~~\n\nSECRET one.\n\nSECRET two."
    note = make_note("Intermission", body=body, visibility=Note.Visibility.PAID)
    assert_secret_only_for_paying_readers(client, note)
    assert "Free intro." in client.get(note.get_absolute_url()).content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "opening",
    [
        "Intro.\n\n    indented code\n    ```",
        "Intro.\n\n```\nfenced\n\n~~~\nstill fenced\n```",
        "- one\n\n- two\n\n- three",
        "Intro.\n\n> a quote\n> ```",
    ],
)
def test_stray_fences_and_loose_lists_keep_the_rest_paid(client, make_note, opening):
    body = f"{opening}\n\nSECRET paid paragraph one.\n\nSECRET paid paragraph two."
    note = make_note("Tricky", body=body, visibility=Note.Visibility.PAID)
    assert_secret_only_for_paying_readers(client, note)


@pytest.mark.django_db
def test_a_short_paid_note_is_never_free_in_full(client, make_note):
    note = make_note("Short", body="Hello.\n\nSECRET answer.", visibility=Note.Visibility.PAID)
    assert_secret_only_for_paying_readers(client, note)
    assert note.teaser_html == "<p>Hello.</p>"


@pytest.mark.django_db
def test_a_huge_first_paragraph_is_not_free(client, make_note):
    body = "SECRET " + "word " * 400 + "\n\nA short ending."
    note = make_note("One long block", body=body, visibility=Note.Visibility.PAID)
    assert_secret_only_for_paying_readers(client, note)
    assert note.teaser_html == ""


@pytest.mark.django_db
def test_a_paid_reader_gets_the_whole_note_exactly_once(make_note):
    body = "One.\n\nTwo.\n\n" + "Three is longer than the two before it. " * 3
    note = make_note("Whole", body=body, visibility=Note.Visibility.PAID)
    assert note.teaser_html + note.rest_html == note.body_html
    assert note.teaser_html == "<p>One.</p>\n<p>Two.</p>"


def test_the_paywall_line_still_decides_when_present():
    body = "Only this.\n\n<!-- paywall -->\n\n~~~ intermission ~~~\n\nPaid."
    assert split_teaser(body) == ("Only this.", "~~~ intermission ~~~\n\nPaid.")


@pytest.mark.django_db
def test_the_editor_preview_shows_where_the_free_part_ends(staff_client, client):
    content = "Free intro.\n\nStill free.\n\n" + "The paid part, long enough to stay paid. " * 3
    response = staff_client.post("/markdownx/markdownify/", {"content": content})
    html = response.content.decode()
    assert response.status_code == 200
    assert html.index("Still free.") < html.index("Free part ends here") < html.index("paid part")
    assert client.post("/markdownx/markdownify/", {"content": content}).status_code == 302
