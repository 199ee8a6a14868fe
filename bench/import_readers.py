"""Time importing a 50,000-reader subscriber export. Run by hand, not in CI:

    .venv/bin/python bench/import_readers.py [--readers 50000] [--platform ghost|mailchimp]

Needs PostgreSQL on 127.0.0.1. Writes a Ghost (or Mailchimp) export of N readers (labels with
quoted commas, 1 in 10 unsubscribed, 1 in 20 paid, 1 in 100 twice in another case), then into the
emptied database `solo_import_bench` runs `import_subscribers` three times and prints each
duration: a dry run, the first import, and the same file again (which must change nothing).
"""

import argparse
import csv
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.update(
    DJANGO_SETTINGS_MODULE="solo.settings",
    DEBUG="false",
    SECRET_KEY="bench-only-secret-key-0123456789abcdefghijklmnop",
    DATABASE_URL="postgres://postgres@127.0.0.1:5432/solo_import_bench",
    LOG_LEVEL="ERROR",
)
os.environ.pop("REDIS_URL", None)


def write_ghost(path: Path, readers: int) -> None:
    header = ["id", "email", "name", "note", "subscribed_to_emails", "complimentary_plan"]
    header += ["stripe_customer_id", "created_at", "deleted_at", "labels", "tiers"]
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(header)
        for i in range(readers):
            paid = i % 20 == 0
            writer.writerow(
                [
                    i,
                    f"reader{i}@example.com",
                    f"Reader, number {i}",
                    "",
                    "false" if i % 10 == 0 else "true",
                    "false",
                    f"cus_{i}" if paid else "",
                    f"2023-{1 + i % 12:02}-01T10:00:00.000Z",
                    "",
                    "weekly,ai",
                    "Premium" if paid else "",
                ]
            )
            if i % 100 == 0:
                writer.writerow(
                    [
                        f"d{i}",
                        f"Reader{i}@Example.com",
                        "",
                        "",
                        "true",
                        "false",
                        "",
                        "",
                        "",
                        "paris, france",
                        "",
                    ]
                )


def write_mailchimp(path: Path, readers: int) -> None:
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(
            [
                "Email Address",
                "First Name",
                "Last Name",
                "MEMBER_RATING",
                "OPTIN_TIME",
                "OPTIN_IP",
                "CONFIRM_TIME",
                "CONFIRM_IP",
                "TAGS",
            ]
        )
        for i in range(readers):
            writer.writerow(
                [
                    f"reader{i}@example.com",
                    "Reader",
                    str(i),
                    3,
                    "2022-01-01 10:00:00",
                    "192.0.2.1",
                    "2022-01-01 10:05:00",
                    "",
                    '"AI","Paris, France"',
                ]
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--readers", type=int, default=50_000)
    parser.add_argument("--platform", choices=["ghost", "mailchimp"], default="ghost")
    args = parser.parse_args()

    import django

    django.setup()
    import psycopg
    from django.core.management import call_command

    from newsletter.models import Subscriber

    with psycopg.connect("postgres://postgres@127.0.0.1:5432/postgres", autocommit=True) as pg:
        if not pg.execute("SELECT 1 FROM pg_database WHERE datname='solo_import_bench'").fetchone():
            pg.execute("CREATE DATABASE solo_import_bench")
    call_command("migrate", verbosity=0)
    Subscriber.objects.all().delete()

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"{args.platform}.csv"
        (write_ghost if args.platform == "ghost" else write_mailchimp)(path, args.readers)
        size = path.stat().st_size
        print(f"{args.platform} export: {args.readers:,} readers, {size / 1e6:.1f} MB")
        for label, options in (("dry run", ["--dry-run"]), ("import", []), ("again", [])):
            start = time.perf_counter()
            with open(os.devnull, "w") as quiet:
                call_command("import_subscribers", str(path), *options, stdout=quiet)
            elapsed = time.perf_counter() - start
            print(f"{label:8} {elapsed:6.2f} s  ({Subscriber.objects.count():,} subscribers)")


if __name__ == "__main__":
    main()
