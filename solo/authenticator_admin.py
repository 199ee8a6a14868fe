"""django-otp's authenticator admin, so the author can set one up without being shut out.

Once staff have a confirmed authenticator the admin asks for its code, so the session that adds
one would be sent to the sign-in page before the QR code could be scanned. Adding your own
counts as this session's second factor: the session was already allowed in.
Imported from SoloConfig.ready(), after django-otp has registered its own admin.
"""

from django.contrib import admin
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.admin import TOTPDeviceAdmin
from django_otp.plugins.otp_totp.models import TOTPDevice


class AuthenticatorAdmin(TOTPDeviceAdmin):
    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if obj.user_id == request.user.pk and obj.confirmed:
            otp_login(request, obj)


admin.site.unregister(TOTPDevice)
admin.site.register(TOTPDevice, AuthenticatorAdmin)
