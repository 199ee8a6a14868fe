from django.core.management.base import BaseCommand, CommandError

from billing import reconcile, stripe_api


class Command(BaseCommand):
    help = (
        "Compare local subscriptions with Stripe's, repair drift and print every change, and the"
        " subscriptions ignored because they are not to one of Solo's plans."
    )

    def handle(self, *args, **options):
        if not stripe_api.is_configured():
            raise CommandError("STRIPE_SECRET_KEY is not set.")
        reconcile.reconcile(say=self.stdout.write)
