"""Paint a frame in horizontal bands so the band being painted stays in the CPU cache.

A 4K frame is 33 MB, more than this machine's shared L3 cache. Blitting the
cached static image and then stamping 10,000 markers at random places makes
nearly every marker row a trip to main memory; at 4K that, not the blending,
was most of a frame. Painting band by band — blit one band of the static
image, then everything that reaches into that band — keeps the band's pixels
in cache while the markers land on them.

The dynamic layers are *recorded* once per frame: `BandRecorder` stands in for
the QPainter (only the calls the band-safe layers make; anything else is a
loud error), batches keep their numpy tables, and each batch is split by band
once. Replay then clips to each band and draws, in recorded order, only the
rows that reach it. Every pixel therefore sees the same sequence of paints as
in an unbanded frame; the clip only decides which band paints it. Sprites,
label stamps, filled shapes and thin lines come out bit for bit the same.
Two exceptions, both Qt restarting its arithmetic where a clip cuts: a wide
antialiased (route) line crossing a band edge can differ by a level or two
(of 255) in its edge pixels, and while zooming, the old image stretched under
the new view may take the neighbouring source row in a few rows.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QImage, QPainter, QPen, QPixmap

from .qtarrays import draw_fragments, draw_points, draw_segments

BAND_DEVICE_ROWS = 128       # ~2 MB of a 4K frame plus the same of the cached image: fits the shared L3
MIN_BAND_DEVICE_PIXELS = 1920 * 1080 * 2   # smaller frames fit in the cache anyway: one pass is cheaper
SMALL_BATCH = 64             # a table this small is replayed whole in every band it spans: cheaper than sorting

# painter calls replayed as they are in every band (state, and the rare unbatched shape)
_STATE = frozenset({"save", "restore", "setRenderHint", "setRenderHints", "setPen", "setBrush", "setFont",
                    "setOpacity", "setCompositionMode", "translate", "rotate", "scale"})
_SHAPES = frozenset({"drawEllipse", "drawLine", "drawPolygon", "drawPolyline", "drawRoundedRect", "drawRect",
                     "drawText", "drawPath", "fillPath", "strokePath", "fillRect", "drawArc"})
_TRANSFORMS = frozenset({"translate", "rotate", "scale"})


@dataclass
class _Call:
    name: str
    args: tuple


@dataclass
class _Batch:
    kind: str                        # "fragments" | "segments" | "stamps"
    data: Any                        # numpy table, or list of (QPointF, QImage) for stamps
    y0: np.ndarray                   # logical y extent of every row (already padded)
    y1: np.ndarray
    pixmap: QPixmap | None = None
    per_band: list[Any] | None = None   # after split: what band b draws (None: nothing)


class BandRecorder:
    """Records what the band-safe layers paint in one frame, for `replay`.

    Duck-types the few QPainter calls those layers make. The qtarrays batch
    helpers hand their tables to `record_*` instead of drawing."""

    def __init__(self) -> None:
        self._ops: list[_Call | _Batch] = []
        self._pen_w = 1.0
        self._transformed = False
        self._stack: list[tuple[float, bool]] = []
        self._stamps: list[tuple[QPointF, QImage]] | None = None   # the open run of drawImage stamps
        self._stamp_y: list[tuple[float, float]] = []

    # --- recording ------------------------------------------------------------
    def __getattr__(self, name: str) -> Callable[..., None]:
        if name in _STATE or name in _SHAPES:
            return lambda *args: self._call(name, args)
        raise AttributeError(f"BandRecorder: painter method {name!r} is not recorded; paint this layer "
                             f"unbanded (band_safe = False) or add the call to layers/bands.py")

    def _call(self, name: str, args: tuple) -> None:
        self._close_stamps()
        if name == "save":
            self._stack.append((self._pen_w, self._transformed))
        elif name == "restore" and self._stack:
            self._pen_w, self._transformed = self._stack.pop()
        elif name == "setPen":
            pen = args[0]
            if isinstance(pen, QPen):
                self._pen_w = max(1.0, pen.widthF()) if pen.style() != Qt.PenStyle.NoPen else 0.0
            else:
                self._pen_w = 0.0 if pen == Qt.PenStyle.NoPen else 1.0
        elif name in _TRANSFORMS:
            self._transformed = True
        self._ops.append(_Call(name, args))

    def drawImage(self, *args: Any) -> None:  # noqa: N802 (Qt name)
        if len(args) == 2 and isinstance(args[0], QPointF) and isinstance(args[1], QImage) and not self._transformed:
            pos, image = args
            if self._stamps is None:
                self._stamps = []
                self._stamp_y = []
            self._stamps.append((QPointF(pos), image))
            y = pos.y()
            self._stamp_y.append((y, y + image.height() / image.devicePixelRatio()))
            return
        self._call("drawImage", args)

    def _close_stamps(self) -> None:
        if self._stamps is None:
            return
        y = np.asarray(self._stamp_y, dtype=np.float64).reshape(-1, 2)
        self._ops.append(_Batch("stamps", self._stamps, y[:, 0] - 2.0, y[:, 1] + 2.0))
        self._stamps = None

    def _extent(self, lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        if self._transformed:   # coordinates are not the screen's: every band draws every row
            return np.full(len(lo), -math.inf), np.full(len(lo), math.inf)
        return lo, hi

    def record_fragments(self, frags: np.ndarray, pixmap: QPixmap) -> None:
        self._close_stamps()
        half = np.abs(frags[:, 5] * frags[:, 7]) * 0.5 + 2.0
        y0, y1 = self._extent(frags[:, 1] - half, frags[:, 1] + half)
        self._ops.append(_Batch("fragments", frags, y0, y1, pixmap))

    def record_segments(self, segs: np.ndarray) -> None:
        self._close_stamps()
        pad = self._pen_w * 0.75 + 2.0      # any cap or antialiased edge stays inside
        y0, y1 = self._extent(np.minimum(segs[:, 1], segs[:, 3]) - pad, np.maximum(segs[:, 1], segs[:, 3]) + pad)
        self._ops.append(_Batch("segments", segs, y0, y1))

    def record_points(self, xy: np.ndarray) -> None:
        # round points are stroked as shared paths (vector output only): every band draws them all
        self._call("drawPointsArray", (xy,))

    # --- replay -------------------------------------------------------------------
    def replay(self, painter: QPainter, width: float, height: float, dpr: float,
               background: Callable[[QPainter], None], band_device_rows: int | None = None) -> int:
        """Paint `background` and the recording band by band; returns the band count."""
        self._close_stamps()
        # whole logical pixels (dpr is a whole number here, see use_bands), so every clip edge
        # is a device-pixel edge and the clip stays a plain rectangle
        band = float(max(1, round((band_device_rows or BAND_DEVICE_ROWS) / dpr)))
        n_bands = max(1, int(math.ceil(height / band)))
        for op in self._ops:
            if isinstance(op, _Batch):
                _split(op, band, n_bands)
        overlap = 1.0     # neighbours share a row; every op that reaches it is replayed in both bands
        ops = self._ops
        for b in range(n_bands):
            painter.save()
            painter.setClipRect(QRectF(0.0, b * band - overlap, width, band + 2 * overlap))
            background(painter)
            for op in ops:
                if isinstance(op, _Call):
                    if op.name == "drawPointsArray":
                        draw_points(painter, op.args[0])
                    else:
                        getattr(painter, op.name)(*op.args)
                    continue
                part = op.per_band[b]  # type: ignore[index]
                if part is None:
                    continue
                if op.kind == "fragments":
                    draw_fragments(painter, part, op.pixmap)  # type: ignore[arg-type]
                elif op.kind == "segments":
                    draw_segments(painter, part)
                else:
                    for pos, image in part:
                        painter.drawImage(pos, image)
            painter.restore()
        return n_bands


def _split(op: _Batch, band: float, n_bands: int) -> None:
    """What each band draws of a batch: the rows that reach it, in recorded order."""
    y0, y1 = op.y0, op.y1
    n = len(y0)
    inv = 1.0 / band
    with np.errstate(invalid="ignore"):          # NaN rows (no geometry) are dropped below
        nan = np.isnan(y0) | np.isnan(y1)
        if n <= SMALL_BATCH and op.kind != "stamps":   # (stamps are one Python call each: split them)
            # replay the batch whole in every band it spans: a row that misses a band is
            # clipped away there entirely, so it changes no pixel
            keep = np.flatnonzero(~nan)
            parts: list[Any] = [None] * n_bands
            if len(keep):
                first = int(np.clip(np.floor(y0[keep].min() * inv), 0, n_bands))
                last = int(np.clip(np.floor(y1[keep].max() * inv), -1, n_bands - 1))
                whole = op.data[keep]
                for b in range(first, last + 1):
                    parts[b] = whole
            op.per_band = parts
            return
        lo = np.floor(np.clip(y0 * inv, -1, n_bands))
        hi = np.floor(np.clip(y1 * inv, -1, n_bands))
        b0 = np.maximum(lo, 0).astype(np.int16)
        b1 = np.minimum(hi, n_bands - 1).astype(np.int16)
    count = (b1 - b0 + 1).clip(0)                 # rows wholly above or below the frame reach no band
    if nan.any():
        count[nan] = 0
    if count.min() == 1 and count.max() == 1:
        rows = np.argsort(b0, kind="stable")      # radix sort of small ints: row order kept per band
        bands = b0[rows]
    else:
        rows = np.repeat(np.arange(n, dtype=np.int64), count)     # row order, each row's bands ascending
        offset = np.arange(len(rows), dtype=np.int64) - np.repeat(np.cumsum(count) - count, count)
        bands = (np.repeat(b0, count) + offset).astype(np.int16)
        order = np.argsort(bands, kind="stable")
        rows = rows[order]
        bands = bands[order]
    cuts = np.searchsorted(bands, np.arange(n_bands + 1, dtype=np.int16)).tolist()
    if op.kind == "stamps":
        stamps = op.data
        op.per_band = [[stamps[k] for k in rows[cuts[b]:cuts[b + 1]]] or None for b in range(n_bands)]
    else:
        data = op.data[rows]                        # a fancy-indexed copy is C-contiguous
        op.per_band = [data[cuts[b]:cuts[b + 1]] if cuts[b + 1] > cuts[b] else None for b in range(n_bands)]


def use_bands(painter: QPainter, device_width: int, device_height: int, dpr: float = 1.0) -> bool:
    """Banding pays off on large raster frames only (vector output and small frames paint
    directly). At a fractional device pixel ratio a band edge cannot be both a whole
    logical and a whole device coordinate, and a clip off the pixel grid is no longer a
    plain rectangle (the engine then blends differently): such screens paint in one pass."""
    engine = painter.paintEngine()
    if engine is None or engine.type() != engine.Type.Raster or abs(dpr - round(dpr)) > 1e-9:
        return False
    return device_width * device_height >= MIN_BAND_DEVICE_PIXELS
