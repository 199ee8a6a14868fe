"""Fixtures for the notes tests."""
