"""The issue page with its outcome: delivered, clicks, who left, and the revenue after a click.

The revenue comes from billing, which the newsletter app may not read (tests/test_architecture.py),
so the project re-registers the issue admin with it. Imported from SoloConfig.ready(), after the
newsletter app has registered its own.
"""

from django.contrib import admin
from django.contrib.admin.utils import unquote

from newsletter.admin.issues import IssueAdmin
from newsletter.models import Issue

from .dashboard.issue_stats import issue_stats


class IssueStatsAdmin(IssueAdmin):
    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = dict(extra_context or {})
        issue = self.get_object(request, unquote(object_id))
        if issue is not None and issue.started_at and self.has_view_permission(request, issue):
            extra_context["issue_stats"] = issue_stats(issue)
        return super().change_view(request, object_id, form_url, extra_context)


admin.site.unregister(Issue)
admin.site.register(Issue, IssueStatsAdmin)
