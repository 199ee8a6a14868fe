"""Conditional GETs and the page cache for notes pages and feeds.

One "state" entry in the configured cache carries a version token: any change to notes or tags
deletes it, and so does the moment the next scheduled note goes live (its time is stored beside
the token). ETags hash that token with the reader's `cache_key`, the language and the URL, so
readers who may see different things never share an ETag or a cached page.
"""

import hashlib
import re
import uuid
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.db.models import Min
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from django.utils.http import http_date

from billing.access import reader_for

STATE_KEY = "notes:state"
PAGE_TIMEOUT = 600
_CSRF_INPUT = re.compile(rb'(name="csrfmiddlewaretoken" value=")[^"]*(")')
_CSRF_PLACEHOLDER = b"__SOLO_CSRF_TOKEN__"


def current_state() -> dict:
    """The version token, when it was minted, and when the next scheduled note goes live."""
    from .models import Note

    now = timezone.now()
    state = cache.get(STATE_KEY)
    if state is None or (state["next_change"] and now >= state["next_change"]):
        next_change = Note.objects.filter(
            status=Note.Status.PUBLISHED, published_at__gt=now
        ).aggregate(first=Min("published_at"))["first"]
        state = {"version": uuid.uuid4().hex, "since": now, "next_change": next_change}
        cache.set(STATE_KEY, state, _state_timeout())
    return state


def _state_timeout() -> int | None:
    """Forever in a shared cache (Redis), which `invalidate()` reaches from any process.

    A process-local cache (no REDIS_URL) cannot hear `import_notes` run from a shell, so there
    the state is re-read every 30 seconds.
    """
    backend = settings.CACHES["default"]["BACKEND"]
    return 30 if backend.endswith(("LocMemCache", "DummyCache")) else None


def invalidate() -> None:
    """Called whenever a note or tag changes: every page and feed gets a new ETag."""
    cache.delete(STATE_KEY)


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _timeout(state) -> int:
    if state["next_change"]:
        seconds = int((state["next_change"] - timezone.now()).total_seconds()) + 1
        return max(1, min(PAGE_TIMEOUT, seconds))
    return PAGE_TIMEOUT


def conditional_cached(view):
    """ETag/Last-Modified for every reader; whole-page cache for anonymous readers."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method not in ("GET", "HEAD"):
            return view(request, *args, **kwargs)
        reader = reader_for(request)
        state = current_state()
        language = getattr(request, "LANGUAGE_CODE", "")
        page = f"{state['version']}|{reader.cache_key}|{language}|{request.get_full_path()}"
        # The browser's copy holds a CSRF token for its cookie: a new cookie means a new ETag.
        csrf_cookie = request.COOKIES.get(settings.CSRF_COOKIE_NAME, "")
        etag = '"' + _digest(f"{page}|{csrf_cookie}") + '"'
        last_modified = int(state["since"].timestamp())
        not_modified = get_conditional_response(request, etag=etag, last_modified=last_modified)
        if not_modified is not None:
            return _finish(not_modified, etag, last_modified, reader)
        # Arbitrary query strings would let anyone fill the cache: only `?page=` is cached.
        anonymous = not request.user.is_authenticated and set(request.GET) <= {"page"}
        key = f"notes:page:{_digest(page)}"
        stored = cache.get(key) if anonymous else None
        if stored is not None:
            content = stored["content"]
            if _CSRF_PLACEHOLDER in content:  # only pages with a form set the CSRF cookie
                content = content.replace(_CSRF_PLACEHOLDER, get_token(request).encode())
            response = HttpResponse(content, content_type=stored["content_type"])
            response["X-Solo-Cache"] = "hit"
        else:
            response = view(request, *args, **kwargs)
            if response.status_code != 200 or response.streaming:
                return response
            if hasattr(response, "render"):
                response.render()
            if anonymous:
                content = _CSRF_INPUT.sub(rb"\1" + _CSRF_PLACEHOLDER + rb"\2", response.content)
                cache.set(
                    key,
                    {"content": content, "content_type": response["Content-Type"]},
                    _timeout(state),
                )
        return _finish(response, etag, last_modified, reader)

    return wrapper


def _finish(response, etag, last_modified, reader):
    response["ETag"] = etag
    response["Last-Modified"] = http_date(last_modified)
    patch_vary_headers(response, ["Cookie", "Accept-Language"])
    if reader.cache_key == "anon":
        patch_cache_control(response, public=True, max_age=0, must_revalidate=True)
    else:
        patch_cache_control(response, private=True, max_age=0, must_revalidate=True)
    return response
