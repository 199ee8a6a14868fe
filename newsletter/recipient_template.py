"""One encoded message, copied per recipient by filling in a few byte slots.

An issue's variant is rendered, CSS-inlined and MIME-encoded once, with placeholders where each
recipient differs: the To address, the Message-ID, the unsubscribe token (List-Unsubscribe header,
text and HTML parts) and the click-tracking delivery part (tracked links, both parts). Sending to a
recipient then costs a join of bytes instead of a render.

Invariants (pinned by tests/newsletter/test_per_recipient_template.py):

- Placeholders are ASCII without `=`, spaces or line breaks, so an 8bit body and folded headers
  carry them unchanged. A message whose encoding could have cut or rewritten one (any
  quoted-printable or base64 part) gets no template: `from_message` returns None and each copy is
  built whole instead.
- The message is cut at its placeholders once; a copy joins the pieces with the recipient's values.
  A value is inserted, never searched, so a value that looks like a placeholder cannot land in
  another slot, and every occurrence (headers, text and HTML alike) is filled: no placeholder is
  left in a copy.
- Values are ASCII on one line and short (addresses, signed tokens, ids): they cannot add a header,
  need no encoding and keep lines below SMTP's limit (bodies are wrapped well below it).
  `fill` returns None for any other value (an internationalised address, say), and that copy is
  built whole.
"""

from __future__ import annotations

import re

from .clicks import DELIVERY_PLACEHOLDER, delivery_part

TO = "recipient@placeholder.invalid"
MESSAGE_ID = "<message-id@placeholder.invalid>"
TOKEN = "XUNSUBSCRIBETOKENX"
DELIVERY = DELIVERY_PLACEHOLDER

_SLOTS = re.compile(
    b"(" + b"|".join(re.escape(p.encode()) for p in (TO, MESSAGE_ID, TOKEN, DELIVERY)) + b")"
)
_ENCODED = (b"quoted-printable", b"base64")


def _plain(value: str) -> bytes | None:
    if not value.isascii() or "\r" in value or "\n" in value:
        return None
    return value.encode()


class RecipientTemplate:
    """An encoded message cut at its placeholders, to be filled once per recipient."""

    def __init__(self, message: bytes):
        pieces = _SLOTS.split(message)
        self._texts = pieces[0::2]  # the bytes between slots, one more than the slots
        self._slots = pieces[1::2]  # the placeholder in each slot
        self._tracked = DELIVERY.encode() in self._slots

    @classmethod
    def from_message(cls, message: bytes) -> RecipientTemplate | None:
        """A template for this encoded message, or None when its encoding hides placeholders."""
        if any(encoding in message for encoding in _ENCODED):
            return None
        return cls(message)

    def fill(self, to: str, token: str, message_id: str, delivery_id: int) -> bytes | None:
        """The recipient's copy; None when a value cannot go in as plain bytes."""
        values = {TO: to, MESSAGE_ID: message_id, TOKEN: token}
        if self._tracked:
            values[DELIVERY] = delivery_part(delivery_id)
        encoded = {}
        for placeholder, value in values.items():
            value_bytes = _plain(value)
            if value_bytes is None:
                return None
            encoded[placeholder.encode()] = value_bytes
        pieces = [self._texts[0]]
        for slot, text in zip(self._slots, self._texts[1:], strict=True):
            pieces += (encoded[slot], text)
        return b"".join(pieces)
