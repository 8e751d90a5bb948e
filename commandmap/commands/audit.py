"""`commandmap audit verify|head`: check the keyed audit chain, or print its head for safekeeping."""

from __future__ import annotations

import argparse

from ..cliargs import add_db_argument


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("audit", help="verify the audit chain or print its head", description=__doc__)
    actions = p.add_subparsers(dest="audit_action", metavar="ACTION", required=True)
    v = actions.add_parser("verify", help="check every row's keyed hash and the anchored head (exit 1 if broken)")
    add_db_argument(v)
    v.set_defaults(func=run_verify)
    h = actions.add_parser("head", help="print the chain's last row id and hash (keep a copy elsewhere)")
    add_db_argument(h)
    h.set_defaults(func=run_head)


def run_verify(args: argparse.Namespace) -> int:
    from ..store.audit import verify_audit_chain
    from ..store.engine import open_engine

    engine = open_engine(getattr(args, "db", None), read_only=True)
    try:
        with engine.connect() as conn:
            check = verify_audit_chain(conn)
    finally:
        engine.dispose()
    if check.ok:
        print(f"audit chain holds: {check.checked} rows verified")
        return 0
    where = f"row {check.first_bad_id}" if check.first_bad_id is not None else "the chain"
    print(f"audit chain BROKEN at {where}: {check.reason}")
    return 1


def run_head(args: argparse.Namespace) -> int:
    from ..store.audit import audit_head
    from ..store.engine import open_engine

    engine = open_engine(getattr(args, "db", None), read_only=True)
    try:
        with engine.connect() as conn:
            row_id, digest = audit_head(conn)
    finally:
        engine.dispose()
    print(f"{row_id} {digest}")
    return 0
