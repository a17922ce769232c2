"""Publish: the one writer (atomic files, the journal, the lock, the marker)."""
