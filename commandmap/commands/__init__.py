"""One module per `commandmap` subcommand; each defines register(subparsers)."""
