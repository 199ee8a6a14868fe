from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from .models import Note, Tag


class NoteSitemap(Sitemap):
    """Addresses and dates only: no text of any note goes into the sitemap."""

    changefreq = "monthly"

    def items(self):
        return Note.objects.published().only("slug", "updated_at").order_by("-published_at")

    def lastmod(self, note):
        return note.updated_at


class TagSitemap(Sitemap):
    changefreq = "weekly"

    def items(self):
        return Tag.objects.filter(notes__in=Note.objects.published()).distinct().order_by("slug")


class HomeSitemap(Sitemap):
    """The home page and the other pages that list or present the publication."""

    changefreq = "daily"

    def items(self):
        return ["notes:home", "notes:about", "notes:tags", "notes:archive"]

    def location(self, item):
        return reverse(item)


SITEMAPS = {"home": HomeSitemap, "notes": NoteSitemap, "tags": TagSitemap}
