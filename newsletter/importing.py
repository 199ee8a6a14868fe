"""Import subscribers from CSV: a plain `email,name` file, Solo's own export, or the subscriber
export of Substack, Ghost, beehiiv, Kit (ConvertKit) or Mailchimp, recognised by its columns.

Imported people opted in elsewhere, so they arrive with the status the file gives them: active,
or unsubscribed, bounced or complained (and then never mailed). Re-importing the same file
changes nothing. An address already here keeps its status, except that a stop in the file (an
unsubscribe, a bounce, a complaint) is respected, through the reader lifecycle. The same address
twice in a file (in any case) is one reader, with the strongest stop of its rows. What else the
platform says (labels or topics, paid and comped flags, Stripe customer id, consent) is kept as it
came in `Subscriber.imported`. Bad rows are reported with their line number.
"""

import csv
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from .models import MOVES, Subscriber, normalize_email

TRUE = {"true", "1", "yes", "y", "t"}
S = Subscriber.Status
# The stronger a status, the more it wins when one address appears twice: stops beat sending.
STRENGTH = [S.PENDING, S.ACTIVE, S.UNSUBSCRIBED, S.BOUNCED, S.COMPLAINED]
STOPS = {S.UNSUBSCRIBED: "unsubscribe", S.BOUNCED: "bounce", S.COMPLAINED: "complain"}
CHUNK = 2000  # addresses per query and per insert


@dataclass
class Row:
    email: str
    name: str = ""
    status: str = S.ACTIVE
    created: datetime | None = None
    imported: dict = field(default_factory=dict)


@dataclass
class ImportReport:
    format: str = "plain"
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    merged: int = 0  # rows that repeated an address already in the file
    statuses: Counter = field(default_factory=Counter)  # of the file's readers
    paid: int = 0
    comped: int = 0
    first: list[str] = field(default_factory=list)  # the first addresses, for a preview
    errors: list[tuple[int, str]] = field(default_factory=list)

    @property
    def platform(self) -> str:
        return PLATFORMS[self.format].label

    @property
    def status_labels(self) -> list[tuple[str, int]]:
        return [(S(status).label, count) for status, count in self.statuses.items()]


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in TRUE


def _text(record: dict, *columns: str) -> str:
    return " ".join(filter(None, ((record.get(c) or "").strip() for c in columns)))


def _when(value: str | None) -> datetime | None:
    """A date as the platforms write it: ISO 8601, `2024-01-02 10:00:00 UTC`, a Unix time."""
    value = (value or "").strip().removesuffix(" UTC").removesuffix(" +0000")
    if value.isdigit():
        return datetime.fromtimestamp(int(value), tz=UTC)
    try:
        moment = parse_datetime(value)
        if moment is None and (day := parse_date(value)):
            moment = datetime(day.year, day.month, day.day)
    except ValueError:
        return None
    if moment is not None and timezone.is_naive(moment):
        moment = moment.replace(tzinfo=UTC)
    return moment


def _labels(value: str | None) -> list[str]:
    """Labels as `a, b` or as Mailchimp's `"a","Paris, France"`, each once, in file order."""
    labels = next(csv.reader([value or ""], skipinitialspace=True), [])
    return list(dict.fromkeys(filter(None, (label.strip() for label in labels))))


def _details(platform: str, **values) -> dict:
    """The platform's other facts, without the empty ones (re-imports compare equal)."""
    return {"platform": platform} | {k: v for k, v in values.items() if v not in ("", [], None)}


# One parser per platform: a record (lower-cased column names) → a Row. The columns are the ones
# each platform documents for its subscriber export; the README lists them.


def _plain(record: dict) -> Row:
    return Row(normalize_email(record.get("email")), _text(record, "name"))


def _solo(record: dict) -> Row:
    status = (record.get("status") or "").strip()
    return Row(
        normalize_email(record.get("email")),
        _text(record, "name"),
        status if status in S.values else S.ACTIVE,
        _when(record.get("created_at")),
    )


def _ghost(record: dict) -> Row:
    # subscribed_to_emails false: opted out of newsletters; deleted_at: removed from the site.
    stopped = not _flag(record.get("subscribed_to_emails")) or bool(_text(record, "deleted_at"))
    comped = _flag(record.get("complimentary_plan")) or record.get("status") == "comped"
    paid = record.get("status") == "paid" or bool(_text(record, "tiers") and not comped)
    return Row(
        normalize_email(record.get("email")),
        _text(record, "name"),
        S.UNSUBSCRIBED if stopped else S.ACTIVE,
        _when(record.get("created_at")),
        _details(
            "ghost",
            labels=_labels(record.get("labels")),
            tiers=_labels(record.get("tiers")),
            paid=paid,
            comped=comped,
            stripe_customer_id=_text(record, "stripe_customer_id"),
            note=_text(record, "note"),
        ),
    )


def _substack(record: dict) -> Row:
    plan = _text(record, "plan").lower()
    comped = "comp" in plan  # Substack names a complimentary subscription's plan "comp"
    return Row(
        normalize_email(record.get("email")),
        _text(record, "name") or _text(record, "first_name", "last_name"),
        S.UNSUBSCRIBED if _flag(record.get("email_disabled")) else S.ACTIVE,
        _when(record.get("created_at")),
        _details(
            "substack",
            plan=plan,
            paid=_flag(record.get("active_subscription")) and not comped,
            comped=comped,
            expiry=_text(record, "expiry"),
            first_payment_at=_text(record, "first_payment_at"),
        ),
    )


BEEHIIV_STATUS = {
    "active": S.ACTIVE,
    "inactive": S.UNSUBSCRIBED,
    "invalid": S.BOUNCED,
    "validating": S.PENDING,
    "pending": S.PENDING,
    "needs_attention": S.PENDING,
}


def _beehiiv(record: dict) -> Row:
    status = BEEHIIV_STATUS.get(_text(record, "status").lower(), S.PENDING)
    return Row(
        normalize_email(record.get("email")),
        _text(record, "first_name", "last_name"),
        status,
        _when(record.get("created_at") or record.get("created")),
        _details(
            "beehiiv",
            labels=_labels(record.get("tags")),
            tiers=_labels(record.get("subscription_premium_tier_names")),
            paid=_text(record, "subscription_tier").lower() == "premium",
            stripe_customer_id=_text(record, "stripe_customer_id"),
            utm_source=_text(record, "utm_source"),
            referring_site=_text(record, "referring_site"),
        ),
    )


# Kit's subscriber states; "cold" readers stopped opening but are still subscribed.
KIT_STATE = {
    "active": S.ACTIVE,
    "cold": S.ACTIVE,
    "inactive": S.PENDING,  # never confirmed
    "cancelled": S.UNSUBSCRIBED,
    "bounced": S.BOUNCED,
    "complained": S.COMPLAINED,
}


def _kit(record: dict) -> Row:
    status = KIT_STATE.get(_text(record, "state", "status").lower(), S.ACTIVE)
    return Row(
        normalize_email(record.get("email_address") or record.get("email")),
        _text(record, "first_name", "last_name"),
        status,
        _when(record.get("created_at")),
        _details("kit", labels=_labels(record.get("tags"))),
    )


CONSENT_COLUMNS = ("optin_time", "optin_ip", "confirm_time", "confirm_ip")


def _mailchimp(record: dict) -> Row:
    # Mailchimp exports each audience status as its own file: the unsubscribed one has
    # UNSUB_TIME, the cleaned one (addresses that bounced) CLEAN_TIME.
    if _text(record, "clean_time"):
        status = S.BOUNCED
    elif _text(record, "unsub_time"):
        status = S.UNSUBSCRIBED
    else:
        status = S.ACTIVE
    consent = {k: _text(record, k) for k in CONSENT_COLUMNS}
    return Row(
        normalize_email(record.get("email address")),
        _text(record, "first name", "last name"),
        status,
        _when(record.get("optin_time") or record.get("confirm_time")),
        _details(
            "mailchimp",
            labels=_labels(record.get("tags")),
            consent={k: v for k, v in consent.items() if v},
            unsubscribe_reason=_text(record, "unsub_reason"),
        ),
    )


@dataclass(frozen=True)
class Platform:
    label: str
    email_columns: tuple[str, ...]
    parse: Callable[[dict], Row]
    recognised_by: frozenset[str] = frozenset()  # any of these columns


# Tried in order; the first whose columns the header has wins, plain last.
PLATFORMS = {
    "solo": Platform("Solo", ("email",), _solo, frozenset({"confirmed_at"})),
    "mailchimp": Platform(
        "Mailchimp", ("email address",), _mailchimp, frozenset({"email address", "member_rating"})
    ),
    "ghost": Platform(
        "Ghost", ("email",), _ghost, frozenset({"subscribed_to_emails", "complimentary_plan"})
    ),
    "substack": Platform(
        "Substack", ("email",), _substack, frozenset({"email_disabled", "active_subscription"})
    ),
    "beehiiv": Platform(
        "beehiiv",
        ("email",),
        _beehiiv,
        frozenset({"subscription_tier", "utm_source", "referring_site"}),
    ),
    "kit": Platform(
        "Kit (ConvertKit)", ("email_address", "email"), _kit, frozenset({"email_address", "state"})
    ),
    "plain": Platform("plain email,name", ("email",), _plain),
}


def detect_format(header: list[str]) -> str:
    columns = set(header)
    for name, platform in PLATFORMS.items():
        if platform.recognised_by & columns:
            return name
    return "plain"


def validate(row: Row) -> str | None:
    if not row.email:
        return "no email address"
    if "\n" in row.email or "\r" in row.email or "\n" in row.name or "\r" in row.name:
        return "line break in a field"
    try:
        validate_email(row.email)
    except ValidationError:
        return f"invalid email address {row.email!r}"
    if len(row.name) > 200:
        return "name longer than 200 characters"
    return None


def _merge(first: Row, again: Row) -> Row:
    """One reader from two rows of the same address: the strongest stop, the earliest date."""
    labels = first.imported.get("labels", []) + again.imported.get("labels", [])
    labels = list(dict.fromkeys(labels))
    flags = {k: True for k in ("paid", "comped") if first.imported.get(k) or again.imported.get(k)}
    dates = [d for d in (first.created, again.created) if d]
    return Row(
        first.email,
        first.name or again.name,
        max(first.status, again.status, key=STRENGTH.index),
        min(dates, default=None),
        again.imported | first.imported | flags | ({"labels": labels} if labels else {}),
    )


def read_rows(lines, report: ImportReport) -> dict[str, Row]:
    """The file's readers by address; bad rows go to the report."""
    reader = csv.DictReader(lines)
    header = [(c or "").strip().lstrip("\ufeff").lower() for c in (reader.fieldnames or [])]
    report.format = detect_format(header)
    platform = PLATFORMS[report.format]
    if not set(platform.email_columns) & set(header):
        report.errors.append((1, f"the header row has no {platform.email_columns[0]!r} column"))
        return {}
    reader.fieldnames = header
    rows: dict[str, Row] = {}
    for record in reader:
        row = platform.parse(record)
        problem = validate(row)
        if problem:
            report.errors.append((reader.line_num, problem))
        elif row.email in rows:
            rows[row.email] = _merge(rows[row.email], row)
            report.merged += 1
        else:
            rows[row.email] = row
    return rows


def import_csv(lines, dry_run: bool = False) -> ImportReport:
    """Import from an iterable of text lines (an open file); good rows are kept if others fail.

    A dry run counts exactly what an import would do, then rolls it back: nothing is kept."""
    report = ImportReport()
    rows = read_rows(lines, report)
    report.first = list(rows)[:5]
    for row in rows.values():
        report.statuses[row.status] += 1
        report.paid += bool(row.imported.get("paid"))
        report.comped += bool(row.imported.get("comped"))
    with transaction.atomic():
        new = []
        emails = list(rows)
        for start in range(0, len(emails), CHUNK):
            chunk = emails[start : start + CHUNK]
            for subscriber in Subscriber.objects.filter(email__in=chunk):
                if _update(subscriber, rows.pop(subscriber.email)):
                    report.updated += 1
                else:
                    report.unchanged += 1
        now = timezone.now()
        for row in rows.values():
            new.append(_new_subscriber(row, now))
        # A reader signing up while the file is imported keeps their own row.
        Subscriber.objects.bulk_create(new, batch_size=CHUNK, ignore_conflicts=True)
        report.created = len(new)
        if dry_run:
            transaction.set_rollback(True)
    return report


def _new_subscriber(row: Row, now: datetime) -> Subscriber:
    sending = row.status == S.ACTIVE
    stopped = row.status in STOPS
    return Subscriber(
        email=row.email,
        name=row.name,
        source=Subscriber.Source.IMPORT,
        status=row.status,
        created_at=row.created or now,
        confirmed_at=(row.created or now) if sending else None,
        unsubscribed_at=now if stopped and row.status != S.BOUNCED else None,
        imported=row.imported,
    )


def _update(subscriber: Subscriber, row: Row) -> bool:
    """Bring what the file says to a reader already here; True if anything changed."""
    changed = False
    move = STOPS.get(row.status)
    if move and subscriber.status not in MOVES[move][1]:  # a query only when it may change
        changed = getattr(subscriber, move)()
    fields = {}
    if row.name and not subscriber.name:
        fields["name"] = row.name
    if row.imported and subscriber.imported | row.imported != subscriber.imported:
        fields["imported"] = subscriber.imported | row.imported
    if fields:
        Subscriber.objects.filter(pk=subscriber.pk).update(**fields)
    return changed or bool(fields)
