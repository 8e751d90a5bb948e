"""Screenshots of the officer's task page at 390×844 in Chinese and English (docs/phone-task-*.png).

    PYTHONPATH=. QT_QPA_PLATFORM=offscreen python scripts/phone-screenshots.py [--out docs]

Builds a throw-away store (the tests' tiny city with roads), dispatches one task to an officer's phone,
serves it with the real ingest server and photographs the page in headless Chromium (Debian's chromium and
chromium-driver). Nothing is kept but the two pictures.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from commandmap.services.feeds.runner import IngestOptions, IngestService  # noqa: E402
from commandmap.store.migrate import open_store  # noqa: E402
from tests.mobile.browser import MISSING, phone_browser  # noqa: E402
from tests.mobile.scene import add_site_incident, build_scene, dispatch_to  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default="docs", help="folder for phone-task-zh.png and phone-task-en.png")
    args = parser.parse_args()
    if MISSING:
        print(MISSING, file=sys.stderr)
        return 2
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        engine = open_store(f"sqlite:///{tmp}/phone.db")
        scene = build_scene(engine)
        add_site_incident(scene, 1, node=int(scene.graph.n_nodes * 0.6))  # type: ignore[attr-defined]
        dispatch_to(scene, 1, 1)
        service = IngestService(engine, IngestOptions(port=0, device_refresh_s=0.0)).start_in_thread()
        try:
            url = f"http://127.0.0.1:{service.port}/m/{scene.tokens[1]}"
            for lang, name in (("zh-CN", "zh"), ("en-US", "en")):
                with phone_browser(lang=lang, pixel_ratio=2.0) as browser:
                    browser.get(url)
                    browser.save_screenshot(str(out / f"phone-task-{name}.png"))
                    print(f"wrote {out / f'phone-task-{name}.png'}")
        finally:
            service.stop()
            engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
