"""An interactive HTML map (folium) of the operation that works with no network.

folium's page loads Leaflet, jQuery and Bootstrap from CDNs and is blank offline;
here the page uses Leaflet and Leaflet.markercluster only, inlined from the copies
vendored in resources/web (with their licences), so the exported file is one
self-contained page. Sites are clustered; officers (by status), open incidents (by
priority), dispatched routes and district/town/grid outlines are plain Leaflet
vectors built in the browser from compact JSON, so a full city stays a few MB.
Popups are in Chinese. Every marker/outline carries a `cm-<kind>` CSS class, which is
what the headless-browser test counts.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import folium
from branca.element import Element, MacroElement
from jinja2 import Template
from sqlalchemy import Engine, select

from ...paths import resources_dir
from ...store import schema
from ...store.engine import READ_ONLY_OPTION
from . import tables

OFFICER_STATUS_ZH = {"off_duty": "休息", "available": "空闲", "dispatched": "已派单", "en_route": "在途",
                     "on_scene": "到场处置"}
OFFICER_COLOURS = {"off_duty": "#8a949e", "available": "#16a34a", "dispatched": "#f59e0b", "en_route": "#1d6fe0",
                   "on_scene": "#9333ea"}     # the workstation theme's officer colours
INCIDENT_STATUS_ZH = {"new": "待派单", "dispatched": "已派单", "en_route": "民警在途", "on_scene": "现场处置"}
PRIORITY_ZH = {"P1": "P1 紧急", "P2": "P2 重要", "P3": "P3 一般", "P4": "P4 较低"}
PRIORITY_COLOURS = {"P1": "#dc2626", "P2": "#f97316", "P3": "#eab308", "P4": "#0ea5e9"}
AREA_STYLE = {"district": ("区县", "#6b21a8", 2.5), "town": ("镇街", "#7c3aed", 1.2), "grid": ("网格", "#a78bfa", 0.6)}
OPEN_TASK = ("dispatched", "acknowledged", "en_route", "on_scene")
OPEN_INCIDENT = ("new", "dispatched", "en_route", "on_scene")
_ASSET = re.compile(r'<(?:script src|link rel="stylesheet" href)="cm-asset:([^"]+)"\s*/?>(?:</script>)?')


def _asset_text(rel: str) -> str:
    path = resources_dir() / "web" / rel
    text = path.read_text(encoding="utf-8")
    if rel.endswith(".css"):     # leaflet.css points at images/…: inline them as data URIs
        def data_uri(m: re.Match[str]) -> str:
            img = path.parent / m.group(1)
            if not img.is_file():
                return m.group(0)
            return f"url(data:image/png;base64,{base64.b64encode(img.read_bytes()).decode()})"
        text = re.sub(r"url\((images/[^)]+\.png)\)", data_uri, text)
    return text


def inline_assets(html: str) -> str:
    """Replace the page's `cm-asset:` links with the vendored files' text."""
    def inline(m: re.Match[str]) -> str:
        rel = m.group(1)
        body = _asset_text(rel).replace("</script", "<\\/script")
        return f"<script>{body}</script>" if rel.endswith(".js") else f"<style>{body}</style>"
    if re.search(r'<(script|link)[^>]+(src|href)="(https?:)?//', html):   # a load, not the attribution's link
        raise RuntimeError("html map: the page still loads something from the network")
    return _ASSET.sub(inline, html)


class OfflineMap(folium.Map):
    default_js = [("leaflet", "cm-asset:leaflet/leaflet.js")]
    default_css = [("leaflet_css", "cm-asset:leaflet/leaflet.css")]


class _Cluster(MacroElement):
    """The sites in one marker-cluster group of circle markers."""

    default_js = [("markercluster", "cm-asset:leaflet.markercluster/leaflet.markercluster.js")]
    default_css = [("markercluster_css", "cm-asset:leaflet.markercluster/MarkerCluster.css"),
                   ("markercluster_default_css", "cm-asset:leaflet.markercluster/MarkerCluster.Default.css")]
    _template = Template("""
{% macro script(this, kwargs) %}
(function () {
  var map = {{ this._parent.get_name() }};
  if (map.options.maxZoom === undefined) { map.setMinZoom(6); map.setMaxZoom(18); }   // no tile layer sets them
  var group = L.markerClusterGroup({chunkedLoading: true, maxClusterRadius: 60});
  var rows = {{ this.rows_json }};
  for (var i = 0; i < rows.length; i++) {
    var r = rows[i];
    group.addLayer(L.circleMarker([r[0], r[1]], {radius: 5, color: '#0f766e', weight: 1, fillOpacity: 0.8,
        className: 'cm-site'}).bindPopup('<b>' + r[2] + '</b><br>类别：' + r[3] + '<br>地址：' + r[4]
        + '<br>风险等级：' + r[5]));
  }
  map.addLayer(group);
  window.cmLayers = window.cmLayers || {};
  window.cmLayers.sites = group;
})();
{% endmacro %}
""")

    def __init__(self, rows: list[list[Any]]) -> None:
        super().__init__()
        self._name = "SiteCluster"
        self.rows_json = json.dumps(rows, ensure_ascii=False)

    def render(self, **kwargs: Any) -> Any:
        figure: Any = self.get_root()
        for name, url in self.default_js:
            figure.header.add_child(folium.JavascriptLink(url), name=name)
        for name, url in self.default_css:
            figure.header.add_child(folium.CssLink(url), name=name)
        super().render(**kwargs)


class _Vectors(MacroElement):
    """Officers, incidents, routes and outlines from one JSON payload, as plain Leaflet vectors."""

    _template = Template("""
{% macro script(this, kwargs) %}
(function () {
  var map = {{ this._parent.get_name() }};
  if (map.options.maxZoom === undefined) { map.setMinZoom(6); map.setMaxZoom(18); }   // no tile layer sets them
  var d = {{ this.payload }};
  var ctl = L.control.layers(null, null, {collapsed: false}).addTo(map);
  d.areas.forEach(function (a) {
    var g = L.geoJSON(a.geojson, {className: 'cm-' + a.kind, color: a.colour, weight: a.weight, fill: false,
      onEachFeature: function (f, l) { l.bindPopup(a.title + '：' + f.properties.name); }});
    g.addTo(map); ctl.addOverlay(g, a.title);
  });
  var routes = L.layerGroup();
  d.routes.forEach(function (r) {
    L.polyline(r.lonlat.map(function (p) { return [p[1], p[0]]; }), {className: 'cm-route', color: '#1d6fe0',
      weight: 4, opacity: 0.8}).bindPopup('派单路线：' + r.badge + ' → ' + r.code + '<br>预计 ' + r.eta_min + ' 分钟')
      .addTo(routes);
  });
  routes.addTo(map); ctl.addOverlay(routes, '派单路线');
  d.incidents.forEach(function (grp) {
    var g = L.layerGroup();
    grp.rows.forEach(function (r) {
      L.circleMarker([r[0], r[1]], {className: 'cm-incident', radius: 9, color: '#111827', weight: 2,
        fillColor: grp.colour, fillOpacity: 0.95}).bindPopup('<b>' + r[2] + '</b><br>' + grp.title + ' · ' + r[3]
        + '<br>状态：' + r[4] + '<br>上报：' + r[5]).addTo(g);
    });
    g.addTo(map); ctl.addOverlay(g, '事件 ' + grp.title + '（' + grp.rows.length + '）');
  });
  d.officers.forEach(function (grp) {
    var g = L.layerGroup();
    grp.rows.forEach(function (r) {
      L.circleMarker([r[0], r[1]], {className: 'cm-officer', radius: 5, color: '#ffffff', weight: 1,
        fillColor: grp.colour, fillOpacity: 1}).bindPopup('<b>' + r[3] + '</b> ' + r[2] + '<br>部门：' + r[4]
        + '<br>状态：' + grp.title).addTo(g);
    });
    g.addTo(map); ctl.addOverlay(g, '民警 ' + grp.title + '（' + grp.rows.length + '）');
  });
  map.fitBounds([[d.bounds[1], d.bounds[0]], [d.bounds[3], d.bounds[2]]]);
  window.cmReady = true;
})();
{% endmacro %}
""")

    def __init__(self, payload: dict[str, Any]) -> None:
        super().__init__()
        self._name = "CommandMapVectors"
        self.payload = json.dumps(payload, ensure_ascii=False)


@dataclass
class HtmlCounts:
    """What the page shows, for the caller's report and the browser test."""

    officers: int = 0
    incidents: int = 0
    routes: int = 0
    sites: int = 0
    areas: dict[str, int] = field(default_factory=dict)


def _round(v: float) -> float:
    return round(float(v), 6)


def _data(engine: Engine, extent: tuple[float, float, float, float] | None,
          layers: set[str]) -> tuple[dict[str, Any], list[list[Any]], HtmlCounts]:
    o, p, d, i, t = schema.officer, schema.officer_position, schema.department, schema.incident, schema.task
    counts = HtmlCounts()

    def inside(lon: float, lat: float) -> bool:
        return extent is None or (extent[0] <= lon <= extent[2] and extent[1] <= lat <= extent[3])

    with engine.connect().execution_options(**{READ_ONLY_OPTION: True}) as conn:
        off = conn.execute(select(o.c.badge, o.c.name, o.c.status, d.c.name.label("dept"), p.c.lon, p.c.lat)
                           .join(p, p.c.officer_id == o.c.id).join(d, d.c.id == o.c.department_id)
                           .order_by(o.c.id)).all() if "officers" in layers else []
        inc = conn.execute(select(i.c.code, i.c.category, i.c.priority, i.c.status, i.c.reported_at, i.c.lon, i.c.lat)
                           .where(i.c.status.in_(OPEN_INCIDENT)).order_by(i.c.id)).all() if "incidents" in layers else []
        rts = conn.execute(select(t.c.route_lonlat, t.c.predicted_eta_s, o.c.badge, i.c.code)
                           .join(o, o.c.id == t.c.officer_id).join(i, i.c.id == t.c.incident_id)
                           .where(t.c.status.in_(OPEN_TASK)).order_by(t.c.id)).all() if "routes" in layers else []
    officers = []
    for status, colour in OFFICER_COLOURS.items():
        rows = [[_round(r.lat), _round(r.lon), r.name, r.badge, r.dept] for r in off
                if r.status == status and inside(r.lon, r.lat)]
        if rows:
            officers.append({"title": OFFICER_STATUS_ZH[status], "colour": colour, "rows": rows})
            counts.officers += len(rows)
    incidents = []
    from .window import iso_beijing
    from ..clock import to_epoch
    for prio, colour in PRIORITY_COLOURS.items():
        rows = [[_round(r.lat), _round(r.lon), r.code, r.category, INCIDENT_STATUS_ZH.get(r.status, r.status),
                 (iso_beijing(to_epoch(r.reported_at)) or "")[:19].replace("T", " ")]
                for r in inc if r.priority == prio and inside(r.lon, r.lat)]
        if rows:
            incidents.append({"title": PRIORITY_ZH[prio], "colour": colour, "rows": rows})
            counts.incidents += len(rows)
    routes = [{"lonlat": [[_round(x), _round(y)] for x, y in r.route_lonlat], "badge": r.badge, "code": r.code,
               "eta_min": round(float(r.predicted_eta_s) / 60, 1)} for r in rts if len(r.route_lonlat) >= 2]
    counts.routes = len(routes)
    areas = []
    for kind in ("grid", "town", "district"):
        if f"{kind}s" not in layers:
            continue
        frame = tables.READERS[f"{kind}s"](engine, tables.TimeWindow())
        if extent is not None:
            frame = frame.cx[extent[0]:extent[2], extent[1]:extent[3]]
        frame = frame.assign(geometry=frame.geometry.simplify(0.0001))[["name", "code", "geometry"]]
        title, colour, weight = AREA_STYLE[kind]
        areas.append({"kind": kind, "title": title, "colour": colour, "weight": weight,
                      "geojson": json.loads(frame.to_json(drop_id=True))})
        counts.areas[kind] = len(frame)
    sites: list[list[Any]] = []
    if "sites" in layers:
        s = tables.sites(engine)
        for r in s.itertuples():
            if inside(r.geometry.x, r.geometry.y):
                sites.append([_round(r.geometry.y), _round(r.geometry.x), r.name, r.category, r.address,
                              int(r.risk_level)])
        counts.sites = len(sites)
    return {"officers": officers, "incidents": incidents, "routes": routes, "areas": areas}, sites, counts


HTML_LAYERS = ("sites", "officers", "incidents", "routes", "districts", "towns", "grids")


def write_html_map(engine: Engine, out: str | Path, *, extent: tuple[float, float, float, float] | None = None,
                   layers: tuple[str, ...] | None = None, title: str = "指挥一张图 · CommandMap",
                   progress: Callable[[str, float], None] | None = None) -> HtmlCounts:
    """Write one self-contained, offline HTML map; `extent` W,S,E,N degrees (default: the city)."""
    chosen = set(layers or HTML_LAYERS)
    unknown = sorted(chosen - set(HTML_LAYERS))
    if unknown:
        raise ValueError(f"unknown html layer {unknown[0]!r}; layers are: {', '.join(HTML_LAYERS)}")
    payload, sites, counts = _data(engine, extent, chosen)
    if progress is not None:
        progress("read", 0.5)
    if extent is None:
        w, s, e, n = (float(v) for v in tables.districts(engine).total_bounds)
    else:
        w, s, e, n = extent
    payload["bounds"] = [w, s, e, n]
    fmap = OfflineMap(location=[(s + n) / 2, (w + e) / 2], zoom_start=10,
                      tiles=None, prefer_canvas=False, control_scale=True)
    root: Any = fmap.get_root()
    root.header.add_child(Element(f"<title>{title}</title>"))
    root.html.add_child(Element(
        f'<div style="position:absolute;z-index:1000;left:50px;top:10px;background:#fff;padding:4px 10px;'
        f'border-radius:4px;font:bold 16px sans-serif">{title}</div>'))
    if sites:
        fmap.add_child(_Cluster(sites))
    fmap.add_child(_Vectors(payload))
    html = inline_assets(root.render())
    out = Path(out)
    tmp = out.with_name(f".{out.name}.partial")
    tmp.write_text(html, encoding="utf-8")
    tmp.replace(out)
    if progress is not None:
        progress("written", 1.0)
    return counts
