"""Store errors carry a one-line message fit to show a user (CLI exit code 2)."""

from __future__ import annotations


class StoreError(Exception):
    """Base class: the message is a complete sentence naming the problem."""


class BadDatabaseUrl(StoreError):
    pass


class DatabaseUnreachable(StoreError):
    pass


class SchemaTooNew(StoreError):
    pass


class SchemaMissing(StoreError):
    pass


class StoreReadOnly(StoreError):
    pass
