import datetime as dt

import pytest


@pytest.mark.django_db
@pytest.mark.parametrize("language,shown", [("en", "Jan. 9, 2024"), ("fr", "9 janvier 2024")])
def test_dates_are_machine_readable_and_in_the_page_language(
    client, make_note, settings, language, shown
):
    settings.LANGUAGE_CODE = language
    published = dt.datetime(2024, 1, 9, 7, 5, 44, tzinfo=dt.UTC)
    note = make_note("Dated", published_at=published)
    html = client.get(note.get_absolute_url()).content.decode()
    assert f'<time datetime="2024-01-09T07:05:44+00:00">{shown}</time>' in html
    assert f'<html lang="{language}">' in html
