from django.urls import path

from . import icons, legacy, views
from .caching import conditional_cached
from .feeds import AtomNotesFeed, LatestNotesFeed, TagNotesFeed

app_name = "notes"
urlpatterns = [
    path("", views.home, name="home"),
    path("notes/<slug:slug>/", views.detail, name="detail"),
    path("notes/<slug:slug>/preview.png", views.preview_image, name="preview_image"),
    path("tags/", views.tags_index, name="tags"),
    path("tags/<slug:slug>/", views.tag, name="tag"),
    path("tag/<slug:slug>/", legacy.ghost_tag, name="ghost_tag"),  # an imported Ghost blog's
    path("tags/<slug:slug>/feed/", conditional_cached(TagNotesFeed()), name="tag_feed"),
    path("search/", views.search, name="search"),
    path("about/", views.about, name="about"),
    path("archive/", views.archive, name="archive"),
    path("feed/", conditional_cached(LatestNotesFeed()), name="feed"),
    path("feed/atom/", conditional_cached(AtomNotesFeed()), name="atom_feed"),
    path("sitemap.xml", views.sitemap, name="sitemap"),
    path("robots.txt", views.robots, name="robots"),
    path("favicon.ico", icons.favicon, name="favicon"),
    path("apple-touch-icon.png", icons.apple_touch_icon, name="apple_touch_icon"),
    path("icon-<int:size>.png", icons.icon, name="icon"),
    path("manifest.webmanifest", icons.web_manifest, name="manifest"),
    path("theme.css", icons.theme, name="theme"),
]
