"""Billing's pages: `checkout` (pricing, Stripe Checkout and its success page, the billing
portal, the webhook) and `account` (signing in, the reader's account and their data)."""
