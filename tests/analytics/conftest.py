import pytest
from django.conf import settings

from analytics.counting import redis_client, settle


@pytest.fixture(autouse=True)
def _no_counts_from_earlier_tests():
    """Views buffered by an earlier test (analytics/counting.py sends them within a second) are
    sent now and wiped, so they cannot land in this test's counts."""
    if settings.REDIS_URL:
        settle()
        client = redis_client()
        for key in client.scan_iter(match="analytics:*"):
            client.delete(key)
    yield
