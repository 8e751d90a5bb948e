"""In-memory live snapshot of the operation, refreshed from the change feed."""
