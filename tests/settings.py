"""Settings for the test suite: solo.settings with test-only defaults, nothing else changed."""

import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz")
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
os.environ.setdefault("SITE_URL", "http://testserver")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
# Each test run gets its own filesystem broker folder (a worker started by a test inherits it).
os.environ.setdefault("CELERY_FS_DIR", f"var/test-celery-{os.getpid()}")

from solo.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Tasks run in-process unless a test starts a real worker (the `celery_worker` fixture).
CELERY_TASK_ALWAYS_EAGER = os.environ.get("SOLO_CELERY_EAGER", "1") == "1"
CELERY_TASK_EAGER_PROPAGATES = True
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
WHITENOISE_AUTOREFRESH = True  # serve from the static folders; no collectstatic before tests
# The sign-up time check is off for the suite's many form posts; the tests of the defences
# (tests/newsletter/test_signup_defences.py) turn it on.
SIGNUP_MIN_SECONDS = 0
