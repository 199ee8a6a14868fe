"""Counting page views in Redis: no SQL, no round trip, no cookie, no script.

Per day (the site's time zone) Redis holds:

- `analytics:views:<day>`, a hash: `<path>|<source>` → views, plus `#bots` and `#feeds`;
- `analytics:visitors:<day>`, a HyperLogLog of keyed hashes (BLAKE2b) of address + user agent;
- `analytics:salt:<day>`, the random key of those hashes.

The salt and the HyperLogLog expire after `DAY_KEYS_TTL`; the salt never leaves Redis and this
process's memory (no table, no log), so once it is gone nobody, the author included, can tell
whether two hashes came from one reader. The views hash is moved into PostgreSQL every minute
(analytics/flush.py). What is counted and what is not is decided by `classify`; how counts
travel to Redis (buffered a second, written with no reply awaited) by `_Counter`.
"""

import atexit
import hashlib
import logging
import os
import re
import secrets
import threading
import time
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from datetime import time as midnight_time
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


def _pack(*args: bytes | str | int) -> bytes:
    """One command in Redis's protocol (RESP)."""
    parts = [arg if isinstance(arg, bytes) else str(arg).encode() for arg in args]
    return b"*%d\r\n" % len(parts) + b"".join(b"$%d\r\n%s\r\n" % (len(a), a) for a in parts)


class _Counter:
    """This process's counts on their way to Redis: buffered, then sent with no reply awaited.

    A reply would cost a round trip and redis-py's parsing, and even a lone write costs a system
    call that, over loopback, runs Redis's side of the socket too: 0.1-0.2 ms of a 0.3-0.4 ms
    page-cache hit under load (bench/inprocess.py). So hits are hashed at once, kept here for at
    most BUFFER_SECONDS or BUFFER_HITS, then written in one go on a connection that asked Redis
    for no replies (CLIENT REPLY OFF); commands on one connection still run in order. Lost: what
    a killed worker held (at most a second of its views), and what was sent just before Redis
    went away (the next write fails and reconnects).
    """

    BUFFER_HITS = 50
    BUFFER_SECONDS = 1.0

    def __init__(self):
        self.lock = threading.Lock()
        self._reset()

    def _reset(self):
        self.pid = os.getpid()
        self.connection = None
        self.url = None
        self.entries: list[tuple[date, str, bytes | None]] = []  # (day, hash field, digest)
        self.timer = None

    def add(self, entries) -> None:
        with self.lock:
            if self.pid != os.getpid():  # a forked worker: the parent sends its own
                self._reset()
            self.entries.extend(entries)
            if len(self.entries) >= self.BUFFER_HITS:
                self._send()
            elif self.timer is None:
                self.timer = threading.Timer(self.BUFFER_SECONDS, self._send_later)
                self.timer.daemon = True
                self.timer.start()

    def _send_later(self) -> None:
        try:
            with self.lock:
                self.timer = None
                if self.pid == os.getpid():
                    self._send()
        except Exception as error:  # nobody to tell but the log
            logger.warning("page views not counted: %s", type(error).__name__)

    def _send(self) -> None:
        entries, self.entries = self.entries, []
        if not entries:
            return
        if self.connection is None or self.url != settings.REDIS_URL:
            self.url = settings.REDIS_URL
            pool = redis.ConnectionPool.from_url(
                settings.REDIS_URL, socket_timeout=1, socket_connect_timeout=1
            )
            connection = pool.make_connection()
            connection.connect()  # AUTH, SELECT as the URL says, with their replies read
            connection.send_command("CLIENT", "REPLY", "OFF")
            self.connection = connection
        try:
            self.connection.send_packed_command([_packed(entries)], check_health=False)
        except BaseException:
            self.connection = None  # redis-py would reconnect with replies on
            raise

    def settle(self) -> None:
        """Sends what is buffered and returns once Redis has run it (a reply comes after it)."""
        with self.lock:
            if self.pid != os.getpid():
                self._reset()
            self._send()
            if self.connection is None or self.url != settings.REDIS_URL:
                self.connection = None  # nothing sent to the Redis counts now go to
                return
            try:
                self.connection.send_command("CLIENT", "REPLY", "ON")
                self.connection.read_response()
                self.connection.send_command("CLIENT", "REPLY", "OFF")
            except BaseException:
                self.connection = None
                raise


_counter = _Counter()
settle = _counter.settle
atexit.register(lambda: _counter._send_later())  # a worker that stops sends what it holds

_salts: dict[date, bytes] = {}


def _salt(day: date) -> bytes:
    """The day's random salt, made by whichever process needs it first (SET NX).

    Kept in this process's memory for the day: two round trips once a day, none per view.
    """
    salt = _salts.get(day)
    if salt is None:
        key, client = salt_key(day), redis_client()
        client.set(key, secrets.token_bytes(32), nx=True, ex=DAY_KEYS_TTL)
        salt = client.get(key)
        _salts.clear()  # only today's
        _salts[day] = salt
    return salt


def _entry(hit: Hit, day: date) -> tuple[date, str, bytes | None]:
    if hit.kind == "view":
        # Keyed BLAKE2b, at once: only the hash waits in memory, and without the day's salt it
        # means nothing.
        digest = hashlib.blake2b(hit.visitor, key=_salt(day), digest_size=16).digest()
        return day, f"{hit.path}|{hit.source}", digest
    return day, BOTS_FIELD if hit.kind == "bot" else FEEDS_FIELD, None


def _packed(entries) -> bytes:
    """The Redis commands that count these entries, in one piece."""
    # Views of one page from one source add up first: one HINCRBY each, less work for Redis,
    # which shares the machine's cores with the site.
    views, digests = Counter(), {}
    for day, field, digest in entries:
        views[day, field] += 1
        if digest is not None:
            digests.setdefault(day, []).append(digest)
    packed = [_pack("HINCRBY", views_key(day), field, n) for (day, field), n in views.items()]
    for day, day_digests in digests.items():
        packed.append(_pack("PFADD", visitors_key(day), *day_digests))
        packed.append(_pack("EXPIRE", visitors_key(day), DAY_KEYS_TTL))
        # Put back if Redis lost it (a restart): every process keeps hashing with the same salt.
        salt = _salts.get(day)
        if salt:
            packed.append(_pack("SET", salt_key(day), salt, "NX", "EX", DAY_KEYS_TTL))
    return b"".join(packed)


_today: tuple[date, float] = (date.min, 0.0)  # the day, and when it ends (a timestamp)


def today() -> date:
    """timezone.localdate(), re-computed only when the day ends: 0.1 µs instead of 4 µs."""
    global _today
    day, ends = _today
    if time.time() >= ends:
        now = timezone.localtime()
        day = now.date()
        end = datetime.combine(day + timedelta(days=1), midnight_time.min, tzinfo=now.tzinfo)
        _today = (day, end.timestamp())
    return day


def count(hits: list[Hit], day: date | None = None) -> None:
    """Adds these hits to `day`'s counters (today's by default), through this process's buffer."""
    if hits:
        day = day or today()
        _counter.add([_entry(hit, day) for hit in hits])


def count_safely(hits: list[Hit]) -> None:
    """Counting never breaks a page: with Redis away the view goes uncounted, the page is served."""
    try:
        count(hits)
    except redis.RedisError as error:
        logger.warning("page view not counted, Redis unavailable: %s", type(error).__name__)
    except Exception:  # a bug here must show in the logs, never as a 500 on a reader's page
        logger.exception("page view not counted")


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
    if len(user_agent) > 512:  # rare, and not worth remembering
        return _looks_like_a_bot(user_agent)
    return _remembered_answer(user_agent)


def _looks_like_a_bot(user_agent: str) -> bool:
    return not user_agent.strip() or _crawlers.is_crawler(user_agent)


# Most views come from a few hundred browsers' user agents, and the list's regular expressions
# were the dearest step of counting a view (bench/pages.py --counting): answers are remembered,
# at most 4,096 of them.
_remembered_answer = lru_cache(maxsize=4096)(_looks_like_a_bot)


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
