"""The author's desk: the figures and charts the admin index shows above the app list.

`figures` holds the numbers (each aggregated in SQL), `charts` draws them as SVG.
"""

from django.utils import timezone

from billing.models import Subscription
from newsletter import topics

from .charts import charts, traffic_chart
from .figures import (
    money,
    paid_figures,
    problems,
    revenue_by_tier,
    subscribers_by_status,
    tier_history,
    trial_figures,
    upcoming,
)
from .one_off import money_figures
from .setup import checklist
from .signups import stopped_signups
from .traffic import traffic, window


def dashboard(now=None, days=None) -> dict:
    """Everything the admin index shows, in a constant number of queries.

    `days`: the analytics' period (30, 90 or 365; anything else is 30)."""
    now = now or timezone.now()
    mrr = Subscription.objects.mrr_by_currency(now)
    paid = paid_figures(now)
    # The chart shows the currency bringing the most revenue (usually the only one).
    currency, main_mrr = next(iter(mrr.items()), ("", 0.0))
    steps = checklist()
    figures = traffic(window(days), now, currency)
    figures["chart"] = traffic_chart(figures)
    return {
        "setup": steps,
        "setup_open": sum(not step.done for step in steps),
        "by_status": subscribers_by_status(),
        "topics": topics.audience_per_topic(),
        **paid,
        "mrr": [(code, money(cents), money(cents * 12)) for code, cents in mrr.items()],
        "revenue_by_tier": revenue_by_tier(now),
        "tier_history": tier_history(now, currency),
        "trials": trial_figures(now),
        "upcoming": upcoming(now),
        "one_off": money_figures(),
        **problems(),
        "stopped_signups": stopped_signups(now),
        "charts": charts(now, paid["paid_readers"], currency, main_mrr),
        "traffic": figures,
        "time_zone": timezone.get_current_timezone_name(),
    }
