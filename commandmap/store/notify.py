"""Wake change-feed readers promptly: LISTEN on PostgreSQL, a plain timer on SQLite.

A notification is only a hint to look: readers always catch up with
`changes_since(last_seq)`, so a lost notification (listener reconnecting,
server restart) costs latency, never data. After a reconnect `wait` returns
True so the reader polls once for whatever it may have missed.
"""

from __future__ import annotations

import threading
import time
from typing import Any, Protocol

from sqlalchemy.engine import make_url

from .changes import CHANNEL
from .engine import _normalise, resolve_db_url
from .errors import DatabaseUnreachable


class Listener(Protocol):
    def wait(self, timeout_s: float) -> bool: ...
    def close(self) -> None: ...


def _libpq_url(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


class ChangeListener:
    """LISTEN on a dedicated psycopg connection (never one from the engine's pool)."""

    def __init__(self, url: str, *, channel: str = CHANNEL, retry_s: float = 1.0) -> None:
        try:
            import psycopg  # the 'postgres' extra
        except ModuleNotFoundError as exc:  # pragma: no cover - the extra is a dependency of PG use
            raise RuntimeError("ChangeListener needs psycopg: install the 'postgres' extra") from exc
        self._conninfo = _libpq_url(_normalise(url))
        self._channel = channel
        self._retry_s = retry_s
        self._conn: Any = None
        self.reconnects = 0
        try:
            self._connect()  # report a dead server now, not on the first wait
        except psycopg.OperationalError as exc:
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            shown = make_url(self._conninfo).render_as_string(hide_password=True)
            raise DatabaseUnreachable(f"cannot listen for changes on {shown}: {first}") from None

    def _connect(self) -> None:
        import psycopg
        from psycopg import sql

        conn = psycopg.connect(self._conninfo, autocommit=True, connect_timeout=5)
        conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(self._channel)))
        self._conn = conn

    def _drop(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            except Exception:  # noqa: BLE001 - already broken
                pass
            self._conn = None

    def wait(self, timeout_s: float) -> bool:
        """Block up to `timeout_s`; True when woken by a change (or after a reconnect)."""
        import psycopg

        deadline = time.monotonic() + max(0.0, timeout_s)
        if self._conn is None:
            try:
                self._connect()
            except psycopg.OperationalError:
                time.sleep(min(self._retry_s, max(0.0, deadline - time.monotonic())))
                return False
            self.reconnects += 1
            return True  # notifications sent while we were away are lost: poll once
        try:
            woken = False
            for _ in self._conn.notifies(timeout=max(0.0, deadline - time.monotonic()), stop_after=1):
                woken = True
            if woken:  # drain what else is queued so the next wait does not return at once
                for _ in self._conn.notifies(timeout=0):
                    pass
            return woken
        except psycopg.OperationalError:
            self._drop()
            return self.wait(max(0.0, deadline - time.monotonic()))

    def close(self) -> None:
        self._drop()

    def __enter__(self) -> ChangeListener:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


class PollingListener:
    """SQLite has no NOTIFY: wait the poll interval, unless `wake()` is called."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def wake(self) -> None:
        self._event.set()

    def wait(self, timeout_s: float) -> bool:
        woken = self._event.wait(max(0.0, timeout_s))
        self._event.clear()
        return woken

    def close(self) -> None:
        self._event.set()

    def __enter__(self) -> PollingListener:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


def listener_for(url: str | None = None) -> ChangeListener | PollingListener:
    """The right listener for a store URL (resolved like `open_engine`)."""
    final = _normalise(resolve_db_url(url))
    if make_url(final).get_backend_name() == "postgresql":
        return ChangeListener(final)
    return PollingListener()
