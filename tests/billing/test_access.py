"""billing.access: who is a member, who is a paid reader, and what that costs per request."""

import pytest

from billing.access import (
    ANONYMOUS,
    Reader,
    can_read,
    paid_subscribers,
    reader_for,
    reader_for_subscriber,
)
from newsletter.models import Subscriber
from notes.models import Note
from tests.billing.readers import ENTITLED, KINDS, make_reader

pytestmark = pytest.mark.django_db


def request_for(rf, user):
    from django.contrib.auth.models import AnonymousUser

    request = rf.get("/")
    request.user = user or AnonymousUser()
    return request


@pytest.mark.parametrize("kind", KINDS)
def test_each_kind_of_reader_reads_what_the_rules_say(kind, rf, django_user_model):
    user = make_reader(kind, django_user_model)
    reader = reader_for(request_for(rf, user))
    notes = {v: Note(visibility=v) for v in Note.Visibility.values}
    assert can_read(reader, notes["public"])
    assert can_read(reader, notes["members"]) == (kind != "anonymous")
    assert can_read(reader, notes["paid"]) == (kind in ENTITLED)
    if kind not in ("anonymous", "staff"):
        assert reader_for_subscriber(user.subscriber.pk).is_paid == (kind in ENTITLED)


def test_the_grace_period_is_a_setting(rf, django_user_model, settings):
    user = make_reader("past_due_in_grace", django_user_model)  # past due for 2 days
    settings.BILLING_GRACE_DAYS = 1
    assert not reader_for(request_for(rf, user)).is_paid


def test_a_pending_subscriber_signed_in_is_not_a_member(rf, django_user_model):
    user = make_reader("free", django_user_model)
    Subscriber.objects.filter(pk=user.subscriber.pk).update(status="pending")
    reader = reader_for(request_for(rf, user))
    assert not reader.is_member
    assert not can_read(reader, Note(visibility="members"))


def test_reader_for_costs_one_query_and_is_cached_on_the_request(
    rf, django_user_model, django_assert_num_queries
):
    user = make_reader("paid", django_user_model)
    request = request_for(rf, user)
    with django_assert_num_queries(1):
        reader = reader_for(request)
        assert reader_for(request) is reader
    with django_assert_num_queries(0):
        assert reader_for(request_for(rf, None)) is ANONYMOUS


def test_readers_who_see_different_things_never_share_a_cache_key():
    keys = {
        Reader().cache_key,
        Reader(is_member=True).cache_key,
        Reader(is_member=True, is_paid=True).cache_key,
        Reader(is_staff=True).cache_key,
    }
    assert len(keys) == 4


def test_paid_subscribers_lists_exactly_the_entitled_in_one_query(
    django_user_model, django_assert_num_queries
):
    for kind in KINDS:
        make_reader(kind, django_user_model)
    with django_assert_num_queries(1):
        emails = sorted(paid_subscribers().values_list("email", flat=True))
    expected = sorted(f"{kind}@example.com" for kind in ENTITLED - {"staff"})
    assert emails == expected
