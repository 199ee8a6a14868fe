"""An import started in the admin runs on a worker: the author follows it on its own page
(queued, running with counts so far, done or failed) and downloads its report."""

import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from newsletter.models import Subscriber
from notes.models import Note
from solo import tasks
from solo.models import ImportRun

from .test_moving_through_the_admin import IMPORT_NOTES, confirm, hashnode_zip, preview


@pytest.mark.django_db
def test_importing_leads_to_the_runs_page_with_counts_and_a_report_to_download(admin_client):
    response = confirm(admin_client, preview(admin_client, hashnode_zip()))

    run = ImportRun.objects.get()
    assert response.url == reverse("admin:moving_run", args=[run.pk])
    page = admin_client.get(response.url).content.decode()
    assert "<strong>done</strong>" in page and "<li>4 created</li>" in page
    assert 'http-equiv="refresh"' not in page  # over: the page stops reloading
    report = admin_client.get(reverse("admin:moving_run_report", args=[run.pk]))
    assert report["Content-Type"].startswith("text/plain")
    assert report["Content-Disposition"] == f'attachment; filename="solo-import-{run.pk}.txt"'
    text = report.content.decode()
    assert "4 created, 0 updated, 0 unchanged, 0 failed, 0 images" in text
    assert "hashnode/a-picture-with-hashnode-alignment.md\tcreated\t" in text
    run.refresh_from_db()
    assert bytes(run.upload) == b""  # the readers' data is not kept once imported


@pytest.mark.django_db
def test_a_queued_run_shows_it_is_waiting_and_reloads_itself_without_a_report_yet(admin_client):
    run = ImportRun.objects.create(kind=ImportRun.Kind.NOTES)

    page = admin_client.get(reverse("admin:moving_run", args=[run.pk])).content.decode()

    assert "<strong>queued</strong>" in page and "waiting for a worker" in page
    assert '<meta http-equiv="refresh" content="2">' in page
    assert "Download the report" not in page
    assert admin_client.get(reverse("admin:moving_run_report", args=[run.pk])).status_code == 404


@pytest.mark.django_db
def test_importing_the_same_archive_twice_changes_nothing_the_second_time(admin_client):
    confirm(admin_client, preview(admin_client, hashnode_zip()))
    before = list(Note.objects.order_by("pk").values("pk", "slug", "body", "updated_at"))

    response = confirm(admin_client, preview(admin_client, hashnode_zip()))

    page = admin_client.get(response.url).content.decode()
    assert "<li>0 created</li>" in page and "<li>4 unchanged</li>" in page
    assert list(Note.objects.order_by("pk").values("pk", "slug", "body", "updated_at")) == before


@pytest.mark.django_db
def test_a_run_that_breaks_is_marked_failed_with_the_error_and_its_page_still_answers(
    admin_client,
):
    run = ImportRun.objects.create(kind=ImportRun.Kind.NOTES, upload=b"damaged, not a zip")

    tasks.run_import.delay(run.pk)

    run.refresh_from_db()
    assert run.status == ImportRun.Status.FAILED and "BadZipFile" in run.report
    response = admin_client.get(reverse("admin:moving_run", args=[run.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "<strong>failed</strong>" in page and "BadZipFile" in page
    assert 'http-equiv="refresh"' not in page


@pytest.mark.django_db
def test_a_run_is_started_once_even_if_its_task_arrives_twice(admin_client):
    confirm(admin_client, preview(admin_client, hashnode_zip()))
    run = ImportRun.objects.get()
    finished = run.finished_at

    tasks.run_import.delay(run.pk)

    run.refresh_from_db()
    assert run.finished_at == finished and run.status == ImportRun.Status.DONE


@pytest.mark.django_db
def test_a_subscriber_list_imports_on_a_worker_with_its_rejected_lines_in_the_report(
    admin_client,
):
    text = "email,name\nann@example.com,Ann\nnot-an-address,Bob\nANN@example.com,Ann\n"
    upload = SimpleUploadedFile("list.csv", text.encode(), "text/csv")
    url = "admin:moving_import_subscribers"
    response = confirm(admin_client, preview(admin_client, upload, url=url, field="file"), url)

    assert list(Subscriber.objects.values_list("email", flat=True)) == ["ann@example.com"]
    page = admin_client.get(response.url).content.decode()
    assert "<li>1 created</li>" in page and "<li>1 rejected</li>" in page
    run = ImportRun.objects.get()
    report = admin_client.get(reverse("admin:moving_run_report", args=[run.pk])).content.decode()
    assert "Rejected: line 3: invalid email address" in report
    assert "1 repeated address(es) merged" in report


@pytest.mark.django_db
def test_a_run_is_shown_only_to_an_author_who_may_import_its_kind(admin_client, staff_client):
    run = ImportRun.objects.create(kind=ImportRun.Kind.SUBSCRIBERS)

    assert staff_client.get(reverse("admin:moving_run", args=[run.pk])).status_code == 403
    assert admin_client.get(reverse("admin:moving_run", args=[run.pk + 1])).status_code == 404


def test_a_real_worker_imports_the_notes_queued_from_the_admin(worker, admin_client):
    response = preview(admin_client, hashnode_zip())
    token = response.context["preview"]["token"]
    response = admin_client.post(reverse(IMPORT_NOTES), {"token": token})  # queued at once

    run = ImportRun.objects.get()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        run.refresh_from_db()
        if run.is_over:
            break
        time.sleep(0.2)
    assert run.status == ImportRun.Status.DONE, worker.log()
    assert "solo.tasks.run_import" in worker.log()  # the worker ran it, not this process
    assert Note.objects.count() == 4
    page = admin_client.get(response.url).content.decode()
    assert "<li>4 created</li>" in page
