from django.urls import path

from . import views

app_name = "analytics"
urlpatterns = [
    path("privacy/", views.privacy, name="privacy"),
]
