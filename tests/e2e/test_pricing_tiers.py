"""The pricing page in Chromium: tiers side by side, the monthly/yearly switch working with
JavaScript turned off, and no serious accessibility violation, light or dark."""

import pytest

from billing.models import Plan, Tier

from .conftest import axe_violations, serious


def make_tiers():
    member = Tier.objects.create(
        name="Member",
        position=1,
        benefits="Every premium note\nThe private feed",
        stripe_product_id="prod_member",
    )
    founding = Tier.objects.create(
        name="Founding member",
        position=2,
        description="For the first readers.",
        stripe_product_id="prod_founding",  # a chosen amount needs the tier's product
    )
    for tier, slug, amount, interval, extra in [
        (member, "member-month", 500, "month", {"trial_days": 14}),
        (member, "member-year", 5000, "year", {}),
        (founding, "founding-month", 1500, "month", {"minimum_amount": 1000}),
        (founding, "founding-year", 15000, "year", {}),
    ]:
        Plan.objects.create(
            name=f"{tier.name}, {interval}ly",
            slug=slug,
            stripe_price_id=slug,
            amount=amount,
            interval=interval,
            tier=tier,
            **extra,
        )


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_monthly_yearly_switch_works_without_javascript(
    page, live_server, settings, shots, payments_on
):
    make_tiers()
    context = page.context.browser.new_context(java_script_enabled=False)
    try:
        nojs = context.new_page()
        nojs.goto(live_server.url + "/pricing/")
        monthly = nojs.get_by_text("5.00 EUR / month", exact=True)
        yearly = nojs.get_by_text("50.00 EUR / year", exact=True)
        assert monthly.is_visible() and not yearly.is_visible()
        assert not nojs.get_by_text("Save 17% (10.00 EUR a year)").is_visible()
        shots("pricing-monthly", nojs)

        nojs.get_by_text("Yearly", exact=True).click()
        assert yearly.is_visible() and not monthly.is_visible()
        assert nojs.get_by_text("Save 17% (10.00 EUR a year) against paying monthly").is_visible()
        shots("pricing-yearly", nojs)

        nojs.get_by_text("Monthly", exact=True).click()
        assert monthly.is_visible()
        assert nojs.get_by_text("14-day free trial for new members").is_visible()
        assert nojs.get_by_label("Your amount (EUR)").input_value() == "15.00"
    finally:
        context.close()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_pricing_page_has_no_serious_accessibility_violation(
    page, live_server, shots, payments_on
):
    make_tiers()
    page.goto(live_server.url + "/pricing/")
    found = {"light": serious(axe_violations(page))}
    page.emulate_media(color_scheme="dark")
    found["dark"] = serious(axe_violations(page))
    page.set_viewport_size({"width": 390, "height": 844})
    shots("pricing-phone")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert found == {"light": [], "dark": []}
