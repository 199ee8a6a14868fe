"""Topics: which readers an issue goes to, and readers choosing or leaving topics.

The rules, stated once:
- A reader takes every topic (`all_topics`, the default: they chose none) or only the topics they
  chose. Everyone active gets the issues sent to everyone, whatever their topics, as a Substack
  reader who leaves a section still gets the publication's main posts.
- An issue goes to the topics of its note (the topics tied to one of the note's tags: the
  default), to topics the author picks, or to everyone. An issue with no topic goes to everyone.
- Leaving a topic keeps the reader subscribed; leaving everything is the plain unsubscribe. A
  reader who took every topic and leaves one takes every other topic existing then (not those
  added later: they made a choice).
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Count, Exists, Q, QuerySet, Subquery
from django.dispatch import receiver

from .models import Issue, Subscriber, Topic, normalize_email
from .privacy import erasing, exporting

# At most this many topic values in one form or link: more is not a person choosing.
MAX_TOPICS = 100
Choice = Subscriber.topics.through


def issue_topics(issue: Issue) -> QuerySet:
    """The topics this issue is sent for (lazy: usable as a subquery); none means everyone."""
    if issue.targeting == Issue.Targeting.ALL:
        return Topic.objects.none()
    if issue.targeting == Issue.Targeting.CHOSEN:
        return Topic.objects.filter(issues=issue.pk)
    if issue.note_id is None:
        return Topic.objects.none()
    return Topic.objects.filter(tags__notes=issue.note_id)


def audience_filter(issue: Issue) -> Q:
    """The readers, among the active ones, who take this issue: a condition for one query."""
    if issue.targeting == Issue.Targeting.ALL or (
        issue.targeting == Issue.Targeting.NOTE and issue.note_id is None
    ):
        return Q()
    topics = issue_topics(issue)
    chose = Choice.objects.filter(topic__in=topics.values("pk")).values("subscriber_id")
    # No topic (the note's tags match none): everyone, decided inside the same query.
    return Q(all_topics=True) | Q(pk__in=chose) | ~Exists(topics)


def sent_for(issue: Issue) -> list[Topic]:
    """The topics an email of this issue says it was sent for (empty: sent to everyone)."""
    return list(issue_topics(issue).distinct().order_by("position", "name"))


def choose(subscriber: Subscriber, topics, *, every: bool) -> None:
    """The reader's own choice: every topic, or these (possibly none: issues to everyone only)."""
    with transaction.atomic():
        Subscriber.objects.filter(pk=subscriber.pk).update(all_topics=every)
        subscriber.all_topics = every
        subscriber.topics.set([] if every else list(topics))


def choose_at_signup(email: str, topics) -> None:
    """The topics ticked on the subscribe form (none: everything), for a reader who is not yet
    receiving the newsletter. An active reader's choice is theirs to change, on their account
    page: the public form, which anyone may post with any address, never changes it."""
    subscriber = (
        Subscriber.objects.filter(email=normalize_email(email))
        .exclude(status=Subscriber.Status.ACTIVE)
        .first()
    )
    if subscriber is not None:
        topics = list(topics)
        choose(subscriber, topics, every=not topics)


def leave(subscriber: Subscriber, topic_ids: list[int]) -> list[Topic]:
    """The reader stops receiving these topics and stays subscribed. Returns the topics left."""
    left = list(Topic.objects.filter(pk__in=topic_ids))
    with transaction.atomic():
        subscriber = Subscriber.objects.select_for_update().get(pk=subscriber.pk)
        if subscriber.all_topics:
            others = Topic.objects.exclude(pk__in=[topic.pk for topic in left])
            choose(subscriber, others, every=False)
        else:
            subscriber.topics.remove(*left)
    return left


def link_query(topics: list[Topic]) -> str:
    """The query an unsubscribe link carries to leave these topics only ("" for everything)."""
    return "?topics=" + ",".join(str(topic.pk) for topic in topics) if topics else ""


def ids_from_query(value: str | None) -> list[int] | None:
    """The topic ids a link names; [] when it names none; None when it is malformed."""
    if not value:
        return []
    parts = value.split(",")
    if len(parts) > MAX_TOPICS or not all(part.isdigit() and len(part) < 10 for part in parts):
        return None
    return [int(part) for part in parts]


def audience_per_topic() -> list[dict]:
    """For each topic: the active readers an issue of it would reach, in one query.

    A topic's audience is who chose it plus who takes every topic (the same for each topic).
    """
    active = Q(status=Subscriber.Status.ACTIVE)
    every = Subscriber.objects.filter(active, all_topics=True).order_by()
    every_count = every.values("all_topics").annotate(n=Count("pk")).values("n")
    rows = Topic.objects.annotate(
        chosen=Count(
            "readers",
            filter=Q(readers__status=Subscriber.Status.ACTIVE, readers__all_topics=False),
        ),
        every=Subquery(every_count[:1]),
    ).values("slug", "name", "chosen", "every")
    return [{**row, "reach": row["chosen"] + (row["every"] or 0)} for row in rows]


@receiver(exporting, dispatch_uid="newsletter.topics.export")
def _export(sender, subscriber, **kwargs):
    return {
        "topics": {
            "every_topic": subscriber.all_topics,
            "chosen": list(subscriber.topics.order_by("pk").values_list("slug", flat=True)),
        }
    }


@receiver(erasing, dispatch_uid="newsletter.topics.erase")
def _erase(sender, subscriber, **kwargs):
    Choice.objects.filter(subscriber_id=subscriber.pk).delete()
    Subscriber.objects.filter(pk=subscriber.pk).update(all_topics=True)
