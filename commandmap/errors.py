"""Errors a user can fix, shared by every entry point (CLI, app, services).

A leaf module with no imports of its own, so the command line, the composition
root and any service may raise or catch these without importing each other.
"""

from __future__ import annotations


class UserError(Exception):
    """A problem the user can fix: printed as one line, exit code 2."""
