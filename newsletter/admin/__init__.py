"""The newsletter in the author's desk, one module per subject (each registers its admins)."""

from . import engagement, growth, issues, readers, sequences, topics
from .base import ReadOnlyAdmin

__all__ = ["ReadOnlyAdmin", "engagement", "growth", "issues", "readers", "sequences", "topics"]
