"""The base of the admins for rows the system writes (deliveries, clicks, Stripe's mirror)."""

from django.contrib import admin


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows the site writes (deliveries, clicks, Stripe's mirror): shown, never added or edited.

    Deleting follows Django's permissions, so that deleting a subscriber or an issue in the admin
    takes these rows with it.
    """

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
