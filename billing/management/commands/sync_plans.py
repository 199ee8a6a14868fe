from django.core.management.base import BaseCommand, CommandError

from billing import offers, reconcile, stripe_api


class Command(BaseCommand):
    help = (
        "Create or update plans from the recurring prices of Solo's products in Stripe (products"
        " whose metadata has solo = true); list the other products, which it skips. Adopt the"
        " promotion codes marked solo = true as offers."
    )

    def handle(self, *args, **options):
        if not stripe_api.is_configured():
            raise CommandError("STRIPE_SECRET_KEY is not set.")
        reconcile.sync_plans(say=self.stdout.write)
        offers.adopt_from_stripe(say=self.stdout.write)
