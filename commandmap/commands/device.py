"""`commandmap device add|list|revoke|qr`: the phones allowed to report positions, one token each."""

from __future__ import annotations

import argparse

from ..cliargs import add_db_argument
from ..errors import UserError


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("device", help="manage device tokens (add, list, revoke, qr)", description=__doc__)
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
    qr = actions.add_parser(
        "qr", help="enrol a phone: issue a NEW token and show it as a QR code (Traccar Client + task page)",
        description=QR_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    qr.add_argument("device_id", help="a device registered with `device add`")
    qr.add_argument("--out", metavar="FILE.png", default=None, help="write a PNG instead of printing to the terminal")
    qr.add_argument("--url", metavar="URL", default="http://127.0.0.1:5055",
                    help="how phones reach `commandmap ingest` (default %(default)s; behind a TLS proxy: https://…)")
    add_db_argument(qr)
    qr.set_defaults(func=run_qr)


QR_HELP = """\
Enrol a phone with one scan. Tokens are stored only as hashes, so this issues a NEW token for the
device (the previous one stops working) and shows it once, inside a QR code of the URL

  URL/m/TOKEN?id=DEVICE_ID&accuracy=high&interval=30&distance=30&service=true

Scanned in Traccar Client (its QR code button), it sets the server URL to URL/m/TOKEN, the device
identifier and the tracking settings, and starts tracking: positions are posted there and the ingest
server takes them as position reports. Scanned with the phone's camera, it opens the officer's task
page. The token appears only in this command's output (the QR code and the URL below it)."""


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


def qr_url(base_url: str, token: str, device_id: str) -> str:
    """The enrolment URL (see `device qr --help`); `base_url` is checked to be http(s)://host[:port][/path]."""
    from urllib.parse import quote, urlsplit

    parts = urlsplit(base_url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise UserError(f"--url: {base_url!r} must look like http://HOST:PORT (or https://HOST/PATH behind a proxy)")
    try:
        parts.port
    except ValueError:
        raise UserError(f"--url: {base_url!r} has a bad port") from None
    base = f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"
    return (f"{base}/m/{token}?id={quote(device_id, safe='')}&accuracy=high&interval=30&distance=30"
            "&service=true")


def run_qr(args: argparse.Namespace) -> int:
    import segno

    from ..services.devices import reissue_token

    qr_url(args.url, "x", args.device_id)            # a bad --url fails before a token is issued
    if args.out is not None and not args.out.lower().endswith(".png"):
        raise UserError(f"--out: {args.out!r} must name a .png file")
    engine = _engine(args)
    try:
        token, badge = reissue_token(engine, args.device_id, actor=_actor())
    finally:
        engine.dispose()
    url = qr_url(args.url, token, args.device_id.strip())
    code = segno.make(url, error="m")
    print(f"device {args.device_id.strip()} (officer {badge}): a NEW token was issued; the previous one no "
          "longer works.")
    if args.out is not None:
        try:
            code.save(args.out, kind="png", scale=8, border=4)
        except OSError as exc:
            raise UserError(f"--out: cannot write {args.out}: {exc.strerror or exc}") from None
        print(f"wrote {args.out}: scan it with Traccar Client to configure the phone, or with the camera to "
              "open the task page")
    else:
        print("scan with Traccar Client to configure the phone, or with the camera to open the task page:")
        code.terminal(compact=True)
    print(url)
    return 0
