"""Recommendations: listed on /recommendations/ and after a sign-up, clicks counted through a
redirect to the stored address only; cross-site subscribe from another Solo site still goes
through this site's defences and double opt-in."""

import re
import time

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from newsletter import defences
from newsletter.models import Recommendation, Subscriber

pytestmark = pytest.mark.django_db

CROSS_SITE = {"HTTP_ORIGIN": "https://other.example", "HTTP_SEC_FETCH_SITE": "cross-site"}


@pytest.fixture
def picks():
    return [
        Recommendation.objects.create(
            name="Field Notes",
            url="https://fieldnotes.example/",
            why="Weekly essays on gardens.",
            feed_url="https://fieldnotes.example/feed/",
            subscribe_url="https://fieldnotes.example/subscribe/remote/",
            position=1,
        ),
        Recommendation.objects.create(
            name="Tide Tables", url="https://tides.example/", why="Short, sharp, daily.", position=2
        ),
        Recommendation.objects.create(name="Retired", url="https://old.example/", shown=False),
    ]


def test_the_recommendations_page_lists_what_the_author_shows(client, picks):
    page = client.get("/recommendations/")
    text = page.content.decode()
    assert page.status_code == 200
    assert text.index("Field Notes") < text.index("Tide Tables")
    assert "Weekly essays on gardens." in text and "Retired" not in text
    assert f'href="/recommendations/{picks[0].pk}/go/"' in text
    # A recommended Solo site's own subscribe form, allowed by this page's CSP.
    assert 'action="https://fieldnotes.example/subscribe/remote/"' in text
    assert "https://fieldnotes.example" in page["Content-Security-Policy"].split("form-action")[1]
    assert not page.cookies


def test_an_empty_list_says_so(client):
    assert b"No recommendations yet." in client.get("/recommendations/").content


def test_you_might_also_like_after_subscribing_and_confirming(
    client, picks, smtp_server, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post("/subscribe/", {"email": "reader@example.com"})
    text = answer.content.decode()
    assert "You might also like" in text and "Field Notes" in text and "Retired" not in text
    confirm = re.search(
        r"http://testserver(/subscribe/confirm/\S+)",
        smtp_server.wait_for(1)[0].message.get_body(("plain",)).get_content(),
    )[1]
    assert b"You might also like" in client.post(confirm).content
    assert b"You might also like" not in client.get(confirm).content  # the button page


def test_a_click_is_counted_and_redirects_to_the_stored_address_only(client, picks):
    go = f"/recommendations/{picks[0].pk}/go/"
    answer = client.get(go + "?next=https://evil.example/&url=https://evil.example/")
    assert answer.status_code == 302 and answer["Location"] == "https://fieldnotes.example/"
    assert "no-cache" in answer["Cache-Control"] or "max-age=0" in answer["Cache-Control"]
    client.post(go)
    client.head(go)  # link previews: not counted
    picks[0].refresh_from_db()
    assert picks[0].clicks == 2


@pytest.mark.parametrize("pk", ["hidden", 999999])
def test_a_hidden_or_unknown_recommendation_is_a_404(client, picks, pk):
    pk = picks[2].pk if pk == "hidden" else pk
    assert client.get(f"/recommendations/{pk}/go/").status_code == 404
    assert Recommendation.objects.filter(clicks__gt=0).count() == 0


def test_another_site_cannot_post_clicks(client, picks):
    assert client.post(f"/recommendations/{picks[0].pk}/go/", **CROSS_SITE).status_code == 403
    picks[0].refresh_from_db()
    assert picks[0].clicks == 0


def test_cross_site_subscribe_shows_this_sites_form_filled_in_and_changes_nothing(
    client, smtp_server, settings, django_capture_on_commit_callbacks
):
    settings.SIGNUP_MIN_SECONDS = 3
    answer = client.post(
        "/subscribe/remote/",
        {"email": "reader@example.com", "source": "recommendation"},
        **CROSS_SITE,
    )
    assert answer.status_code == 200
    text = answer.content.decode()
    assert "recommends this one" in text
    assert 'value="reader@example.com"' in text and 'name="stamp"' in text
    assert Subscriber.objects.count() == 0
    time.sleep(0.2)
    assert smtp_server.messages == []
    # The ordinary subscribe endpoint still refuses other sites.
    assert client.post("/subscribe/", {"email": "x@example.com"}, **CROSS_SITE).status_code == 403
    # The reader presses Subscribe on that page (this site, a few seconds later): double opt-in.
    stamp = defences.form_stamp(time.time() - 5)
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post("/subscribe/", {"email": "reader@example.com", "stamp": stamp})
    assert answer.status_code == 200
    assert smtp_server.wait_for(1)[0].rcpt_tos == ["reader@example.com"]
    assert Subscriber.objects.get().status == Subscriber.Status.PENDING


def test_cross_site_subscribe_is_rate_limited_and_refuses_bad_input(client, settings):
    settings.FORM_RATE_LIMIT = "2/m"
    bad = client.post("/subscribe/remote/", {"email": "a@b.example\r\nBcc: x@example.com"})
    assert bad.status_code == 200 and b"Bcc" not in bad.content
    assert client.get("/subscribe/remote/").status_code == 405
    assert client.post("/subscribe/remote/", {"email": "a@example.com"}).status_code == 200
    assert client.post("/subscribe/remote/", {"email": "a@example.com"}).status_code == 429
    assert Subscriber.objects.count() == 0


def test_the_recommendations_page_costs_the_same_sql_for_2_or_40(client, picks):
    # rule constant-sql
    def queries() -> int:
        cache.clear()  # the page itself, not a cached copy
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/recommendations/").status_code == 200
        return len(captured)

    queries()  # the site's settings, read once
    few = queries()
    Recommendation.objects.bulk_create(
        Recommendation(
            name=f"R{i}",
            url=f"https://r{i}.example/",
            subscribe_url=f"https://r{i}.example/subscribe/remote/",
        )
        for i in range(40)
    )
    assert queries() == few


def test_the_author_adds_a_recommendation_and_sees_its_clicks(admin_client, client):
    answer = admin_client.post(
        "/admin/newsletter/recommendation/add/",
        {
            "name": "Field Notes",
            "url": "https://fieldnotes.example/",
            "why": "Gardens.",
            "position": "0",
            "shown": "on",
        },
    )
    assert answer.status_code == 302
    pick = Recommendation.objects.get()
    client.get(f"/recommendations/{pick.pk}/go/")
    page = admin_client.get("/admin/newsletter/recommendation/").content.decode()
    assert "Field Notes" in page and 'class="field-clicks">1<' in page
    assert admin_client.get("/admin/newsletter/stoppedsignup/").status_code == 200
