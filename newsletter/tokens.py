"""Signed tokens in newsletter links: confirmation (expires) and unsubscribe (never expires)."""

from datetime import timedelta

from django.core import signing

CONFIRM_MAX_AGE = timedelta(days=7)
_CONFIRM_SALT = "newsletter.confirm"
_UNSUBSCRIBE_SALT = "newsletter.unsubscribe"


def confirm_token(subscriber) -> str:
    # The address is part of the signed value, so a token cannot confirm a row re-used later.
    return signing.TimestampSigner(salt=_CONFIRM_SALT).sign_object(
        [subscriber.pk, subscriber.email]
    )


def subscriber_id_from_confirm_token(token: str) -> tuple[int, str] | None:
    try:
        pk, email = signing.TimestampSigner(salt=_CONFIRM_SALT).unsign_object(
            token, max_age=CONFIRM_MAX_AGE
        )
        return int(pk), str(email)
    except (signing.BadSignature, ValueError, TypeError):
        return None


def unsubscribe_token(subscriber_id: int) -> str:
    return signing.Signer(salt=_UNSUBSCRIBE_SALT).sign(str(subscriber_id))


def subscriber_id_from_unsubscribe_token(token: str) -> int | None:
    try:
        return int(signing.Signer(salt=_UNSUBSCRIBE_SALT).unsign(token))
    except (signing.BadSignature, ValueError):
        return None
