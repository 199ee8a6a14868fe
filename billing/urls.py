from django.urls import path

from . import views
from .feeds import PrivateNotesFeed

app_name = "billing"
urlpatterns = [
    path("pricing/", views.pricing, name="pricing"),
    path("billing/checkout/<slug:slug>/", views.checkout, name="checkout"),
    path("billing/success/", views.success, name="success"),
    path("billing/portal/", views.portal, name="portal"),
    path("billing/webhook/", views.webhook, name="webhook"),
    path("account/", views.account, name="account"),
    path("account/login/", views.login_view, name="login"),
    path("account/login/link/", views.login_link, name="login_link"),
    path("account/logout/", views.logout_view, name="logout"),
    path("feed/private/<str:token>/", PrivateNotesFeed(), name="private_feed"),
    path("account/newsletter/", views.newsletter_preference, name="newsletter"),
    path("account/data.json", views.account_data, name="account_data"),
    path("account/erase/", views.account_erase, name="account_erase"),
]
