from django.conf import settings
from django.urls import include, path

from . import views

app_name = "newsletter"
urlpatterns = [
    path("subscribe/", views.subscribe, name="subscribe"),
    path("subscribe/confirm/<str:token>/", views.confirm, name="confirm"),
    path("subscribe/challenge/", views.challenge, name="challenge"),
    path("subscribe/remote/", views.subscribe_remote, name="subscribe_remote"),
    path("r/<str:code>/", views.referral, name="referral"),
    path("recommendations/", views.recommendations_page, name="recommendations"),
    path("recommendations/<int:pk>/go/", views.recommendation_go, name="recommendation_go"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    # A link in an issue email: counts the click, then redirects to the signed URL.
    path("c/<str:delivery>/<str:link>/", views.click, name="click"),
]

# The provider's tracking webhook (bounces, complaints): /anymail/<esp>/tracking/. A complaint
# stops a reader's mail for good, so it is mounted only when the provider must authenticate
# (Anymail's basic-auth WEBHOOK_SECRET); without one, anybody could post it.
if settings.EMAIL_BACKEND.startswith("anymail.") and settings.ANYMAIL.get("WEBHOOK_SECRET"):
    urlpatterns.append(path("anymail/", include("anymail.urls")))
