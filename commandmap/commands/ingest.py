"""`commandmap ingest`: receive positions from real phones (OsmAnd / Traccar Client over HTTP, MQTT JSON)."""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging

from ..cliargs import add_db_argument
from ..errors import UserError

EPILOG = """\
Point the Traccar Client's server URL at http://HOST:PORT/TOKEN (the token printed by
`commandmap device add`), or send `Authorization: Bearer TOKEN`. The server binds to
127.0.0.1 unless --host says otherwise; for phones on the internet put a TLS reverse proxy
(nginx, Caddy) in front and forward to it. Several ingest processes may write to one
PostgreSQL store at once.

The same server, port and token serve the officer's task page at http://HOST:PORT/m/TOKEN
(accept, on my way, arrived, resolved); `commandmap device qr` enrols a phone for both at once."""


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("ingest", help="receive positions from phones (OsmAnd/Traccar HTTP, MQTT)",
                              description=__doc__, epilog=EPILOG,
                              formatter_class=argparse.RawDescriptionHelpFormatter)
    add_db_argument(p)
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: loopback only)")
    p.add_argument("--port", type=int, default=5055, help="HTTP port (default 5055, Traccar's OsmAnd port)")
    p.add_argument("--zone", default="Asia/Shanghai",
                   help="time zone of 'yyyy-MM-dd HH:mm:ss' timestamps (default Asia/Shanghai)")
    p.add_argument("--tick", type=float, default=0.05, metavar="SECONDS",
                   help="gather reports this long into one write (default 0.05)")
    p.add_argument("--rate", type=float, default=5.0, metavar="PER_S", help="per-device sustained rate (default 5/s)")
    p.add_argument("--reuse-port", action="store_true",
                   help="share the port with other ingest processes (SO_REUSEPORT: the kernel spreads the "
                        "connections; Linux)")
    p.add_argument("--mqtt", metavar="URL", default=None, help="also subscribe to an MQTT broker, e.g. "
                   "mqtt://127.0.0.1:1883")
    p.add_argument("--topic", default="commandmap/positions/#", help="MQTT topic filter (default %(default)s)")
    p.set_defaults(func=run)


def _run_fast(coro) -> None:  # type: ignore[no-untyped-def]
    """uvloop when installed (the `ingest` extra: about twice the requests per core), else asyncio's loop."""
    try:
        import uvloop
    except ImportError:
        asyncio.run(coro)
        return
    uvloop.run(coro)


def _quiet_gc() -> None:
    """A server allocates a few short-lived objects per request and holds a large, long-lived heap (modules,
    the device directory): the cyclic collector's full passes over that heap cost ~10% of the server's CPU
    under load. Freeze what exists at start-up (never traversed again) and collect the young generation
    less often."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(20_000, 20, 20)


def run(args: argparse.Namespace) -> int:
    from ..services.feeds.osmand import zone_named
    from ..services.feeds.runner import IngestOptions, IngestService
    from ..store.migrate import open_store

    if not 0 <= args.port <= 65535:
        raise UserError(f"--port: {args.port} is not a port number")
    if not args.tick > 0:
        raise UserError(f"--tick: {args.tick} must be positive")
    if not args.rate > 0:
        raise UserError(f"--rate: {args.rate} must be positive")
    try:
        zone_named(args.zone)
    except ValueError as exc:
        raise UserError(f"--zone: {exc}") from None
    if args.mqtt is not None and not args.mqtt.startswith(("mqtt://", "tcp://")):
        raise UserError(f"--mqtt: {args.mqtt!r} must look like mqtt://HOST:PORT")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    engine = open_store(getattr(args, "db", None))
    options = IngestOptions(host=args.host, port=args.port, zone=args.zone, tick_s=args.tick, rate_per_s=args.rate,
                            mqtt_url=args.mqtt, mqtt_topic=args.topic, reuse_port=args.reuse_port)
    service = IngestService(engine, options)
    _quiet_gc()
    print(f"commandmap ingest: listening on http://{args.host}:{args.port}/ (Ctrl-C stops)", flush=True)
    try:
        _run_fast(service.serve())
    except OSError as exc:
        raise UserError(f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}") from None
    finally:
        engine.dispose()
    return 0
