"""Signed tokens in newsletter links: confirmation (expires) and unsubscribe (never expires)."""

from datetime import timedelta

from django.core import signing
from django.utils.crypto import constant_time_compare, salted_hmac

CONFIRM_MAX_AGE = timedelta(days=7)
_CONFIRM_SALT = "newsletter.confirm"
_UNSUBSCRIBE_SALT = "newsletter.unsubscribe"


def _subscriber_hash(subscriber) -> str:
    # Keyed (SECRET_KEY), so the hash cannot be matched against a list of known addresses. It
    # covers when the reader last left too: a link mailed before they unsubscribed or complained
    # must not bring them back (links of readers who never left read as before).
    value = subscriber.email
    if subscriber.unsubscribed_at is not None:
        value += f"|{subscriber.unsubscribed_at.isoformat()}"
    return salted_hmac(_CONFIRM_SALT, value, algorithm="sha256").hexdigest()[:20]


def confirm_token(subscriber) -> str:
    """The subscriber's id and a hash of their address, signed and timed: the link shows no
    address, and stops working if the row's address changes or the reader leaves."""
    return signing.TimestampSigner(salt=_CONFIRM_SALT).sign_object(
        [subscriber.pk, _subscriber_hash(subscriber)]
    )


def read_confirm_token(token: str) -> tuple[int, str] | None:
    """(subscriber id, address hash) of a genuine, unexpired token; None otherwise."""
    try:
        pk, address_hash = signing.TimestampSigner(salt=_CONFIRM_SALT).unsign_object(
            token, max_age=CONFIRM_MAX_AGE
        )
        return int(pk), str(address_hash)
    except (signing.BadSignature, ValueError, TypeError):
        return None


def is_for_subscriber(address_hash: str, subscriber) -> bool:
    return constant_time_compare(address_hash, _subscriber_hash(subscriber))


def unsubscribe_token(subscriber_id: int) -> str:
    return signing.Signer(salt=_UNSUBSCRIBE_SALT).sign(str(subscriber_id))


def subscriber_id_from_unsubscribe_token(token: str) -> int | None:
    try:
        return int(signing.Signer(salt=_UNSUBSCRIBE_SALT).unsign(token))
    except (signing.BadSignature, ValueError):
        return None
