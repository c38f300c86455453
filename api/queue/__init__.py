"""The caller's work queue."""
