"""Solo's settings: one file, driven by the environment (see the table in README.md).

django-environ reads DATABASE_URL and friends in the twelve-factor style Solo documents; with
DEBUG off there is no default secret, so a misconfigured production refuses to start.
"""

from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env")  # optional; the environment wins

DEBUG = env.bool("DEBUG", default=False)
if DEBUG:
    SECRET_KEY = env.str("SECRET_KEY", default="dev-only-insecure-key-do-not-use-in-production")
else:
    SECRET_KEY = env.str("SECRET_KEY", default="")
    if len(SECRET_KEY) < 32:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set (at least 32 characters) when DEBUG is off."
        )

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
SITE_NAME = env.str("SITE_NAME", default="Solo")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[SITE_URL])

INSTALLED_APPS = [
    "solo.apps.SoloAdminConfig",  # Django's admin with Solo's dashboard and sign-in (solo/admin.py)
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.postgres",
    "csp",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "markdownx",
    "anymail",
    "solo",
    "notes",
    "newsletter",
    "billing",
    "comments",
    "analytics",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "solo.request_guard.RefuseNulMiddleware",  # a NUL would reach PostgreSQL: 400 before anything
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "notes.legacy.LegacyPathMiddleware",  # an imported blog's old addresses, on a 404 only
    # Counts reader page views (analytics), cache hits included: outside the page cache.
    "analytics.middleware.PageViewMiddleware",
    # Before sessions/auth/CSRF: anonymous readers' cached pages cost one cache round trip.
    "notes.caching.AnonymousPageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The site's language, not each browser's: pages vary on nothing a shared cache cannot key on.
    "notes.language.SiteLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes asks
]

ROOT_URLCONF = "solo.urls"
WSGI_APPLICATION = "solo.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "solo.context_processors.site",
            ],
        },
    },
]

# --- Data -------------------------------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
else:
    # A file, not memory, so a Celery worker started by the tests sees the test database.
    _name = Path(DATABASES["default"]["NAME"])
    DATABASES["default"]["TEST"] = {"NAME": str(_name.with_name(_name.stem + "-test.sqlite3"))}
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "solo.cache.SoloRedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Celery (solo/celery.py reads every CELERY_* name) ------------------------------------------
CELERY_BROKER_URL = REDIS_URL or "filesystem://"
if not REDIS_URL:
    _celery_dir = Path(env.str("CELERY_FS_DIR", default=str(VAR_DIR / "celery")))
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_celery_dir / "queue"),
        "data_folder_out": str(_celery_dir / "queue"),
        "control_folder": str(_celery_dir / "control"),
        "store_processed": False,
    }
    for _folder in ("queue", "control"):
        (_celery_dir / _folder).mkdir(parents=True, exist_ok=True)
else:
    # Longer than any task may run, so an unacked task is redelivered only after a real loss.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_TASK_TIME_LIMIT = 300
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celery" / "beat-schedule")
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE = {
    "dispatch-due-issues": {"task": "newsletter.tasks.dispatch_due_issues", "schedule": 60.0},
    "requeue-stale-deliveries": {
        "task": "newsletter.tasks.requeue_stale_deliveries",
        "schedule": 60.0,
    },
    "send-due-steps": {"task": "newsletter.tasks.send_due_steps", "schedule": 60.0},
    "reconcile-stripe": {"task": "billing.tasks.reconcile_stripe", "schedule": 7 * 24 * 3600.0},
    # The author's daily digest of new comments, when chosen in the admin (else it does nothing).
    "comments-digest": {"task": "comments.tasks.send_digest", "schedule": 24 * 3600.0},
    # analytics: page views counted in Redis move into PostgreSQL every minute; once a day, the
    # sources of days older than ANALYTICS_RAW_DAYS are folded away.
    "flush-page-views": {"task": "analytics.tasks.flush_page_views", "schedule": 60.0},
    "fold-old-page-views": {"task": "analytics.tasks.fold_old_page_views", "schedule": 24 * 3600.0},
    "send-due-gifts": {"task": "billing.tasks.send_due_gifts", "schedule": 600.0},
}

# --- Email ------------------------------------------------------------------------------------
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Solo <hello@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_URL = env.str("EMAIL_URL", default="")
ANYMAIL: dict = {}  # set from EMAIL_URL when it names an ESP

# Anymail ESPs named in EMAIL_URL as `<esp>://<api key>@` (e.g. postmark://TOKEN@).
_ANYMAIL_KEY_SETTING = {"postmark": "POSTMARK_SERVER_TOKEN"}


def _email_settings(url: str) -> dict:
    if not url:
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "EMAIL_FILE_PATH": str(VAR_DIR / "mail"),
        }
    parts = urlsplit(url)
    scheme = parts.scheme
    if scheme == "console":
        return {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
    if scheme == "file":
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "EMAIL_FILE_PATH": unquote(parts.path) or str(VAR_DIR / "mail"),
        }
    if scheme == "memory":
        return {"EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend"}
    if scheme in ("smtp", "smtps", "smtp+tls"):
        query = dict(parse_qsl(parts.query))
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": parts.hostname or "localhost",
            "EMAIL_PORT": parts.port or {"smtps": 465, "smtp+tls": 587}.get(scheme, 25),
            "EMAIL_HOST_USER": unquote(parts.username or ""),
            "EMAIL_HOST_PASSWORD": unquote(parts.password or ""),
            "EMAIL_USE_SSL": scheme == "smtps",
            "EMAIL_USE_TLS": scheme == "smtp+tls",
            "EMAIL_TIMEOUT": int(query.get("timeout", 30)),
        }
    # `?webhook_secret=user:password` becomes ANYMAIL["WEBHOOK_SECRET"]: the basic-auth secret the
    # provider must send with its bounce and complaint webhooks (they are not mounted without it).
    esp = scheme.lower()
    key_setting = _ANYMAIL_KEY_SETTING.get(esp, f"{esp.upper()}_API_KEY")
    anymail = {key_setting: unquote(parts.username or "")}
    anymail.update({k.upper(): v for k, v in parse_qsl(parts.query)})
    return {"EMAIL_BACKEND": f"anymail.backends.{esp}.EmailBackend", "ANYMAIL": anymail}


globals().update(_email_settings(EMAIL_URL))

# --- Stripe -----------------------------------------------------------------------------------
STRIPE_SECRET_KEY = env.str("STRIPE_SECRET_KEY", default="")
STRIPE_WEBHOOK_SECRET = env.str("STRIPE_WEBHOOK_SECRET", default="")
STRIPE_API_BASE = env.str("STRIPE_API_BASE", default="")
# Stripe Tax on Checkout: tax computed from the address Checkout then requires (turn Stripe Tax
# on in the Stripe dashboard first).
STRIPE_TAX = env.bool("STRIPE_TAX", default=False)

# --- Billing (billing app) --------------------------------------------------------------------
BILLING_GRACE_DAYS = env.int("BILLING_GRACE_DAYS", default=3)  # past_due keeps access this long
# Stripe's no-code portal login link (https://billing.stripe.com/p/login/…) for emails;
# without it, emails link to /account/.
BILLING_PORTAL_LOGIN_URL = env.str("BILLING_PORTAL_LOGIN_URL", default="")
# Tips and gifts are one-off payments in this currency; tips between these bounds (whole units).
BILLING_CURRENCY = env.str("BILLING_CURRENCY", default="eur").lower()
TIP_MIN = env.int("TIP_MIN", default=1)
TIP_MAX = env.int("TIP_MAX", default=1000)
# A gift's redeem link works this many days after it was sent; the reminder goes this many days
# before the gift ends.
GIFT_REDEEM_DAYS = env.int("GIFT_REDEEM_DAYS", default=365)
GIFT_REMINDER_DAYS = env.int("GIFT_REMINDER_DAYS", default=7)
SESAME_MAX_AGE = 15 * 60  # magic sign-in links: short-lived…
SESAME_ONE_TIME = True  # …and single use
# Sign-in emails to one address, whatever network asks: a flood from many networks still reaches
# one inbox only a few times an hour (FORM_RATE_LIMIT counts per network).
SIGN_IN_EMAIL_RATE = env.str("SIGN_IN_EMAIL_RATE", default="5/h")
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Webhooks and the checkout success page write at the same time. A deferred SQLite
    # transaction that reads then writes fails at once with "database is locked" instead of
    # waiting; IMMEDIATE takes the write lock at BEGIN, so writers queue (up to `timeout`).
    DATABASES["default"]["OPTIONS"]["transaction_mode"] = "IMMEDIATE"

# --- Newsletter -------------------------------------------------------------------------------
FORM_RATE_LIMIT = env.str("FORM_RATE_LIMIT", default="20/h")
# comments: how many a reader, and a network address, may post (django-ratelimit's syntax).
COMMENT_RATE_LIMIT = env.str("COMMENT_RATE_LIMIT", default="10/h")
RATELIMIT_IP_META_KEY = "solo.client_address.client_address"  # the visitor, not the proxy
# Sign-up defences (newsletter/defences.py, README "Sign-ups that bots cannot flood").
# Seconds a person needs at least between the form reaching them and its post (0: off).
SIGNUP_MIN_SECONDS = env.int("SIGNUP_MIN_SECONDS", default=3)
# How long a rendered form (its signed time) stays usable; older posts are asked to send again.
SIGNUP_FORM_MAX_AGE = env.int("SIGNUP_FORM_MAX_AGE", default=24 * 3600)
# ALTCHA proof of work: the number space the browser searches (the library's default is 1,000,000).
# At 50,000 headless Chromium here needs 0.6-1.9 s (about 37 µs a number), a Python bot 67 ms.
SIGNUP_ALTCHA_MAX_NUMBER = env.int("SIGNUP_ALTCHA_MAX_NUMBER", default=50_000)
# True: a post without a solved challenge (JavaScript off) is refused; False: it falls back to
# the other checks.
SIGNUP_REQUIRE_ALTCHA = env.bool("SIGNUP_REQUIRE_ALTCHA", default=False)
REFUSE_DISPOSABLE_EMAILS = env.bool("REFUSE_DISPOSABLE_EMAILS", default=True)
# Confirmation emails one address may receive per day, whoever asks (and at most one per 15 min).
SIGNUP_CONFIRMATIONS_PER_ADDRESS = env.int("SIGNUP_CONFIRMATIONS_PER_ADDRESS", default=3)
NEWSLETTER_CLAIM_TIMEOUT = env.int("NEWSLETTER_CLAIM_TIMEOUT", default=300)
# newsletter: SMTP connections each batch task keeps open in parallel (size to what the provider
# allows), rows per batch task, and an optional send rate (messages/second per batch, 0 = none).
NEWSLETTER_SMTP_CONNECTIONS = env.int("NEWSLETTER_SMTP_CONNECTIONS", default=6)
NEWSLETTER_BATCH_SIZE = env.int("NEWSLETTER_BATCH_SIZE", default=200)
NEWSLETTER_RATE_LIMIT = env.float("NEWSLETTER_RATE_LIMIT", default=0.0)
# Links in issues go through /c/<delivery>/<link>/ to count clicks per issue and link (no pixel).
NEWSLETTER_TRACK_CLICKS = env.bool("NEWSLETTER_TRACK_CLICKS", default=True)

# --- Analytics --------------------------------------------------------------------------------
# Page views are counted in Redis (no cookie, no script) and flushed into PostgreSQL each minute;
# without Redis nothing is counted.
ANALYTICS_ENABLED = env.bool("ANALYTICS_ENABLED", default=bool(REDIS_URL))
# Days a page's views keep their sources (day × page × source); older days keep views per page
# and day only. 400: the dashboard's 365-day view shows sources in full.
ANALYTICS_RAW_DAYS = env.int("ANALYTICS_RAW_DAYS", default=400)
ANALYTICS_CLIENT_ADDRESS = "solo.client_address.client_address"  # the visitor, not the proxy

# --- Notes ------------------------------------------------------------------------------------
# The admin's live preview renders exactly like the site (sanitised, same extensions).
MARKDOWNX_MARKDOWNIFY_FUNCTION = "notes.preview.markdownify"  # shows where the free part ends
MARKDOWNX_UPLOAD_CONTENT_TYPES = ("image/jpeg", "image/png", "image/gif", "image/webp")  # no SVG
MARKDOWNX_UPLOAD_MAX_SIZE = 10 * 1024 * 1024
MARKDOWNX_MEDIA_PATH = "notes/"

# --- Auth -------------------------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "solo.auth.PasswordLockoutBackend",  # first: refuses locked-out password sign-ins
    "django.contrib.auth.backends.ModelBackend",
    "sesame.backends.ModelBackend",
]
# Brute-force protection on the admin sign-in: 5 failures per username and address lock for an hour.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = 1  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "solo.client_address.client_address"  # the visitor, not the proxy
OTP_TOTP_ISSUER = SITE_NAME

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Language and time ------------------------------------------------------------------------
LANGUAGE_CODE = env.str("LANGUAGE_CODE", default="en")
LANGUAGES = [("en", "English"), ("fr", "Français")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

# --- Static and media -------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = VAR_DIR / "media"
# Uploads go to this host's disk, or, where several hosts share no disk, to S3-compatible storage:
# MEDIA_STORAGE_URL=s3://KEY:SECRET@BUCKET?endpoint_url=https://…&region_name=…&custom_domain=…
MEDIA_STORAGE_URL = env.str("MEDIA_STORAGE_URL", default="")


def _media_storage(url: str) -> tuple[dict, str]:
    """The default storage and MEDIA_URL for MEDIA_STORAGE_URL (django-storages' S3Storage)."""
    if not url:
        return {"BACKEND": "django.core.files.storage.FileSystemStorage"}, MEDIA_URL
    parts = urlsplit(url)
    if parts.scheme != "s3" or not parts.hostname:
        raise ImproperlyConfigured("MEDIA_STORAGE_URL must look like s3://KEY:SECRET@BUCKET?…")
    options = {
        "bucket_name": parts.hostname,
        "access_key": unquote(parts.username or ""),
        "secret_key": unquote(parts.password or ""),
        # Images are linked from pages and emails that outlive any signature: plain addresses.
        "querystring_auth": False,
        "file_overwrite": False,
        **dict(parse_qsl(parts.query)),
    }
    if "custom_domain" not in options:
        if endpoint := options.get("endpoint_url"):  # path-style: https://endpoint/bucket/
            endpoint_parts = urlsplit(endpoint)
            options.setdefault("url_protocol", f"{endpoint_parts.scheme}:")
            options["custom_domain"] = f"{endpoint_parts.netloc}{endpoint_parts.path.rstrip('/')}"
            options["custom_domain"] += f"/{options['bucket_name']}"
        else:
            region = options.get("region_name", "us-east-1")
            options["custom_domain"] = f"{options['bucket_name']}.s3.{region}.amazonaws.com"
    # S3Storage builds each address the same way: MEDIA_URL is where the uploads are read.
    media_url = f"{options.get('url_protocol', 'https:')}//{options['custom_domain']}/"
    if location := options.get("location", "").strip("/"):
        media_url += f"{location}/"
    return {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options}, media_url


_default_storage, MEDIA_URL = _media_storage(MEDIA_STORAGE_URL)
STORAGES = {
    "default": _default_storage,
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440  # bodies above 2.5 MB get a 400, not a 500

# --- Security ---------------------------------------------------------------------------------
# Proxies in front of the app that append the client's address to X-Forwarded-For (a TLS proxy:
# 1). 0 reads the connection's address and ignores the header, which any client can send.
TRUSTED_PROXIES = env.int("TRUSTED_PROXIES", default=0)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

# A strict policy: no inline script anywhere on our pages, no third-party origins.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "https:", "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF, "https://checkout.stripe.com", "https://billing.stripe.com"],
        "frame-ancestors": [NONE],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="WARNING")},
}
