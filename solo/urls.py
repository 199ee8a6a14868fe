from django.contrib import admin
from django.urls import include, path

from . import views

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("markdownx/", include("markdownx.urls")),
    path("billing/", include("billing.urls")),
    path("", include("newsletter.urls")),
    path("", include("notes.urls")),
]
