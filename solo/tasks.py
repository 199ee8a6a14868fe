"""Celery tasks of the project package: the admin's imports, run by a worker (import_runs)."""

from celery import shared_task
from django.db import transaction

from . import import_runs
from .models import ImportRun

# Far above the default limit: a 2,000-post archive or a long Stripe account takes minutes.
IMPORT_SOFT_LIMIT = 3 * 3600


def start(run: ImportRun) -> ImportRun:
    """Queue the run once the row holding its upload is committed."""
    transaction.on_commit(lambda: run_import.delay(run.pk))
    return run


@shared_task(soft_time_limit=IMPORT_SOFT_LIMIT, time_limit=IMPORT_SOFT_LIMIT + 60)
def run_import(run_id: int) -> None:
    import_runs.run(run_id)
