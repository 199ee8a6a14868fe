import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _empty_cache():
    """Pages are cached (Redis db 1 in CI): every notes test starts from an empty cache."""
    cache.clear()
    yield
    cache.clear()
