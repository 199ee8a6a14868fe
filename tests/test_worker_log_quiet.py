"""The worker's log under `make run` is not buried by the beat's routine tasks every minute."""

import io
import logging

from celery.app import trace
from celery.signals import after_setup_logger

import solo.celery  # noqa: F401  (connects the filter)


def test_the_beats_routine_tasks_leave_no_line_in_the_worker_log_but_sends_and_errors_do():
    out = io.StringIO()
    root = logging.Logger("worker-root")  # stands for the root logger the worker sets up
    root.addHandler(logging.StreamHandler(out))
    after_setup_logger.send(sender=None, logger=root, loglevel=logging.INFO)
    worker = logging.Logger("celery.worker", logging.INFO)
    worker.parent = root
    beat = logging.Logger("celery.beat", logging.INFO)
    beat.parent = root

    for name in ("newsletter.tasks.dispatch_due_issues", "newsletter.tasks.send_batch"):
        context = {"id": "1", "name": name, "runtime": 0.01, "return_value": None}
        worker.info(trace.LOG_RECEIVED, context, extra={"data": context})
        worker.info(trace.LOG_SUCCESS, context, extra={"data": context})
    beat.info(
        "Scheduler: Sending due task %s (%s)", "dispatch", "newsletter.tasks.dispatch_due_issues"
    )
    worker.error("Task %s raised", "newsletter.tasks.dispatch_due_issues")

    lines = out.getvalue().splitlines()
    assert "newsletter.tasks.send_batch[1] received" in lines[0]
    assert "newsletter.tasks.send_batch[1] succeeded" in lines[1]
    assert lines[2:] == ["Task newsletter.tasks.dispatch_due_issues raised"]
