import logging
import os

from celery import Celery
from celery.signals import after_setup_logger

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "solo.settings")

app = Celery("solo")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


class QuietRoutineTasks(logging.Filter):
    """Drops the INFO lines of the beat's routine tasks (sent, received, succeeded: six lines a
    minute that bury everything else); their warnings and errors still show."""

    def __init__(self, task_names):
        super().__init__()
        self.task_names = set(task_names)

    def filter(self, record):
        if record.levelno > logging.INFO:
            return True
        data = getattr(record, "data", None) or {}  # the worker's received/succeeded lines
        args = record.args if isinstance(record.args, tuple) else ()  # the beat's "Sending due"
        return data.get("name") not in self.task_names and self.task_names.isdisjoint(args)


@after_setup_logger.connect
def quieten_routine_tasks(logger, **kwargs):
    routine = QuietRoutineTasks(entry["task"] for entry in app.conf.beat_schedule.values())
    for handler in logger.handlers:
        handler.addFilter(routine)
