"""`commandmap device add|list|revoke`: the phones allowed to report positions, one token each."""

from __future__ import annotations

import argparse

from ..cliargs import add_db_argument


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("device", help="manage device tokens (add, list, revoke)", description=__doc__)
    actions = p.add_subparsers(dest="device_action", metavar="ACTION", required=True)
    add = actions.add_parser("add", help="register a phone for an officer and print its token (once)")
    add.add_argument("device_id", help="the id the phone sends (Traccar Client: 'Device identifier')")
    add.add_argument("--officer", required=True, metavar="BADGE", help="the officer's badge (or id)")
    add_db_argument(add)
    add.set_defaults(func=run_add)
    ls = actions.add_parser("list", help="list devices (never their tokens)")
    add_db_argument(ls)
    ls.set_defaults(func=run_list)
    rv = actions.add_parser("revoke", help="revoke a device's token")
    rv.add_argument("device_id")
    add_db_argument(rv)
    rv.set_defaults(func=run_revoke)


def _actor():  # type: ignore[no-untyped-def]
    from .user import cli_actor
    return cli_actor()


def _engine(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    from ..store.migrate import open_store
    return open_store(getattr(args, "db", None))


def run_add(args: argparse.Namespace) -> int:
    from ..services.devices import add_device

    engine = _engine(args)
    try:
        token = add_device(engine, args.device_id, args.officer, actor=_actor())
    finally:
        engine.dispose()
    print(f"device {args.device_id.strip()} added; its token (shown once, keep it secret):")
    print(token)
    return 0


def run_list(args: argparse.Namespace) -> int:
    from ..services.devices import list_devices

    engine = _engine(args)
    try:
        with engine.connect() as conn:
            rows = list_devices(conn)
    finally:
        engine.dispose()
    print(f"{'device':<24} {'officer':<12} {'state':<8} {'last seen':<20} battery")
    for r in rows:
        seen = r.last_seen_at.strftime("%Y-%m-%d %H:%M:%S") if r.last_seen_at else "-"
        batt = f"{r.battery_pct:.0f}%" if r.battery_pct is not None else "-"
        state = "revoked" if r.revoked_at else "active"
        print(f"{r.device_id:<24} {r.badge:<12} {state:<8} {seen:<20} {batt}")
    return 0


def run_revoke(args: argparse.Namespace) -> int:
    from ..services.devices import revoke_device

    engine = _engine(args)
    try:
        revoke_device(engine, args.device_id, actor=_actor())
    finally:
        engine.dispose()
    print(f"device {args.device_id} revoked")
    return 0
