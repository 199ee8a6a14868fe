from django.contrib import admin
from django.urls import include, path

from . import views

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("markdownx/", include("markdownx.urls")),
    # Each app declares its own public paths in full (see DESIGN.md's public contract).
    path("", include("billing.urls")),
    path("", include("newsletter.urls")),
    path("", include("notes.urls")),
]
