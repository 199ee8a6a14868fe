from django.core.management.base import BaseCommand, CommandError

from billing import reconcile, stripe_api


class Command(BaseCommand):
    help = (
        "Create or update plans from the recurring prices of Solo's products in Stripe (products"
        " whose metadata has solo = true); list the other products, which it skips."
    )

    def handle(self, *args, **options):
        if not stripe_api.is_configured():
            raise CommandError("STRIPE_SECRET_KEY is not set.")
        reconcile.sync_plans(say=self.stdout.write)
