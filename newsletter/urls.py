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

if settings.EMAIL_BACKEND.startswith("anymail."):
    # The provider's tracking webhook (bounces, complaints): /anymail/<esp>/tracking/.
    urlpatterns.append(path("anymail/", include("anymail.urls")))
