"""`commandmap user add|passwd|lock|list`: the people who log in, and their roles."""

from __future__ import annotations

import argparse
import getpass
import sys

from ..cliargs import add_db_argument
from ..errors import UserError

ROLES = ("commander", "dispatcher", "analyst", "viewer", "administrator", "audit_administrator")


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("user", help="manage user accounts (add, passwd, lock, list)", description=__doc__)
    actions = p.add_subparsers(dest="user_action", metavar="ACTION", required=True)
    add = actions.add_parser("add", help="create an account")
    add.add_argument("username")
    add.add_argument("--role", required=True, choices=ROLES)
    add.add_argument("--name", default="", help="display name")
    add.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    add_db_argument(add)
    add.set_defaults(func=run_add)
    pw = actions.add_parser("passwd", help="set a new password (also unlocks)")
    pw.add_argument("username")
    pw.add_argument("--password-stdin", action="store_true")
    add_db_argument(pw)
    pw.set_defaults(func=run_passwd)
    lk = actions.add_parser("lock", help="lock an account (--unlock to lift it)")
    lk.add_argument("username")
    lk.add_argument("--unlock", action="store_true")
    add_db_argument(lk)
    lk.set_defaults(func=run_lock)
    ls = actions.add_parser("list", help="list accounts")
    add_db_argument(ls)
    ls.set_defaults(func=run_list)


def cli_actor():  # type: ignore[no-untyped-def]
    """Whoever runs the command line against the store holds its credentials: an administrator."""
    import socket

    from ..domain.access import Actor, Role
    return Actor(f"cli:{getpass.getuser()}", Role.ADMINISTRATOR, socket.gethostname())


def _password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        text = sys.stdin.readline().rstrip("\n")
    else:
        text = getpass.getpass("password: ")
        if getpass.getpass("again: ") != text:
            raise UserError("password: the two entries differ")
    return text


def _engine(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    from ..store.migrate import open_store
    return open_store(getattr(args, "db", None))


def run_add(args: argparse.Namespace) -> int:
    from ..services.users import add_user

    password = _password(args)
    engine = _engine(args)
    try:
        add_user(engine, args.username, args.role, password, actor=cli_actor(), display_name=args.name)
    finally:
        engine.dispose()
    print(f"user {args.username} added as {args.role}")
    return 0


def run_passwd(args: argparse.Namespace) -> int:
    from ..services.users import set_password

    password = _password(args)
    engine = _engine(args)
    try:
        set_password(engine, args.username, password, actor=cli_actor())
    finally:
        engine.dispose()
    print(f"password of {args.username} changed")
    return 0


def run_lock(args: argparse.Namespace) -> int:
    from ..services.users import set_locked

    engine = _engine(args)
    try:
        set_locked(engine, args.username, not args.unlock, actor=cli_actor())
    finally:
        engine.dispose()
    print(f"user {args.username} {'unlocked' if args.unlock else 'locked'}")
    return 0


def run_list(args: argparse.Namespace) -> int:
    from ..services.users import list_users

    engine = _engine(args)
    try:
        rows = list_users(engine)
    finally:
        engine.dispose()
    print(f"{'user':<20} {'role':<20} state")
    for r in rows:
        state = "locked" if r.locked else (f"{r.failed_logins} failed" if r.failed_logins else "active")
        print(f"{r.username:<20} {r.role:<20} {state}")
    return 0
