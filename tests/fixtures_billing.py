"""Fixtures for the billing tests."""
