"""Import subscribers from CSV: a plain `email,name` file, or Ghost's or Substack's member export.

Imported people opted in elsewhere, so they arrive active unless the file says they stopped
email. Re-importing the same file changes nothing; an address already here keeps its status, except
that an opt-out in the file is respected. Bad rows are reported with their line number.
"""

import csv
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from .models import Subscriber, normalize_email

TRUE = {"true", "1", "yes", "y", "t"}


@dataclass
class Row:
    email: str
    name: str
    opted_out: bool


@dataclass
class ImportReport:
    format: str = "plain"
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in TRUE


def detect_format(header: list[str]) -> str:
    columns = set(header)
    if "subscribed_to_emails" in columns or "complimentary_plan" in columns:
        return "ghost"
    if "email_disabled" in columns or "active_subscription" in columns:
        return "substack"
    return "plain"


def parse_row(kind: str, record: dict) -> Row:
    email = normalize_email(record.get("email") or "")
    name = (record.get("name") or "").strip()
    if kind == "ghost":
        # Ghost: subscribed_to_emails false = opted out of newsletters; deleted_at = removed.
        opted_out = not _flag(record.get("subscribed_to_emails")) or bool(
            (record.get("deleted_at") or "").strip()
        )
    elif kind == "substack":
        # Substack: email_disabled true = the reader turned email off.
        opted_out = _flag(record.get("email_disabled"))
        name = name or (record.get("first_name") or "").strip()
    else:
        opted_out = False
    return Row(email, name, opted_out)


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


def import_csv(lines, dry_run: bool = False) -> ImportReport:
    """Import from an iterable of text lines (an open file); good rows are kept if others fail.

    A dry run counts exactly what an import would do, then rolls it back: nothing is kept."""
    reader = csv.DictReader(lines)
    header = [(column or "").strip().lower() for column in (reader.fieldnames or [])]
    report = ImportReport(format=detect_format(header))
    if "email" not in header:
        report.errors.append((1, "the header row has no 'email' column"))
        return report
    reader.fieldnames = header
    rows: list[tuple[int, Row]] = []
    for record in reader:
        row = parse_row(report.format, record)
        problem = validate(row)
        if problem:
            report.errors.append((reader.line_num, problem))
        else:
            rows.append((reader.line_num, row))

    now = timezone.now()
    with transaction.atomic():
        existing = {
            s.email: s for s in Subscriber.objects.filter(email__in=[row.email for _, row in rows])
        }
        for _line, row in rows:
            subscriber = existing.get(row.email)
            if subscriber is None:
                existing[row.email] = Subscriber.objects.create(
                    email=row.email,
                    name=row.name,
                    source=Subscriber.Source.IMPORT,
                    status=Subscriber.Status.UNSUBSCRIBED
                    if row.opted_out
                    else Subscriber.Status.ACTIVE,
                    confirmed_at=None if row.opted_out else now,
                    unsubscribed_at=now if row.opted_out else None,
                )
                report.created += 1
                continue
            changed = False
            if row.name and not subscriber.name:
                subscriber.name = row.name
                subscriber.save(update_fields=["name"])
                changed = True
            if row.opted_out and subscriber.status == Subscriber.Status.ACTIVE:
                changed = subscriber.unsubscribe() or changed
            if changed:
                report.updated += 1
            else:
                report.unchanged += 1
        if dry_run:
            transaction.set_rollback(True)
    return report
