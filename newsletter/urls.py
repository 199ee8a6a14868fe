from django.conf import settings
from django.urls import include, path

from . import views

app_name = "newsletter"
urlpatterns = [
    path("subscribe/", views.subscribe, name="subscribe"),
    path("subscribe/confirm/<str:token>/", views.confirm, name="confirm"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    # A link in an issue email: counts the click, then redirects to the signed URL.
    path("c/<str:delivery>/<str:link>/", views.click, name="click"),
]

# The provider's tracking webhook (bounces, complaints): /anymail/<esp>/tracking/. A complaint
# stops a reader's mail for good, so it is mounted only when the provider must authenticate
# (Anymail's basic-auth WEBHOOK_SECRET); without one, anybody could post it.
if settings.EMAIL_BACKEND.startswith("anymail.") and settings.ANYMAIL.get("WEBHOOK_SECRET"):
    urlpatterns.append(path("anymail/", include("anymail.urls")))
