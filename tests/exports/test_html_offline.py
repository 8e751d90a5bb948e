"""The HTML map works with the network off: headless Chromium shows every marker and outline."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from commandmap.cli import run
from commandmap.services.exports.html_map import write_html_map

BROWSER = shutil.which("chromium") or shutil.which("chromium-browser")
needs_browser = pytest.mark.skipif(BROWSER is None, reason="headless Chromium is not installed "
                                   "(Debian: apt-get install chromium; scripts/setup.sh installs it)")


def _dom(page: Path) -> str:
    """The page's DOM after its scripts ran, in a browser with no way to reach any network."""
    assert BROWSER is not None
    cmd = [BROWSER, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
           "--disable-component-update", "--no-first-run", "--proxy-server=127.0.0.1:9",
           "--host-resolver-rules=MAP * ~NOTFOUND", "--window-size=1280,900", "--virtual-time-budget=8000",
           f"--user-data-dir={page.parent / 'chromium-profile'}", "--dump-dom", page.as_uri()]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def _count(dom: str, cls: str) -> int:
    return len(re.findall(rf'class="[^"]*\b{cls}\b[^"]*"', dom))


@needs_browser
def test_offline_page_shows_the_expected_markers_and_outlines(history, tmp_path) -> None:
    page = tmp_path / "map.html"
    counts = write_html_map(history.engine, page)
    html = page.read_text(encoding="utf-8")
    assert not re.search(r'<(script|link)[^>]+(src|href)="(https?:)?//', html)   # nothing to fetch
    dom = _dom(page)
    assert counts.officers > 0 and counts.sites > 0 and counts.incidents >= 2    # the seeded open H2, H3 at least
    assert _count(dom, "cm-officer") == counts.officers
    assert _count(dom, "cm-incident") == counts.incidents
    assert _count(dom, "cm-route") == counts.routes
    for kind, n in counts.areas.items():
        assert _count(dom, f"cm-{kind}") == n > 0, kind
    # sites are clustered: the cluster badges and the single markers add up to every site
    clustered = sum(int(n) for n in re.findall(r'marker-cluster[^"]*"[^>]*><div><span>(\d+)</span>', dom))
    assert clustered > 0 and clustered + _count(dom, "cm-site") == counts.sites
    assert "民警 空闲" in dom or "民警 休息" in dom        # the layer control is in Chinese


def test_cli_html_subset_of_layers_and_extent(history, tmp_path, capsys) -> None:
    lon, lat = history.lonlat
    out = tmp_path / "m.html"
    assert run(["export", "--db", history.url, "--format", "html", "--out", str(out), "--layers", "incidents,districts",
                "--extent", f"{lon - 0.01},{lat - 0.01},{lon + 0.01},{lat + 0.01}", "--quiet"], None) == 0
    html = out.read_text(encoding="utf-8")
    assert "NB-TEST-H3" in html and "NB-TEST-H1" not in html    # open incidents only (H1 is resolved)
    assert "markerClusterGroup" not in html                     # no sites asked for
    rc = run(["export", "--db", history.url, "--format", "html", "--out", str(out), "--layers", "tracks"], None)
    assert rc == 2 and "unknown html layer" in capsys.readouterr().err
