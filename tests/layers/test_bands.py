"""Band-by-band frames (layers/bands.py) paint the pixels of a one-pass frame: exactly,
except a level or two in the antialiased edges of wide lines that cross a band edge."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPen

import layers.bands as bands
from layers.bands import BandRecorder, _Batch, _split
from layers.canvas import MapCanvas
from layers.fonts import label_font
from layers.labels import draw_boxed_text
from layers.officers import FAR_M_PER_PX, OfficerLayer
from layers.qtarrays import draw_fragments, draw_segments
from layers.sprites import officer_atlas
from layers.themes import WALL
from layers.viewport import Viewport

from .factories import synthetic_city, synthetic_snapshot

T = 1_764_000_000.0


def _pixels(img: QImage) -> np.ndarray:
    return np.frombuffer(img.constBits(), np.uint32).reshape(img.height(), img.bytesPerLine() // 4).copy()


def _frame(canvas: MapCanvas, w: int, h: int) -> np.ndarray:
    img = QImage(w, h, QImage.Format.Format_ARGB32_Premultiplied)
    p = QPainter(img)
    canvas.render_frame(p, time_s=T + 0.3)
    p.end()
    return _pixels(img)


@pytest.fixture
def small_bands(monkeypatch):
    monkeypatch.setattr(bands, "MIN_BAND_DEVICE_PIXELS", 0)     # band even a small test frame
    monkeypatch.setattr(bands, "BAND_DEVICE_ROWS", 23)          # many band edges through the markers
    monkeypatch.setattr(OfficerLayer, "wants_bands", lambda self, view: True)   # at every scale
    calls = []
    real = BandRecorder.replay

    def counted(self, *args, **kwargs):
        calls.append(1)
        return real(self, *args, **kwargs)
    monkeypatch.setattr(BandRecorder, "replay", counted)
    return calls


def _scene_canvas() -> tuple[MapCanvas, int, float, float]:
    canvas = MapCanvas(theme=WALL)
    canvas.clock_source = lambda: T
    canvas.underlay = False          # compare painting, not reuse (see test_underlay.py)
    canvas.set_city(synthetic_city(), fit=False)
    snap = synthetic_snapshot()
    canvas.set_snapshot(snap)
    o = snap.officers
    i = int(np.nanargmin(np.hypot(o.xy[:, 0] - o.xy[:, 0].mean(), o.xy[:, 1] - o.xy[:, 1].mean())))
    return canvas, i, float(o.xy[i, 0]), float(o.xy[i, 1])


def _compare(canvas: MapCanvas, view: Viewport) -> list[tuple[np.ndarray, np.ndarray]]:
    canvas.set_view(view)
    canvas.cache.rebuild_now(view, 1.0, WALL)
    out = []
    for dx, dy in ((0, 0), (5, -3)):
        canvas.set_view(view.panned(dx, dy))
        canvas.banding = True
        banded = _frame(canvas, view.width, view.height)
        canvas.banding = False
        out.append((banded, _frame(canvas, view.width, view.height)))
    return out


@pytest.mark.parametrize("m_per_px", [60.0, 8.0, 1.2])
def test_banded_frame_equals_one_pass_frame(qapp, small_bands, m_per_px: float) -> None:
    canvas, i, x, y = _scene_canvas()
    canvas.layer("routes").visible = False       # wide lines: see the next test
    canvas.select(canvas.layer("officers").feature(i))          # the selection ring is banded too
    for banded, one_pass in _compare(canvas, Viewport(x + 37.3, y - 11.9, m_per_px, 640, 400)):
        assert np.array_equal(banded, one_pass), f"{int((banded != one_pass).sum())} pixels differ at {m_per_px} m/px"
    assert (banded != banded[0, 0]).sum() > 1000          # the frame has content
    assert len(small_bands) == 2                           # both frames of the pair were banded


def test_banded_route_lines_differ_by_a_level_or_two_at_most(qapp, small_bands) -> None:
    canvas, _, x, y = _scene_canvas()
    for name in ("officers", "incidents"):
        canvas.layer(name).visible = False
    for m_per_px in (30.0, 8.0):
        for banded, one_pass in _compare(canvas, Viewport(x, y, m_per_px, 640, 400)):
            a = banded.view(np.uint8).astype(np.int16)
            b = one_pass.view(np.uint8).astype(np.int16)
            assert np.abs(a - b).max() <= 6
            assert (banded != one_pass).sum() < 0.01 * banded.size


def test_a_layer_that_is_not_band_safe_is_painted_after_the_bands(qapp, small_bands) -> None:
    canvas = MapCanvas(theme=WALL)
    canvas.set_city(synthetic_city(), fit=True)
    canvas.set_snapshot(synthetic_snapshot())
    canvas.layer("heatmap").visible = True                       # below the markers, not band-safe
    banded, rest = canvas.stack.banded_dynamic()
    assert banded == [] and rest[0].name == "heatmap"
    canvas.layer("heatmap").visible = False
    banded, rest = canvas.stack.banded_dynamic()
    assert [lyr.name for lyr in banded][:3] == ["routes", "incidents", "officers"][:len(banded)] or banded
    assert rest == []


def test_recorder_replay_matches_direct_painting_on_a_hidpi_image(qapp) -> None:
    dpr = 2.0
    rng = np.random.default_rng(4)
    atlas = officer_atlas(WALL, dpr, 11.0, False)
    frags = atlas.fragments(rng.uniform(-5, 205, 300), rng.uniform(-5, 125, 300), rng.integers(0, atlas.count, 300))
    segs = np.column_stack([rng.uniform(0, 200, (40, 2)), rng.uniform(0, 120, (40, 2))])[:, [0, 2, 1, 3]]
    font = label_font(12)

    def paint(p) -> None:   # the calls a dynamic layer makes
        p.save()
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        p.setPen(QPen(QColor("#ffcc00"), 0.0))                 # cosmetic lines are exact; wide ones see above
        draw_segments(p, segs)
        draw_fragments(p, frags, atlas.pixmap())
        for k in range(12):
            draw_boxed_text(p, f"NB{k:03d}", font, 15.0 * k + 7.3, 9.0 * k + 0.6, QColor("#ffffff"),
                            QColor("#334455"), dpr=dpr)
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawEllipse(QPointF(100.3, 60.7), 20.0, 20.0)
        p.restore()

    def image() -> QImage:
        img = QImage(300, 180, QImage.Format.Format_ARGB32_Premultiplied)
        img.setDevicePixelRatio(dpr)
        return img

    def background(p: QPainter) -> None:
        p.fillRect(0, 0, 200, 120, QColor("#102030"))

    direct = image()
    p = QPainter(direct)
    background(p)
    paint(p)
    p.end()
    rec = BandRecorder()
    paint(rec)
    banded = image()
    p = QPainter(banded)
    n = rec.replay(p, 200, 120, dpr, background, band_device_rows=14)
    p.end()
    assert n == 18
    assert np.array_equal(_pixels(banded), _pixels(direct))


def _drawn(op: _Batch) -> list[list[int]]:
    return [[] if part is None else part[:, 0].astype(int).tolist() for part in op.per_band]


def test_split_keeps_recorded_order_within_each_band_and_reaches_every_band(monkeypatch) -> None:
    monkeypatch.setattr(bands, "SMALL_BATCH", 0)
    y0 = np.array([5.0, 95.0, -50.0, 15.0, 500.0, 30.0, np.nan])
    y1 = np.array([12.0, 130.0, -40.0, 62.0, 510.0, 35.0, 40.0])
    data = np.arange(7, dtype=np.float64).reshape(7, 1) * np.ones((1, 10))
    op = _Batch("fragments", data, y0, y1)
    _split(op, band=25.0, n_bands=4)        # bands [0,25) [25,50) [50,75) [75,100)
    # row 2 is above the frame, row 4 below it, row 6 has no geometry: no band draws them
    assert _drawn(op) == [[0, 3], [3, 5], [3], [1]]
    # a small batch is drawn whole in the bands between its highest and lowest row
    monkeypatch.setattr(bands, "SMALL_BATCH", 64)
    op = _Batch("fragments", data, y0, y1)
    _split(op, band=25.0, n_bands=4)
    assert _drawn(op) == [[0, 1, 2, 3, 4, 5]] * 4
    op = _Batch("fragments", data[:2], np.array([30.0, 40.0]), np.array([35.0, 55.0]))
    _split(op, band=25.0, n_bands=4)
    assert _drawn(op) == [[], [0, 1], [0, 1], []]


def test_officers_ask_for_bands_when_many_markers_are_drawn_not_dots(qapp, monkeypatch) -> None:
    layer = OfficerLayer()
    layer.update(synthetic_snapshot())
    near = Viewport(0.0, 0.0, 8.0, 3840, 2160)
    far = Viewport(0.0, 0.0, FAR_M_PER_PX * 2, 3840, 2160)
    monkeypatch.setattr("layers.officers.BAND_MIN_MARKERS", 10)
    assert layer.wants_bands(near) and not layer.wants_bands(far)
    monkeypatch.setattr("layers.officers.BAND_MIN_MARKERS", 10 ** 6)
    assert not layer.wants_bands(near)


def test_only_large_raster_frames_at_whole_pixel_ratios_are_banded(qapp) -> None:
    img = QImage(4, 4, QImage.Format.Format_ARGB32_Premultiplied)
    p = QPainter(img)
    try:
        assert bands.use_bands(p, 3840, 2160, 1.0) and bands.use_bands(p, 3840, 2160, 2.0)
        assert not bands.use_bands(p, 3840, 2160, 1.5)      # band edges would fall between pixels
        assert not bands.use_bands(p, 1280, 720, 1.0)       # fits in the cache: one pass is cheaper
    finally:
        p.end()


def test_recorder_refuses_calls_it_cannot_replay(qapp) -> None:
    rec = BandRecorder()
    with pytest.raises(AttributeError, match="not recorded"):
        rec.setClipRect(0, 0, 10, 10)
