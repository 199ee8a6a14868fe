"""The author's desk: the figures and charts the admin index shows above the app list.

`figures` holds the numbers (each aggregated in SQL), `charts` draws them as SVG.
"""

from django.utils import timezone

from billing.models import Subscription

from .charts import charts
from .figures import money, paid_figures, problems, subscribers_by_status, upcoming
from .setup import checklist
from .signups import stopped_signups


def dashboard(now=None) -> dict:
    """Everything the admin index shows, in a constant number of queries."""
    now = now or timezone.now()
    mrr = Subscription.objects.mrr_by_currency(now)
    paid = paid_figures(now)
    # The chart shows the currency bringing the most revenue (usually the only one).
    currency, main_mrr = next(iter(mrr.items()), ("", 0.0))
    steps = checklist()
    return {
        "setup": steps,
        "setup_open": sum(not step.done for step in steps),
        "by_status": subscribers_by_status(),
        **paid,
        "mrr": [(code, money(cents), money(cents * 12)) for code, cents in mrr.items()],
        "upcoming": upcoming(now),
        **problems(),
        "stopped_signups": stopped_signups(now),
        "charts": charts(now, paid["paid_readers"], currency, main_mrr),
        "time_zone": timezone.get_current_timezone_name(),
    }
