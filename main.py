"""Run CommandMap from a source checkout: `python main.py` equals `commandmap`."""

from commandmap.app import main

if __name__ == "__main__":
    raise SystemExit(main())
