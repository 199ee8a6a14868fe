import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Give the local `admin` user a new random password and print where to sign in."

    def handle(self, *args, **options):
        password = secrets.token_urlsafe(12)
        user, _ = get_user_model().objects.get_or_create(
            username="admin", defaults={"email": "admin@localhost"}
        )
        user.is_staff = user.is_superuser = True
        user.set_password(password)
        user.save()
        self.stdout.write(
            f"\n  Admin: {settings.SITE_URL}/admin/  user: admin  password: {password}\n"
            "  (a new password is made each time; run `manage.py admin_password` again)\n"
        )
