"""Imports run by a worker (solo/tasks.py): notes, subscribers, and paying readers from Stripe.

Each run reads its upload from its ImportRun row, writes its counts as it goes, and ends done with
a report (the same text the commands print), or failed with the error: the admin shows either,
never an error page. A run starts once: a task delivered twice finds it no longer queued.
"""

import io
import logging
import tempfile
import time
import zipfile
from collections import Counter
from pathlib import Path

from django.utils import timezone
from django.utils.translation import pgettext_lazy

from billing import linking
from newsletter.importing import import_csv
from notes.caching import invalidate
from notes.importers import import_files

from . import moving
from .models import ImportRun

logger = logging.getLogger(__name__)

OUTCOMES = {
    "created": pgettext_lazy("import outcome", "created"),
    "updated": pgettext_lazy("import outcome", "updated"),
    "unchanged": pgettext_lazy("import outcome", "unchanged"),
    "failed": pgettext_lazy("import outcome", "failed"),
}
PROGRESS_SECONDS = 1.0  # how often a run writes its counts so far


def pack(uploads: list[tuple[str, bytes]]) -> bytes:
    """The uploads as one zip (stored, not compressed: most are zips already); each under its
    position, so two files of the same name stay apart."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as archive:
        for index, (name, data) in enumerate(uploads):
            archive.writestr(f"{index}/{name}", data)
    return out.getvalue()


def unpack(data: bytes) -> list[tuple[str, bytes]]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return [(m.filename.split("/", 1)[1], archive.read(m)) for m in archive.infolist()]


def notes_summary(results, folder: Path, progress=None) -> dict:
    """Counts, items and every problem of an import's results; `progress(counts)` after each."""
    counts = Counter({outcome: 0 for outcome in OUTCOMES})
    items, problems = [], []
    for file, result, error in results:
        name = str(Path(file).relative_to(folder))
        if error:
            counts["failed"] += 1
            problems.append(f"{name}: {error}")
        else:
            counts[result.outcome] += 1
            items.append((name, result.outcome, result.slug))
            problems += [f"{name}: {reason}" for reason in result.refused]
        if progress:
            progress(counts)
    return {
        "counts": [(OUTCOMES[outcome], count) for outcome, count in counts.items()],
        "raw": dict(counts),
        "items": items,
        "problems": problems,
    }


class _Progress:
    """Writes a run's counts so far, at most once a second (the progress page reads them)."""

    def __init__(self, run: ImportRun):
        self.run_id, self.last = run.pk, 0.0

    def __call__(self, counts) -> None:
        if time.monotonic() - self.last >= PROGRESS_SECONDS:
            ImportRun.objects.filter(pk=self.run_id).update(counts=dict(counts))
            self.last = time.monotonic()


def _notes(run: ImportRun) -> tuple[dict, list[str]]:
    with tempfile.TemporaryDirectory(prefix="solo-import-") as folder:
        unpacked = moving.unpack(unpack(run.upload), Path(folder))
        images = moving.restore_images(unpacked)
        summary = notes_summary(import_files([folder]), Path(folder), _Progress(run))
    invalidate()
    counts = {**summary["raw"], "images": images}
    lines = [f"{name}: recognised as a {found}" for name, found in unpacked.formats]
    lines += [f"{name}\t{outcome}\t{slug}" for name, outcome, slug in summary["items"]]
    lines += [f"Warning: {problem}" for problem in unpacked.warnings + summary["problems"]]
    return counts, lines


def _subscribers(run: ImportRun) -> tuple[dict, list[str]]:
    ((_name, data),) = unpack(run.upload)
    report = import_csv(io.StringIO(data.decode("utf-8-sig"), newline=""))
    counts = {
        "created": report.created,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "rejected": len(report.errors),
    }
    statuses = ", ".join(f"{count} {status}" for status, count in report.statuses.items())
    lines = [
        f"Recognised as a {report.platform} export.",
        f"Readers in the file: {statuses or 'none'}.",
        f"{report.paid} paid, {report.comped} comped; {report.merged} repeated address(es) merged.",
    ]
    lines += [f"Rejected: line {line}: {problem}" for line, problem in report.errors]
    return counts, lines


def _stripe(run: ImportRun) -> tuple[dict, list[str]]:
    dry_run = bool(run.options.get("dry_run"))
    report = linking.link_subscribers(run.options["prices"], dry_run=dry_run)
    counts = {
        "linked": len(report.linked),
        "already": len(report.already),
        "not_linked": len(report.not_linked),
        "other_prices": report.other_prices,
    }
    return counts, linking.report_lines(report, dry_run=dry_run)


RUNNERS = {
    ImportRun.Kind.NOTES: _notes,
    ImportRun.Kind.SUBSCRIBERS: _subscribers,
    ImportRun.Kind.STRIPE: _stripe,
}


def run(run_id: int) -> None:
    runs = ImportRun.objects.filter(pk=run_id)
    if not runs.filter(status=ImportRun.Status.QUEUED).update(
        status=ImportRun.Status.RUNNING, started_at=timezone.now()
    ):
        return  # started already, or gone
    the_run = runs.get()
    try:
        counts, lines = RUNNERS[the_run.kind](the_run)
    except Exception as error:  # whatever broke, the author reads it on the run's page
        logger.exception("import run %s failed", run_id)
        runs.update(
            status=ImportRun.Status.FAILED,
            report=f"{error.__class__.__name__}: {error}",
            finished_at=timezone.now(),
            upload=b"",
        )
        return
    started = f"{the_run.started_at:%Y-%m-%d %H:%M:%S} UTC"
    heading = f"Import run #{run_id} ({the_run.kind}), started {started}"
    totals = ", ".join(f"{value} {key.replace('_', ' ')}" for key, value in counts.items())
    runs.update(
        status=ImportRun.Status.DONE,
        counts=counts,
        report="\n".join([heading, totals, "", *lines]) + "\n",
        finished_at=timezone.now(),
        upload=b"",
    )
