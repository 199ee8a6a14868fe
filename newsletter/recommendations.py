"""The publications the author recommends, and the clicks on them."""

from urllib.parse import urlsplit

from django.db.models import F

from .models import Recommendation


def shown():
    """The recommendations readers see, in the author's order (one query)."""
    return Recommendation.objects.filter(shown=True)


def follow(pk: int, *, count: bool = True) -> str | None:
    """The stored address of a shown recommendation, its click counted; None for any other."""
    url = Recommendation.objects.filter(pk=pk, shown=True).values_list("url", flat=True).first()
    if url is not None and count:
        Recommendation.objects.filter(pk=pk).update(clicks=F("clicks") + 1)
    return url


def origin_of(url: str) -> str:
    """scheme://host[:port] of a stored address (for the page's form-action policy)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"
