"""The one place that decides "may this reader read this note in full" (DESIGN.md rule 1).

Everything that shows note content — pages, feeds, emails, search, meta tags, caches — asks
`can_read(reader, note)`. A `Reader` is resolved once per request by `reader_for(request)`.
"""

from dataclasses import dataclass

from notes.models import Note


@dataclass(frozen=True)
class Reader:
    is_staff: bool = False
    is_member: bool = False  # a confirmed subscriber who is signed in
    is_paid: bool = False  # paid, comped or past due within the grace period

    @property
    def cache_key(self) -> str:
        """Readers with the same key see the same pages: used to vary cached pages."""
        if self.is_staff:
            return "staff"
        return "paid" if self.is_paid else "member" if self.is_member else "anon"


ANONYMOUS = Reader()


def reader_for(request) -> Reader:
    cached = getattr(request, "_solo_reader", None)
    if cached is not None:
        return cached
    user = getattr(request, "user", None)
    reader = ANONYMOUS
    if user is not None and user.is_authenticated:
        reader = Reader(is_staff=user.is_staff)
    request._solo_reader = reader
    return reader


def can_read(reader: Reader, note: Note) -> bool:
    if note.visibility == Note.Visibility.PUBLIC or reader.is_staff:
        return True
    if note.visibility == Note.Visibility.MEMBERS:
        return reader.is_member or reader.is_paid
    return reader.is_paid


def subscriber_is_paid(subscriber) -> bool:
    """Paid, comped, or past due within the grace period (billing fills this in)."""
    return False
