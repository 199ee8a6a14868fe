"""Subscribe, confirm and unsubscribe: the rules, apart from the views that call them."""

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from notes.publication import SiteSettings

from . import referrals, sequences, tokens
from .models import Subscriber, WelcomeEmail, normalize_email
from .tasks import send_email


def absolute(path: str) -> str:
    return settings.SITE_URL + path


def unsubscribe_url(subscriber_id: int) -> str:
    return absolute(
        reverse("newsletter:unsubscribe", args=[tokens.unsubscribe_token(subscriber_id)])
    )


CONFIRMATION_INTERVAL = 15 * 60  # seconds


def request_subscription(
    email: str,
    name: str = "",
    language: str = "",
    note=None,
    source: str = "",
    referrer=None,
) -> bool:
    """Start double opt-in. Says nothing about whether the address was known (no enumeration).

    `note`, `source`: the note whose page the form was on and where its reader came from, and
    `referrer`: the reader whose link brought this one; all recorded on a new subscriber only.
    False when the address has had its confirmation emails for today
    (SIGNUP_CONFIRMATIONS_PER_ADDRESS), whoever it belongs to.
    """
    email = normalize_email(email)
    language = language or translation.get_language() or settings.LANGUAGE_CODE
    with transaction.atomic():
        subscriber = Subscriber.objects.select_for_update().filter(email=email).first()
        if subscriber is None:
            try:
                with transaction.atomic():
                    subscriber = Subscriber.objects.create(
                        email=email,
                        name=name,
                        language=language,
                        source=Subscriber.Source.FORM,
                        signup_note=note,
                        signup_source=source,
                    )
                    referrals.record(referrer, subscriber)
            except IntegrityError:  # the same address, submitted twice at once
                return True
        # One confirmation per address per quarter hour, and a few a day, so the form cannot
        # flood an inbox. Counted before looking at the status, so that an active reader's
        # address answers like any other (no enumeration).
        if not cache.add(f"newsletter:confirmation:{subscriber.email}", 1, CONFIRMATION_INTERVAL):
            return True
        if not _confirmation_allowed_today(subscriber.email):
            return False
        if subscriber.status == Subscriber.Status.ACTIVE:
            return True  # already receiving: nothing to send
        transaction.on_commit(lambda: send_confirmation(subscriber))
    return True


def _confirmation_allowed_today(email: str) -> bool:
    key = f"newsletter:confirmations:{timezone.localdate().isoformat()}:{email}"
    cache.add(key, 0, 24 * 3600)
    try:
        sent = cache.incr(key)
    except ValueError:  # expired between the two calls
        cache.add(key, 1, 24 * 3600)
        sent = 1
    return sent <= settings.SIGNUP_CONFIRMATIONS_PER_ADDRESS


def send_confirmation(subscriber: Subscriber) -> None:
    link = absolute(reverse("newsletter:confirm", args=[tokens.confirm_token(subscriber)]))
    site = SiteSettings.current()
    context = {"subscriber": subscriber, "confirm_url": link, "site_name": site.name}
    with translation.override(subscriber.language):
        subject = _("Confirm your subscription to %(site)s") % {"site": site.name}
        text = render_to_string("newsletter/email/confirm.txt", context)
        html = render_to_string("newsletter/email/confirm.html", context)
    send_email.delay(subscriber.email, subject, text, html)


def subscriber_for_confirm_token(token: str, rows=Subscriber.objects) -> Subscriber | None:
    """The subscriber a valid confirmation token is for; None for a bad or expired one."""
    found = tokens.read_confirm_token(token)
    if found is None:
        return None
    pk, address_hash = found
    subscriber = rows.filter(pk=pk).first()
    if subscriber is None or not tokens.is_for_subscriber(address_hash, subscriber):
        return None
    return subscriber


def confirm(token: str) -> Subscriber | None:
    """Activate the subscriber behind a valid token; None for a bad, expired or old one."""
    with transaction.atomic():
        subscriber = subscriber_for_confirm_token(token, Subscriber.objects.select_for_update())
        if subscriber is None:
            return None
        if subscriber.activate(double_opt_in=True):
            sequences.start_free(subscriber)  # the welcome email below is its step 0
            transaction.on_commit(lambda: send_welcome(subscriber))
            transaction.on_commit(lambda: referrals.confirmed(subscriber))
    return subscriber


def welcome_subject(subject: str, publication: str) -> str:
    """The author's subject, naming the publication if it does not already (inboxes sort by it)."""
    if publication.casefold() in subject.casefold():
        return subject
    return _("%(subject)s — %(publication)s") % {"subject": subject, "publication": publication}


def send_welcome(subscriber: Subscriber) -> None:
    welcome = WelcomeEmail.current()
    site = SiteSettings.current()
    context = {
        "subscriber": subscriber,
        "body": welcome.body,
        "unsubscribe_url": unsubscribe_url(subscriber.pk),
        "site_url": settings.SITE_URL,
        "site_name": site.name,
    }
    with translation.override(subscriber.language):
        subject = welcome_subject(str(welcome.subject), site.name)
        text = render_to_string("newsletter/email/welcome.txt", context)
        html = render_to_string("newsletter/email/welcome.html", context)
    send_email.delay(
        subscriber.email,
        subject,
        text,
        html,
        {"List-Unsubscribe": f"<{context['unsubscribe_url']}>"},
    )


def subscriber_for_unsubscribe_token(token: str) -> Subscriber | None:
    pk = tokens.subscriber_id_from_unsubscribe_token(token)
    return None if pk is None else Subscriber.objects.filter(pk=pk).first()
