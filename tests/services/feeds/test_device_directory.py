"""The ingest server's token cache: unchanged devices cost one aggregate query per refresh, not a re-read
of every token; a revocation or a new device still takes effect at the next refresh."""

from __future__ import annotations

from sqlalchemy import Engine

from commandmap.domain.access import Actor, Role
from commandmap.services.devices import DeviceDirectory, add_device, revoke_device

from .server_kit import city_with_devices

ADMIN = Actor("admin", Role.ADMINISTRATOR, "test")


def test_cached_tokens_still_honour_revocation_and_new_devices(store_engine: Engine, monkeypatch) -> None:
    tokens = city_with_devices(store_engine, 3)
    directory = DeviceDirectory(store_engine, refresh_s=0.0)
    reloads: list[int] = []
    real_reload = directory.reload
    monkeypatch.setattr(directory, "reload", lambda: (reloads.append(1), real_reload())[1])
    assert directory.check("dev-1", tokens[1]).officer_id == 1
    assert directory.check("dev-1", tokens[1]).officer_id == 1      # verified once, then from the cache
    assert directory.check("dev-2", tokens[1]) is None              # another device's token: refused
    assert directory.check("dev-1", "guess") is None
    assert len(reloads) == 1                                        # nothing changed: no re-read
    revoke_device(store_engine, "dev-1", actor=ADMIN)
    assert directory.check("dev-1", tokens[1]) is None              # the cached verification is gone
    assert not directory.knows("dev-1") and len(reloads) == 2
    token = add_device(store_engine, "dev-1", "1", actor=ADMIN)     # the phone gets a new token
    assert directory.check("dev-1", token).officer_id == 1 and directory.check("dev-1", tokens[1]) is None
    assert directory.check("dev-3", tokens[3]).officer_id == 3 and len(reloads) == 3
