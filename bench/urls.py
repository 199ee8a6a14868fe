import os
from functools import lru_cache
from pathlib import Path

from django.http import HttpResponse
from django.urls import path

from solo.urls import urlpatterns as site_urlpatterns

_PAGE = Path(os.environ.get("BENCH_PAGE_FILE", "var/bench/note.html"))


@lru_cache(maxsize=1)
def _page_bytes() -> bytes:
    return _PAGE.read_bytes()


def trivial(request):
    """The framework's floor: the saved note page's bytes, nothing computed per request."""
    return HttpResponse(_page_bytes(), content_type="text/html; charset=utf-8")


urlpatterns = [path("__bench/trivial/", trivial), *site_urlpatterns]
