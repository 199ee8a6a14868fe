"""Counting page views in Redis: one pipelined round trip per counted view, no cookie, no script.

Per day (the site's time zone) Redis holds:

- `analytics:views:<day>`, a hash: `<path>|<source>` → views, plus `#bots` and `#feeds`;
- `analytics:visitors:<day>`, a HyperLogLog of keyed hashes (BLAKE2b) of address + user agent;
- `analytics:salt:<day>`, the random key of those hashes.

The salt and the HyperLogLog expire after `DAY_KEYS_TTL`; the salt never leaves Redis and this
process's memory (no table, no log), so once it is gone nobody, the author included, can tell
whether two hashes came from one reader. The views hash is moved into PostgreSQL every minute
(analytics/flush.py). What is counted and what is not is decided by `classify`.
"""

import hashlib
import logging
import re
import secrets
from dataclasses import dataclass
from datetime import date
from functools import cache, lru_cache
from urllib.parse import parse_qsl, urlsplit

import redis
from crawlerdetect import CrawlerDetect
from django.conf import settings
from django.urls import Resolver404, resolve
from django.utils import timezone
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)

PREFIX = "analytics:"
# The salt and the visitors' sketch outlive their day only long enough for its last flush.
DAY_KEYS_TTL = 2 * 24 * 3600
BOTS_FIELD = "#bots"  # fields of the views hash; a path always starts with "/"
FEEDS_FIELD = "#feeds"
MAX_PATH = 300  # DailyPageViews.path

# Reader pages whose views are counted, by URL name. Pages whose address carries a token
# (confirm, unsubscribe, a private feed) are never counted by path: it would store the token.
COUNTED_PAGES = frozenset(
    {
        "notes:home",
        "notes:detail",
        "notes:tags",
        "notes:tag",
        "notes:archive",
        "notes:about",
        "notes:search",
        "billing:pricing",
        "analytics:privacy",
    }
)
# Feeds fetched by readers' apps: one total per day, no path (a private feed's is a secret).
COUNTED_FEEDS = frozenset(
    {"notes:feed", "notes:atom_feed", "notes:tag_feed", "billing:private_feed"}
)

# utm_source / ref values: short words only, so no address, name or token ends up in a table.
_SOURCE_WORD = re.compile(r"[a-z0-9._-]{1,50}")
_HOST = re.compile(r"[a-z0-9.-]{1,100}")
_crawlers = CrawlerDetect()


@dataclass(frozen=True)
class Hit:
    """One request worth counting: a page view, a feed fetch or a bot's visit."""

    kind: str  # "view", "feed" or "bot"
    path: str = ""
    source: str = ""
    visitor: bytes = b""  # address + user agent, hashed with the day's salt before storing


def views_key(day: date) -> str:
    return f"{PREFIX}views:{day.isoformat()}"


def visitors_key(day: date) -> str:
    return f"{PREFIX}visitors:{day.isoformat()}"


def salt_key(day: date) -> str:
    return f"{PREFIX}salt:{day.isoformat()}"


@cache
def _client(url: str) -> redis.Redis:
    # One client per process (thread-safe over its pool; redis-py reopens it after a fork).
    return redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)


def redis_client() -> redis.Redis:
    return _client(settings.REDIS_URL)


_salts: dict[date, bytes] = {}


def _salt(client: redis.Redis, day: date) -> bytes:
    """The day's random salt, made by whichever process needs it first (SET NX).

    Kept in this process's memory for the day: two round trips once a day, none per view.
    """
    salt = _salts.get(day)
    if salt is None:
        key = salt_key(day)
        client.set(key, secrets.token_bytes(32), nx=True, ex=DAY_KEYS_TTL)
        salt = client.get(key)
        _salts.clear()  # only today's
        _salts[day] = salt
    return salt


def count(hits: list[Hit], day: date | None = None, client: redis.Redis | None = None) -> None:
    """Adds these hits to `day`'s counters (today's by default) in one pipelined round trip."""
    if not hits:
        return
    day = day or timezone.localdate()
    client = client or redis_client()
    views, visitors = views_key(day), visitors_key(day)
    salt = None
    pipe = client.pipeline(transaction=False)
    for hit in hits:
        if hit.kind == "view":
            pipe.hincrby(views, f"{hit.path}|{hit.source}", 1)
            salt = salt or _salt(client, day)
            # Keyed BLAKE2b: without the day's salt the sketch's hashes mean nothing.
            digest = hashlib.blake2b(hit.visitor, key=salt, digest_size=16).digest()
            pipe.pfadd(visitors, digest)
        else:
            pipe.hincrby(views, BOTS_FIELD if hit.kind == "bot" else FEEDS_FIELD, 1)
    if salt is not None:
        pipe.expire(visitors, DAY_KEYS_TTL)
        # Put back if Redis lost it (a restart): every process keeps hashing with the same salt.
        pipe.set(salt_key(day), salt, nx=True, ex=DAY_KEYS_TTL)
    pipe.execute()


def count_safely(hits: list[Hit]) -> None:
    """Counting never breaks a page: with Redis away the view goes uncounted, the page is served."""
    try:
        count(hits)
    except redis.RedisError as error:
        logger.warning("page view not counted, Redis unavailable: %s", type(error).__name__)


# --- What is counted -----------------------------------------------------------------------


@lru_cache(maxsize=1024)
def _view_name(urlconf: str, path: str) -> str:
    """The URL name of a page served from the early page cache (no resolver_match there)."""
    try:
        return resolve(path, urlconf).view_name
    except Resolver404:
        return ""


def _is_prefetch(meta) -> bool:
    return (
        "prefetch" in meta.get("HTTP_SEC_PURPOSE", "")
        or meta.get("HTTP_PURPOSE", "") == "prefetch"
        or meta.get("HTTP_X_MOZ", "") == "prefetch"
    )


def is_bot(user_agent: str) -> bool:
    """A crawler by crawlerdetect's list (maintained, ~1,000 patterns); no user agent at all is
    no browser either."""
    return not user_agent.strip() or _crawlers.is_crawler(user_agent)


@cache
def _own_hosts() -> frozenset[str]:
    site = (urlsplit(settings.SITE_URL).hostname or "").removeprefix("www.")
    return frozenset({site, *(h.removeprefix("www.") for h in settings.ALLOWED_HOSTS)})


def source_of(query_string: str, referer: str, own_host: str = "") -> str:
    """Where a view came from: `utm_source` or `ref` if set and a plain word, else the referring
    site's domain without `www.`; "" for direct visits and for links within the site."""
    if "utm_source=" in query_string or "ref=" in query_string:
        params = dict(parse_qsl(query_string[:2000]))
        for name in ("utm_source", "ref"):
            value = params.get(name, "").strip().lower()
            if _SOURCE_WORD.fullmatch(value):
                return value
    if not referer:
        return ""
    try:
        host = (urlsplit(referer[:2000]).hostname or "").removeprefix("www.")
    except ValueError:
        return ""
    if not _HOST.fullmatch(host) or host in _own_hosts() or host == own_host:
        return ""
    return host


def classify(request, response) -> Hit | None:
    """The hit this request/response makes, or None when it is not counted at all.

    Not counted: anything but a GET answered 200 (HEAD, 304, redirects, errors), prefetches,
    staff (the author) signed in, pages outside COUNTED_PAGES / COUNTED_FEEDS. Bots count as
    bots only; feeds count as feed fetches whoever fetches them (feed readers are bots too).
    """
    if request.method != "GET" or response.status_code != 200:
        return None
    meta = request.META
    if _is_prefetch(meta):
        return None
    match = getattr(request, "resolver_match", None)
    name = match.view_name if match else _view_name(settings.ROOT_URLCONF, request.path_info)
    if name in COUNTED_FEEDS:
        return Hit("feed")
    if name not in COUNTED_PAGES or not response.get("Content-Type", "").startswith("text/html"):
        return None
    # A page from the early cache never has `user`: it had no session cookie, so no staff.
    user = getattr(request, "user", None)
    if user is not None and user.is_staff:
        return None
    user_agent = meta.get("HTTP_USER_AGENT", "")
    if is_bot(user_agent):
        return Hit("bot")
    path = request.path
    if len(path) > MAX_PATH:
        return None
    own_host = meta.get("HTTP_HOST", "").rsplit(":", 1)[0].removeprefix("www.")
    source = source_of(meta.get("QUERY_STRING", ""), meta.get("HTTP_REFERER", ""), own_host)
    address = _client_address()(request)
    return Hit("view", path, source, f"{address}\n{user_agent}".encode())


@cache
def _client_address():
    # The visitor's address as rate limits see it (behind TRUSTED_PROXIES), named in settings.
    return import_string(settings.ANALYTICS_CLIENT_ADDRESS)
