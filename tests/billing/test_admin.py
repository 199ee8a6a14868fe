"""The author's desk: MRR and paid readers on the subscriptions list, re-applying an event."""

import pytest

from billing.models import StripeEvent, Subscription
from tests.billing import payloads
from tests.billing.readers import make_reader

pytestmark = pytest.mark.django_db


@pytest.fixture
def author(client, django_user_model):
    user = django_user_model.objects.create_superuser("author", "author@example.com", "pw-x-123")
    client.force_login(user)
    return client


def test_the_subscription_list_shows_mrr_and_paid_readers(author, django_user_model):
    for kind in ("paid", "past_due_in_grace", "canceled", "comped", "free"):
        make_reader(kind, django_user_model)
    Subscription.objects.filter(stripe_id="sub_paid").update(amount=6000, interval="year")

    page = author.get("/admin/billing/subscription/").content.decode()

    # 60.00/year → 5.00 a month, plus 5.00 a month in grace; the canceled one counts for nothing.
    assert "MRR: 10.00" in page
    assert "paid readers: 3" in page
    assert "sub_canceled" in page


def test_re_applying_a_failed_event_from_the_admin(author, local_stripe, monthly_plan, post_event):
    customer = local_stripe.create_customer("ada@example.com")
    broken = payloads.subscription("sub_x", customer.id, status="not_a_status")
    local_stripe.put_subscription(broken)
    assert post_event(payloads.event("customer.subscription.updated", broken)).status_code == 500
    event = StripeEvent.objects.get()
    local_stripe.put_subscription({**broken, "status": "active"})

    response = author.post(
        "/admin/billing/stripeevent/",
        {"action": "reapply", "_selected_action": [event.pk]},
        follow=True,
    )

    assert "sub_x active" in response.content.decode()
    assert Subscription.objects.get().status == "active"
    event.refresh_from_db()
    assert event.processed_at is not None and event.error == ""
