from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class SoloConfig(AppConfig):
    default = True
    name = "solo"

    def ready(self):
        from . import authenticator_admin, issue_stats_admin  # noqa: F401  (after every app's admin)


class SoloAdminConfig(admin_apps.AdminConfig):
    default = False
    default_site = "solo.admin.SoloAdminSite"
