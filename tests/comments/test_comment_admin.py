"""The author's desk: the comment settings page, hiding and banning from the list; the reader's
switch for reply emails in their account, and the opt-out link refusing forgeries."""

import pytest

from comments.models import Comment, Commenter, CommentSettings

from .conftest import post, thread_url

pytestmark = pytest.mark.django_db


def test_the_settings_page_opens_on_its_one_row_and_saves_the_choices(admin_client, note):
    response = admin_client.get("/admin/comments/commentsettings/")
    assert response.status_code == 302
    assert response["Location"] == "/admin/comments/commentsettings/1/change/"
    assert admin_client.get(response["Location"]).status_code == 200
    admin_client.post(
        response["Location"],
        {
            "who": "paid",
            "moderation": "publish",
            "author_emails": "digest",
            "closed_notes": [note.pk],
        },
    )
    saved = CommentSettings.current()
    assert (saved.who, saved.moderation, saved.author_emails) == ("paid", "publish", "digest")
    assert list(saved.closed_notes.all()) == [note]


def test_the_author_hides_a_comment_and_bans_its_writer_from_the_list(
    admin_client, reader_client, note, comment_settings, client
):
    comment_settings(moderation=CommentSettings.Moderation.PUBLISH)
    member = reader_client("free")
    post(member, note, "Rude words.")
    comment = Comment.objects.get()
    listing = admin_client.get("/admin/comments/comment/")
    assert listing.status_code == 200 and "Rude words." in listing.content.decode()
    admin_client.post(
        "/admin/comments/comment/", {"action": "ban_writers", "_selected_action": [comment.pk]}
    )
    comment.refresh_from_db()
    assert comment.status == Comment.Status.HIDDEN
    assert Commenter.objects.get(subscriber=comment.subscriber).banned_at is not None
    page = client.get(thread_url(note), headers={"X-Solo-Fragment": "1"}).content.decode()
    assert "Rude words." not in page
    assert post(member, note, "Again.").status_code == 403


def test_a_reader_turns_reply_emails_off_and_on_in_their_account(reader_client):
    member = reader_client("free")
    page = member.get("/account/").content.decode()
    assert "You get an email when someone replies to your comments." in page
    response = member.post("/comments/replies/", {"reply_emails": "no"})
    assert response.status_code == 302 and response["Location"] == "/account/"
    assert (
        "You get no email when someone replies to your comments."
        in member.get("/account/").content.decode()
    )
    member.post("/comments/replies/", {"reply_emails": "yes"})
    assert Commenter.objects.get().reply_emails is True


def test_a_forged_opt_out_link_is_refused_and_changes_nothing(client):
    response = client.post("/comments/replies/off/forged-token/")
    assert response.status_code == 400
    assert "This link is not valid." in response.content.decode()
    assert not Commenter.objects.exists()


def test_an_unknown_note_has_no_comments_page(client):
    assert client.get("/notes/nowhere/comments/").status_code == 404


def test_a_readers_comments_are_in_their_data_and_emptied_when_they_erase_it(
    reader_client, note, comment_settings, client
):
    comment_settings(moderation=CommentSettings.Moderation.PUBLISH)
    member, other = reader_client("free"), reader_client("paid")
    post(member, note, "My own words.")
    post(other, note, "An answer.", parent=Comment.objects.get().pk)
    data = member.get("/account/data.json").json()
    assert [c["text"] for c in data["comments"]] == ["My own words."]
    member.post("/account/erase/")
    page = client.get(thread_url(note), headers={"X-Solo-Fragment": "1"}).content.decode()
    assert "My own words." not in page and "This comment was erased." in page
    assert "An answer." in page  # the other reader's reply keeps its place
    assert not Comment.objects.filter(body="My own words.").exists()
