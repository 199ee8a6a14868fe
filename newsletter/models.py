import re
from urllib.parse import parse_qs, urlsplit

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from notes.models import Note

from .ledger import LedgerRow
from .sequence_models import (  # noqa: F401 - Django finds an app's models in its models module
    Enrollment,
    Sequence,
    SequenceStep,
    StepClick,
    StepDelivery,
)


class Subscriber(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending confirmation")
        ACTIVE = "active", _("Active")
        UNSUBSCRIBED = "unsubscribed", _("Unsubscribed")
        BOUNCED = "bounced", _("Bounced")
        COMPLAINED = "complained", _("Complained")

    class Source(models.TextChoices):
        FORM = "form", _("Sign-up form")
        IMPORT = "import", _("Import")
        ADMIN = "admin", _("Admin")
        CHECKOUT = "checkout", _("Checkout")

    email = models.EmailField(_("email"), max_length=254)
    name = models.CharField(_("name"), max_length=200, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    source = models.CharField(
        _("source"), max_length=10, choices=Source.choices, default=Source.FORM
    )
    language = models.CharField(_("language"), max_length=10, default="en")
    # The Django user a reader signs in as (magic link); created on first sign-in.
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="subscriber",
    )
    # A default, not auto_now_add: an import keeps the date the reader signed up elsewhere.
    created_at = models.DateTimeField(_("created"), default=timezone.now, db_index=True)
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    unsubscribed_at = models.DateTimeField(_("unsubscribed"), null=True, blank=True)
    hard_bounces = models.PositiveSmallIntegerField(_("hard bounces"), default=0)
    # The note whose page the sign-up form was on (conversions per note in the admin).
    signup_note = models.ForeignKey(
        "notes.Note",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="signups",
        verbose_name=_("signed up from"),
    )
    # Where the reader came from to the page the form was on: its `utm_source`/`ref` (the form
    # carries it), "" when unknown. The same spelling as the analytics' page-view sources.
    signup_source = models.CharField(_("signed up via"), max_length=100, blank=True)
    # What the platform a reader was imported from said, kept as it came: platform, labels or
    # topics, paid and comped flags, Stripe customer id, consent (when and where they opted in).
    imported = models.JSONField(_("imported details"), default=dict, blank=True)
    # Topics (newsletter.topics): a reader who chose none takes everything, topics added later
    # included; one who chose some takes issues to everyone and issues of those topics.
    all_topics = models.BooleanField(
        _("every topic"),
        default=True,
        help_text=_("Receives issues of every topic, including topics added later."),
    )
    topics = models.ManyToManyField(
        "Topic",
        blank=True,
        related_name="readers",
        verbose_name=_("chosen topics"),
        help_text=_("Used when “every topic” is off."),
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("subscriber")
        verbose_name_plural = _("subscribers")
        constraints = [
            models.UniqueConstraint(Lower("email"), name="subscriber_email_ci_unique"),
        ]

    class MoveRefused(Exception):
        """A status change the reader lifecycle does not allow; its text is for the reader."""

    def __str__(self):
        return self.email

    def save(self, *args, **kwargs):
        self.email = normalize_email(self.email)
        super().save(*args, **kwargs)

    # The reader lifecycle: every status change goes through one of these five moves (the table
    # MOVES below says which are allowed). Each writes only the fields it changes, with an UPDATE
    # conditional on the status it moves from, so two processes racing cannot undo each other.
    # Each returns True when it changed the reader, False when there was nothing to do.

    def activate(self, *, double_opt_in: bool = False) -> bool:
        """The reader receives the newsletter again; the address is (re)confirmed now.

        `double_opt_in`: the reader followed a confirmation link mailed since they last left (the
        link stops working once they leave), the only way back after a spam complaint. Without
        it: the signed-in reader's own choice, a payment or an import, refused after a complaint.
        """
        move = "confirm" if double_opt_in else "activate"
        return self._move(
            move,
            status=self.Status.ACTIVE,
            confirmed_at=timezone.now(),
            unsubscribed_at=None,
            hard_bounces=0,
        )

    def unsubscribe(self) -> bool:
        """The reader asked to stop (link, one-click header, account page, import, provider)."""
        return self._move(
            "unsubscribe", status=self.Status.UNSUBSCRIBED, unsubscribed_at=timezone.now()
        )

    def bounce(self) -> bool:
        """The address cannot take mail: sending stops, until the reader proves it works again."""
        return self._move("bounce", status=self.Status.BOUNCED)

    def complain(self) -> bool:
        """The reader reported an email as spam: sending stops until a fresh double opt-in."""
        return self._move("complain", status=self.Status.COMPLAINED, unsubscribed_at=timezone.now())

    def erase(self) -> bool:
        """Anonymise the row (right to erasure): no address, name or sign-in user is left.

        Allowed from every status; the row stays, unsubscribed, so counts stay true. Erasing twice
        changes nothing. Rows of other tables are the caller's (newsletter.privacy.erase).
        """
        if self.is_erased:
            return False
        fields = {"email": erased_email(self.pk), "name": "", "user": None}
        if self.status != self.Status.UNSUBSCRIBED:
            fields |= {"status": self.Status.UNSUBSCRIBED, "unsubscribed_at": timezone.now()}
        Subscriber.objects.filter(pk=self.pk).update(**fields)
        for name, value in fields.items():
            setattr(self, name, value)
        return True

    @property
    def is_erased(self) -> bool:
        return self.email == erased_email(self.pk)

    def _move(self, move: str, **fields) -> bool:
        moves_from, unchanged = MOVES[move]
        rows = Subscriber.objects.filter(pk=self.pk)
        if rows.filter(status__in=moves_from).update(**fields):
            for name, value in fields.items():
                setattr(self, name, value)
            return True
        self.status = rows.values_list("status", flat=True).get()
        if self.status in unchanged:
            return False
        if self.status == self.Status.COMPLAINED:
            raise self.MoveRefused(
                _(
                    "This address reported one of our emails as spam, so we stopped writing to "
                    "it. To receive the newsletter again, subscribe with the form and confirm "
                    "from the email we send you."
                )
            )
        raise self.MoveRefused(_("This change is not possible for this address."))


_S = Subscriber.Status
# The allowed moves, stated once: for each move, the statuses it moves the reader from, and the
# statuses where it has nothing to do; from any other status it raises Subscriber.MoveRefused.
# - Leaving always works: unsubscribing never fails (one-click unsubscribe must), a spam complaint
#   is the strongest stop and no later unsubscribe or bounce replaces it, and a bounce stops only
#   an address we still write to (active, or pending its confirmation).
# - Coming back: a bounced or unsubscribed reader comes back by their own action: a confirmation
#   link, or the account page (the magic link that signed them in arrived, so the mailbox works,
#   as with Ghost's "re-enable emails"). A complained address comes back only through a fresh
#   double opt-in, the form then the emailed link, as Mailchimp and Substack require: the account
#   page is refused. A confirmation link mailed before the reader left no longer works (tokens.py).
MOVES: dict[str, tuple[set[str], set[str]]] = {
    "confirm": ({_S.PENDING, _S.UNSUBSCRIBED, _S.BOUNCED, _S.COMPLAINED}, {_S.ACTIVE}),
    "activate": ({_S.PENDING, _S.UNSUBSCRIBED, _S.BOUNCED}, {_S.ACTIVE}),
    "unsubscribe": ({_S.PENDING, _S.ACTIVE, _S.BOUNCED}, {_S.UNSUBSCRIBED, _S.COMPLAINED}),
    "bounce": ({_S.PENDING, _S.ACTIVE}, {_S.UNSUBSCRIBED, _S.BOUNCED, _S.COMPLAINED}),
    "complain": ({_S.PENDING, _S.ACTIVE, _S.UNSUBSCRIBED, _S.BOUNCED}, {_S.COMPLAINED}),
}

ERASED_DOMAIN = "invalid"  # RFC 2606: can never be a real mailbox


def erased_email(subscriber_id: int) -> str:
    return f"erased-{subscriber_id}@{ERASED_DOMAIN}"


def normalize_email(email: str) -> str:
    """One spelling per address: trimmed and lower-cased (mailboxes are case-insensitive)."""
    return (email or "").strip().lower()


class WelcomeEmail(models.Model):
    """The welcome email sent after confirmation: one row, edited by the author in the admin."""

    subject = models.CharField(_("subject"), max_length=200, default=_("Welcome aboard"))
    body = models.TextField(
        _("body"),
        default=_(
            "Thank you for confirming your subscription. New notes will arrive in your inbox."
        ),
        help_text=_("Plain text. An unsubscribe link is added below it."),
    )

    class Meta:
        verbose_name = _("welcome email")
        verbose_name_plural = _("welcome email")

    def __str__(self):
        return str(self.subject)

    @classmethod
    def current(cls) -> "WelcomeEmail":
        return cls.objects.order_by("pk").first() or cls()


class IssueQuerySet(models.QuerySet):
    def due(self, now=None):
        now = now or timezone.now()
        return self.filter(status=Issue.Status.SCHEDULED, scheduled_at__lte=now)


class Issue(models.Model):
    """One newsletter send: a note (or its own subject and Markdown) to an audience."""

    class Audience(models.TextChoices):
        ALL = "all", _("Everyone")
        FREE = "free", _("Free subscribers")
        PAID = "paid", _("Paid subscribers")

    class Targeting(models.TextChoices):
        NOTE = "note", _("Readers of the note's topics (from its tags); everyone if none")
        ALL = "all", _("Everyone, whatever their topics")
        CHOSEN = "chosen", _("Readers of the topics chosen below")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SCHEDULED = "scheduled", _("Scheduled")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        CANCELLED = "cancelled", _("Cancelled")

    note = models.ForeignKey(
        "notes.Note",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="issues",
        verbose_name=_("note"),
    )
    subject = models.CharField(
        _("subject"), max_length=200, blank=True, help_text=_("Defaults to the note's title.")
    )
    body = models.TextField(
        _("body"), blank=True, help_text=_("Markdown, used when the issue has no note.")
    )
    audience = models.CharField(
        _("audience"), max_length=8, choices=Audience.choices, default=Audience.ALL
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    # Who among the audience, by topic (newsletter.topics.audience_filter).
    targeting = models.CharField(
        _("topics"), max_length=8, choices=Targeting.choices, default=Targeting.NOTE
    )
    topics = models.ManyToManyField(
        "Topic", blank=True, related_name="issues", verbose_name=_("chosen topics")
    )
    scheduled_at = models.DateTimeField(_("send at"), null=True, blank=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    recipients_count = models.PositiveIntegerField(_("recipients"), default=0)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = IssueQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("issue")
        verbose_name_plural = _("issues")

    def __str__(self):
        return self.get_subject()

    def save(self, *args, **kwargs):
        if not self.subject and self.note_id:
            self.subject = self.note.title
        super().save(*args, **kwargs)

    def get_subject(self) -> str:
        return self.subject or (self.note.title if self.note_id else "")


class DeliveryQuerySet(models.QuerySet):
    def counts_by_status(self, per: str | None = None) -> dict:
        """How many of these deliveries are in each status, in one query.

        `{"queued": n, "sending": n, "sent": n, "failed": n}`; with `per` (a field, e.g. "issue"),
        one such dict for each value of that field that has deliveries.
        """
        # Counting `status` (never null) lets PostgreSQL read only the (issue, status) index: about
        # twice as fast as counting the primary key at 100,000 deliveries.
        counts = {
            status: models.Count("status", filter=models.Q(status=status))
            for status in Delivery.Status.values
        }
        rows = self.order_by()
        if per is None:
            return rows.aggregate(**counts)
        return {row.pop(per): row for row in rows.values(per).annotate(**counts)}


class Delivery(LedgerRow):
    """One (issue, subscriber) pair: the row whose status makes every send happen exactly once."""

    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="deliveries")
    subscriber = models.ForeignKey(Subscriber, on_delete=models.CASCADE, related_name="deliveries")

    objects = DeliveryQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [
            models.UniqueConstraint(fields=["issue", "subscriber"], name="delivery_once"),
        ]
        indexes = [models.Index(fields=["issue", "status"]), models.Index(fields=["status"])]

    def __str__(self):
        return f"{self.issue_id} → {self.subscriber_id} ({self.status})"


class Click(models.Model):
    """A reader followed a link in an issue: at most one row per (delivery, url).

    No user agent or address is kept: the row says only that this delivery's link was followed.
    `issue` repeats `delivery.issue` so counts per issue and per link read one table.
    """

    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="clicks")
    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="clicks")
    url = models.URLField(_("link"), max_length=2000)
    clicked_at = models.DateTimeField(_("clicked"), default=timezone.now)

    class Meta:
        ordering = ["-clicked_at"]
        verbose_name = _("click")
        verbose_name_plural = _("clicks")
        constraints = [
            models.UniqueConstraint(fields=["delivery", "url"], name="click_once"),
        ]
        indexes = [models.Index(fields=["issue", "url"])]

    def __str__(self):
        return self.url


class NoteConversionQuerySet(models.QuerySet):
    def with_signups(self, paid: models.QuerySet):
        """Notes that brought sign-ups, with how many, how many confirmed and how many pay now.

        `paid`: the subscribers who pay now (`billing.access.paid_subscribers()`, the one paid
        rule). One query: counts are aggregated in SQL.
        """
        paid = paid.values("pk")
        return (
            self.annotate(
                signup_count=models.Count("signups"),
                confirmed_count=models.Count(
                    "signups", filter=models.Q(signups__confirmed_at__isnull=False)
                ),
                paid_count=models.Count("signups", filter=models.Q(signups__in=paid)),
            )
            .filter(signup_count__gt=0)
            .order_by("-signup_count", "-paid_count", "title")
        )


class NoteConversion(Note):
    """A note seen as a sign-up source: the admin's read-only conversion list."""

    objects = NoteConversionQuerySet.as_manager()

    class Meta:
        proxy = True
        verbose_name = _("conversions by note")
        verbose_name_plural = _("conversions by note")


def record_signup_note(subscriber_id: int, note) -> bool:
    """Credit a note with this subscriber's sign-up, unless another note already has it."""
    if note is None:
        return False
    return bool(
        Subscriber.objects.filter(pk=subscriber_id, signup_note__isnull=True).update(
            signup_note=note
        )
    )


def note_from_slug(value) -> Note | None:
    """The published note a form or link names (`from`), or None for anything else."""
    if not isinstance(value, str) or not 0 < len(value) <= 200:
        return None
    return Note.objects.published().only("pk", "slug").filter(slug=value).first()


class Topic(models.Model):
    """What a reader may choose to receive: the issues of notes carrying some tags."""

    name = models.CharField(_("name"), max_length=100)
    slug = models.SlugField(
        _("slug"),
        max_length=100,
        unique=True,
        help_text=_("The value the subscribe form posts (topics=<slug>)."),
    )
    description = models.CharField(_("description"), max_length=300, blank=True)
    tags = models.ManyToManyField(
        "notes.Tag",
        related_name="topics",
        verbose_name=_("tags"),
        help_text=_("An issue of a note carrying one of these tags goes to this topic's readers."),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("topic")
        verbose_name_plural = _("topics")

    def __str__(self):
        return self.name


# The words page views accept as a source (analytics/counting.py), so a sign-up's source and
# its page views' meet: short plain words only, never an address, name or token.
_SOURCE = re.compile(r"[a-z0-9._-]{1,50}")
SOURCE_PARAMETERS = ("utm_source", "ref")


def source_from(value) -> str:
    """A `utm_source`/`ref` value as a source name (lower case), or "" for anything else."""
    if not isinstance(value, str):
        return ""
    value = value.strip().lower()
    return value if _SOURCE.fullmatch(value) else ""


def landing_source(posted, referer: str) -> str:
    """The source of a sign-up: the form's `source` field (the landing page's `utm_source`/`ref`),
    else the same parameters in the address of the page that posted the form (its Referer)."""
    if found := source_from(posted):
        return found
    query = parse_qs(urlsplit(referer or "").query)
    for name in SOURCE_PARAMETERS:
        if found := source_from((query.get(name) or [""])[0]):
            return found
    return ""


class StoppedSignup(models.Model):
    """Sign-up posts one defence refused on one day (newsletter/defences.py), for the dashboard."""

    class Defence(models.TextChoices):
        HONEYPOT = "honeypot", _("Hidden field filled in")
        TIMING = "timing", _("Sent too fast, or without the form's time")
        PROOF_OF_WORK = "proof_of_work", _("Proof of work missing or forged")
        DISPOSABLE = "disposable", _("Disposable address")
        ADDRESS_LIMIT = "address_limit", _("Too many confirmations to one address")
        RATE_LIMIT = "rate_limit", _("Too many sign-ups from one network")

    day = models.DateField(_("day"))
    defence = models.CharField(_("defence"), max_length=20, choices=Defence.choices)
    count = models.PositiveIntegerField(_("count"), default=0)

    class Meta:
        verbose_name = _("stopped sign-up")
        verbose_name_plural = _("stopped sign-ups")
        constraints = [
            models.UniqueConstraint(fields=["day", "defence"], name="stopped_signup_day_defence")
        ]

    def __str__(self):
        return f"{self.day} {self.defence}: {self.count}"


class Referral(models.Model):
    """A reader who signed up through another reader's link (newsletter/referrals.py).

    One row per referred address at most (the first link it came through), never the referrer's
    own address. It counts for the referrer once the address is confirmed, and stops counting if
    the address bounces or complains.
    """

    referrer = models.ForeignKey(
        Subscriber,
        on_delete=models.CASCADE,
        related_name="referrals",
        verbose_name=_("referred by"),
    )
    referred = models.OneToOneField(
        Subscriber,
        on_delete=models.CASCADE,
        related_name="referred_by",
        verbose_name=_("referred reader"),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")

    def __str__(self):
        return f"{self.referrer} → {self.referred}"


class Recommendation(models.Model):
    """Another publication the author recommends: on /recommendations/ and after a sign-up."""

    name = models.CharField(_("name"), max_length=200)
    url = models.URLField(_("address"), max_length=500)
    why = models.CharField(_("why"), max_length=300, blank=True, help_text=_("One line."))
    feed_url = models.URLField(_("feed address"), max_length=500, blank=True)
    subscribe_url = models.URLField(
        _("subscribe address"),
        max_length=500,
        blank=True,
        help_text=_(
            "For another Solo site: its cross-site subscribe address, "
            "https://example.com/subscribe/remote/. Readers then subscribe from here with their "
            "email, and confirm on that site."
        ),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    shown = models.BooleanField(_("shown"), default=True)
    clicks = models.PositiveIntegerField(_("clicks"), default=0, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("recommendation")
        verbose_name_plural = _("recommendations")

    def __str__(self):
        return self.name
