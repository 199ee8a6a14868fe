"""Conditional GETs and the page cache for notes pages and feeds.

One "state" entry in the configured cache carries a version token: any change to notes or tags
deletes it, and so does the moment the next scheduled note goes live (its time is stored beside
the token). ETags hash that token with the reader's `cache_key`, the language and the URL, so
readers who may see different things never share an ETag or a cached page.

Whole pages are shared only between anonymous readers, and only through
`AnonymousPageCacheMiddleware`, which sits before sessions, auth, CSRF and messages: a GET with
no session cookie and no messages cookie cannot belong to a signed-in reader (rule
premium-never-leaks), so its page is read with one cache round trip (state + page) and nothing
else runs. Pages are stored only from such requests, after every middleware has added its
headers; `SharedPage` is how the middleware and the view's decorator speak about one request.

Anonymous readers' pages set no cookie (their forms are checked by origin, notes/origin.py), so
they are also `public` for caches outside the app (a CDN, a caching proxy): kept `SHARED_MAX_AGE`
seconds, which bounds how long a change takes to reach every anonymous reader. Signed-in readers'
pages are `private`. `Vary: Cookie` keeps a browser from showing its anonymous copy once the reader
signs in; shared caches that ignore Vary must pass requests with a session cookie through.
"""

import hashlib
import logging
import re
import uuid
from dataclasses import dataclass
from functools import lru_cache, partial, wraps

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.core.exceptions import DisallowedHost
from django.db import transaction
from django.db.models import Min
from django.http import HttpResponse
from django.urls import Resolver404, resolve
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from django.utils.http import http_date
from redis.exceptions import RedisError

from billing.access import ANONYMOUS, reader_for

from .language import site_language
from .models import Note

logger = logging.getLogger(__name__)

STATE_KEY = "notes:state"
PAGE_TIMEOUT = 600
# How long browsers and shared caches keep an anonymous page, then may serve it once more while
# they fetch the new one: a change reaches every anonymous reader within about a minute.
SHARED_MAX_AGE = 60
STALE_WHILE_REVALIDATE = 60
# Any other query string would let anyone fill the cache (`?page=01`, `?page=2&page=2`,
# `?utm_source=…`): such requests are rendered, never stored. Only list views take `?page=N`,
# spelt as their links spell it, and they answer 404 to a page that does not exist.
_NO_QUERY = re.compile("")
_PAGE_QUERY = re.compile(r"(page=[1-9][0-9]*)?")
# Headers that belong to one response, not to the page: recomputed on every hit.
_NOT_STORED = {"etag", "last-modified", "content-length", "x-solo-cache", "date"}


def _cache_get_many(keys: list[str]) -> dict:
    """Readers' pages never need the cache: with Redis down they are rendered from the database."""
    try:
        return cache.get_many(keys)
    except RedisError as error:
        logger.warning("page cache unavailable, rendering from the database: %s", error)
        return {}


def _cache_set(key: str, value, timeout) -> None:
    try:
        cache.set(key, value, timeout)
    except RedisError as error:
        logger.warning("page cache unavailable, page not stored: %s", error)


def _fresh(state, now) -> bool:
    return state is not None and not (state["next_change"] and now >= state["next_change"])


def current_state(known: dict | None = None) -> dict:
    """The version token, when it was minted, and when the next scheduled note goes live.

    `known` is a state already read in this request (by the middleware), saving a round trip.
    """
    now = timezone.now()
    state = known if _fresh(known, now) else _cache_get_many([STATE_KEY]).get(STATE_KEY)
    if not _fresh(state, now):
        next_change = Note.objects.scheduled(now).aggregate(first=Min("published_at"))["first"]
        state = {"version": uuid.uuid4().hex, "since": now, "next_change": next_change}
        _cache_set(STATE_KEY, state, _state_timeout())
    return state


def _state_timeout() -> int | None:
    """Forever in a shared cache (Redis), which `invalidate()` reaches from any process.

    A process-local cache (no REDIS_URL) cannot hear `import_notes` run from a shell, so there
    the state is re-read every 30 seconds.
    """
    backend = settings.CACHES["default"]["BACKEND"]
    return 30 if backend.endswith(("LocMemCache", "DummyCache")) else None


def invalidate() -> None:
    """Called whenever a note or tag changes: every page and feed gets a new ETag.

    Deleted now and again at commit: a page rendered in between still saw the old rows, and
    must not be stored under a version minted before the change became visible.
    """
    cache.delete(STATE_KEY)
    transaction.on_commit(lambda: cache.delete(STATE_KEY))


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _timeout(state) -> int:
    if state["next_change"]:
        seconds = int((state["next_change"] - timezone.now()).total_seconds()) + 1
        return max(1, min(PAGE_TIMEOUT, seconds))
    return PAGE_TIMEOUT


def _page_id(request, reader_key: str, language: str) -> str:
    """What the page depends on besides the state: kind of reader, language, scheme/host/URL."""
    return f"{reader_key}|{language}|{request.build_absolute_uri()}"


def _page_key(page_id: str) -> str:
    return f"notes:page:{_digest(page_id)}"


def _validators(state, page_id) -> tuple[str, int]:
    etag = '"' + _digest(f"{state['version']}|{page_id}") + '"'
    return etag, int(state["since"].timestamp())


@dataclass
class SharedPage:
    """The one hand-off between `AnonymousPageCacheMiddleware` and `conditional_cached`.

    The middleware attaches it to an anonymous GET it may answer from the cache, as
    `request.shared_page`, before the view runs; the view's decorator reads `state` (saving a
    cache round trip) and, when the page it rendered may be shared, sets `rendered_under` to the
    state it was rendered under; the middleware then stores the finished response under that
    state's version. Requests without it (signed-in readers, POSTs) are never stored.
    """

    page_id: str
    state: dict | None = None  # read by the middleware, None on a cold cache
    rendered_under: dict | None = None  # set by the decorator: store this response


def conditional_cached(view=None, *, paginated=False):
    """ETag/Last-Modified and 304s for every reader; marks anonymous pages as shareable.

    `paginated=True` for list views that read `?page=N` (and 404 pages that do not exist).
    """
    if view is None:
        return partial(conditional_cached, paginated=paginated)

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method not in ("GET", "HEAD"):
            return view(request, *args, **kwargs)
        reader = reader_for(request)
        shared = getattr(request, "shared_page", None)
        state = current_state(shared.state if shared else None)
        page_id = _page_id(request, reader.cache_key, site_language())
        etag, last_modified = _validators(state, page_id)
        not_modified = get_conditional_response(request, etag=etag, last_modified=last_modified)
        if not_modified is not None:
            return _finish(not_modified, etag, last_modified, reader)
        response = view(request, *args, **kwargs)
        if response.status_code != 200 or response.streaming:
            return response
        if hasattr(response, "render"):
            response.render()
        if shared and shared.page_id == page_id and reader.cache_key == ANONYMOUS.cache_key:
            shared.rendered_under = state
        return _finish(response, etag, last_modified, reader)

    wrapper.solo_shared_query = _PAGE_QUERY if paginated else _NO_QUERY
    return wrapper


def _finish(response, etag, last_modified, reader):
    response["ETag"] = etag
    response["Last-Modified"] = http_date(last_modified)
    return _cache_headers(response, reader)


def _cache_headers(response, reader):
    patch_vary_headers(response, ["Cookie"])
    if reader.cache_key == ANONYMOUS.cache_key:
        patch_cache_control(
            response,
            public=True,
            max_age=SHARED_MAX_AGE,
            s_maxage=SHARED_MAX_AGE,
            stale_while_revalidate=STALE_WHILE_REVALIDATE,
        )
    else:
        patch_cache_control(response, private=True, max_age=0, must_revalidate=True)
    return response


def shared_for_anonymous(view):
    """For reader pages outside the page cache (search, pricing): `public` for anonymous
    readers, so caches outside the app may keep them, `private` for everyone else."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        if request.method in ("GET", "HEAD") and response.status_code == 200:
            _cache_headers(response, reader_for(request))
        return response

    return wrapper


@lru_cache(maxsize=1024)
def _shared_query(urlconf: str, path: str) -> re.Pattern | None:
    """The query strings under which the URL's `conditional_cached` page is shared, if it is one.

    Memoised: URLs do not move.
    """
    try:
        return getattr(resolve(path, urlconf).func, "solo_shared_query", None)
    except Resolver404:
        return None


def _anonymous_get(request) -> bool:
    """A GET that no session, sign-in or flash message can concern, for a cached view."""
    cookies = request.COOKIES
    if (
        request.method != "GET"
        or settings.SESSION_COOKIE_NAME in cookies
        or CookieStorage.cookie_name in cookies
    ):
        return False
    shared = _shared_query(settings.ROOT_URLCONF, request.path_info)
    return shared is not None and bool(shared.fullmatch(request.META.get("QUERY_STRING", "")))


class AnonymousPageCacheMiddleware:
    """Serves anonymous readers' cached pages before sessions, auth, CSRF and messages run.

    Place it after SecurityMiddleware (HTTPS redirect, HSTS) and before SessionMiddleware and
    every other middleware that sets cookies: it makes any response with cookies private.
    A hit costs one cache round trip; the stored page replays the headers the other middleware
    set when it was rendered (CSP, X-Frame-Options, Vary, Cache-Control…).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self._respond(request)
        if response.cookies:
            # Every cookie (CSRF, session, messages…) is set by now: a shared cache must never
            # keep a response that would hand its cookies to everyone, and a browser must not
            # show it again (a flash message) for a minute.
            if "public" in response.get("Cache-Control", ""):
                response["Cache-Control"] = "private, max-age=0, must-revalidate"
            patch_cache_control(response, private=True)
        return response

    def _respond(self, request):
        if not _anonymous_get(request):
            return self.get_response(request)
        try:
            page_id = _page_id(request, ANONYMOUS.cache_key, site_language())
        except DisallowedHost:
            return self.get_response(request)  # CommonMiddleware answers 400
        request.shared_page = shared = SharedPage(page_id)
        response = self._cached(request, shared)
        if response is not None:
            return response
        response = self.get_response(request)
        if shared.rendered_under is not None and response.status_code == 200:
            self._store(shared.rendered_under, page_id, response)
        return response

    def _cached(self, request, shared: SharedPage):
        page_id = shared.page_id
        key = _page_key(page_id)
        found = _cache_get_many([STATE_KEY, key])
        state = found.get(STATE_KEY)
        if not _fresh(state, timezone.now()):
            return None
        shared.state = state
        etag, last_modified = _validators(state, page_id)
        not_modified = get_conditional_response(request, etag=etag, last_modified=last_modified)
        if not_modified is not None:
            return _finish(not_modified, etag, last_modified, ANONYMOUS)
        entry = found.get(key)
        if entry is None or entry["version"] != state["version"]:
            return None
        content = entry["content"]
        response = HttpResponse(content, headers=entry["headers"])
        # Vary and Cache-Control were stored with the page; only the validators are per hit.
        response["ETag"] = etag
        response["Last-Modified"] = http_date(last_modified)
        response["Content-Length"] = str(len(content))
        response["X-Solo-Cache"] = "hit"
        return response

    def _store(self, state, page_id, response):
        headers = {k: v for k, v in response.items() if k.lower() not in _NOT_STORED}
        entry = {"version": state["version"], "content": response.content, "headers": headers}
        _cache_set(_page_key(page_id), entry, _timeout(state))
