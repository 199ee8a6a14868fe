from django.urls import path

from .feeds import PrivateNotesFeed
from .views import account, checkout, gifts, offers, tips

app_name = "billing"
urlpatterns = [
    path("pricing/", checkout.pricing, name="pricing"),
    path("billing/checkout/<slug:slug>/", checkout.checkout, name="checkout"),
    path("billing/success/", checkout.success, name="success"),
    path("billing/portal/", checkout.portal, name="portal"),
    path("billing/webhook/", checkout.webhook, name="webhook"),
    path("account/", account.account, name="account"),
    path("account/login/", account.login_view, name="login"),
    path("account/login/link/", account.login_link, name="login_link"),
    path("account/logout/", account.logout_view, name="logout"),
    path("feed/private/<str:token>/", PrivateNotesFeed(), name="private_feed"),
    path("account/newsletter/", account.newsletter_preference, name="newsletter"),
    path("account/topics/", account.newsletter_topics, name="topics"),
    path("account/data.json", account.account_data, name="account_data"),
    path("account/erase/", account.account_erase, name="account_erase"),
    path("support/", tips.support, name="support"),
    path("offer/<slug:code>/", offers.offer, name="offer"),
    path("gift/", gifts.buy, name="gift"),
    path("gift/<str:token>/", gifts.redeem, name="gift_redeem"),
]
