"""An issue of a note for a chosen tier: readers of that tier and above get it whole, lower tiers
and free readers the teaser (rule premium-never-leaks); a public note is one variant for all."""

from billing.models import Comp, Tier
from newsletter import dispatch, tasks
from newsletter.models import Issue
from tests.fixtures_newsletter import SECRET, TEASER, make_subscribers


def texts(smtp_server, count):
    return {
        m.rcpt_tos[0]: m.message.get_body(("plain",)).get_content()
        for m in smtp_server.wait_for(count)
    }


def readers_of_each_tier():
    member = Tier.objects.create(name="Member", position=1)
    founding = Tier.objects.create(name="Founding", position=2)
    free, untiered, of_member, of_founding = make_subscribers(4)
    Comp.objects.create(subscriber=untiered)  # no tier: the lowest
    Comp.objects.create(subscriber=of_member, tier=member)
    Comp.objects.create(subscriber=of_founding, tier=founding)
    return founding, (free, untiered, of_member, of_founding)


def test_a_note_for_the_founding_tier_reaches_only_founding_readers_in_full(
    premium_note, smtp_server, django_capture_on_commit_callbacks
):
    founding, (free, untiered, of_member, of_founding) = readers_of_each_tier()
    premium_note.minimum_tier = founding
    premium_note.save()
    issue = Issue.objects.create(note=premium_note)

    counts = dispatch.audience_counts(issue)
    assert (counts.free, counts.paid, counts.whole, counts.teaser) == (1, 3, 1, 3)

    with django_capture_on_commit_callbacks(execute=True):
        tasks.schedule(issue)
    received = texts(smtp_server, 4)
    assert all(TEASER in text for text in received.values())
    assert SECRET in received[of_founding.email]
    for reader in (free, untiered, of_member):
        assert SECRET not in received[reader.email], reader.email


def test_a_public_note_is_whole_for_every_tier(
    public_note, smtp_server, django_capture_on_commit_callbacks
):
    _, readers = readers_of_each_tier()
    issue = Issue.objects.create(note=public_note)
    counts = dispatch.audience_counts(issue)
    assert (counts.whole, counts.teaser) == (4, 0)
    with django_capture_on_commit_callbacks(execute=True):
        tasks.schedule(issue)
    received = texts(smtp_server, 4)
    assert all(SECRET in text for text in received.values())
