# Plan, Subscription (Stripe mirror), StripeEvent, Comp: see issue 5.
