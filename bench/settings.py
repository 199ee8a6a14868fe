"""Production settings plus one extra URL for the benchmark's floor (see bench/pages.py)."""

from solo.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
