from django.urls import path

from . import views

app_name = "comments"

urlpatterns = [
    path("notes/<slug:slug>/comments/", views.thread, name="thread"),
    path("comments/replies/", views.reply_emails, name="reply_emails"),
    path("comments/replies/off/<str:token>/", views.replies_off, name="replies_off"),
]
