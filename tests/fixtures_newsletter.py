"""Fixtures for the newsletter tests."""
