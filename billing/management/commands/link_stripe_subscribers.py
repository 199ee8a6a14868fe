from django.core.management.base import BaseCommand, CommandError

from billing import linking, stripe_api


class Command(BaseCommand):
    help = (
        "Give access to readers who already pay in this Stripe account (moving in from Substack "
        "or Ghost): the picked prices become plans, and each subscription on them is linked to "
        "its subscriber by customer id or email. No checkout, no charge. Other prices are left "
        "alone. Prints who was linked, who could not be, and why."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--price",
            action="append",
            required=True,
            dest="prices",
            metavar="PRICE_ID",
            help="a Stripe price (or legacy plan) id that counts as a Solo plan; repeat for more",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Say what would be linked; change nothing."
        )

    def handle(self, *args, prices, dry_run, **options):
        if not stripe_api.is_configured():
            raise CommandError("STRIPE_SECRET_KEY is not set.")
        try:
            report = linking.link_subscribers(prices, dry_run=dry_run)
        except stripe_api.StripeError as error:
            raise CommandError(f"Stripe answered: {error}") from error
        for line in linking.report_lines(report, dry_run=dry_run):
            self.stdout.write(line)
