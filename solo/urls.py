import re

from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from markdownx.views import ImageUploadView, MarkdownifyView

from notes.images import UploadForm

from . import media, views

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    # The editor's preview and image upload are the admin's: the same sign-in, code included.
    path(
        "markdownx/upload/",
        # Resized, with WebP copies, metadata stripped; non-images refused (notes/images.py).
        admin.site.admin_view(ImageUploadView.as_view(form_class=UploadForm)),
        name="markdownx_upload",
    ),
    path(
        "markdownx/markdownify/",
        admin.site.admin_view(MarkdownifyView.as_view()),
        name="markdownx_markdownify",
    ),
    # Each app declares its own public paths in full (public addresses: keep them stable).
    path("", include("billing.urls")),
    path("", include("comments.urls")),
    path("", include("newsletter.urls")),
    path("", include("notes.urls")),
    path("", include("analytics.urls")),
]
if settings.MEDIA_URL.startswith("/"):  # uploads on this host's disk, not in S3 storage
    urlpatterns += [
        re_path(rf"^{re.escape(settings.MEDIA_URL[1:])}(?P<path>.+)$", media.media, name="media")
    ]
