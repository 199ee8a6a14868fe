from celery import shared_task

from . import flush


@shared_task
def flush_page_views():
    """Every minute (CELERY_BEAT_SCHEDULE): Redis counts into DailyPageViews and DailyTotals."""
    return flush.flush()


@shared_task
def fold_old_page_views():
    """Daily: days older than ANALYTICS_RAW_DAYS lose their sources, keep their views."""
    return flush.fold_old_sources()
