"""A running seat switches to a new road network without a restart.

A city import that brings a new road layer stores a new `road_network` version and points
city_meta `city.road_network` (and `city.road_sha256`) at it. The live state reads those entries
when the change feed says city_meta changed (it costs nothing otherwise); after each refresh, on
the live follower's thread, `RoadSwitch.on_refresh` compares them with the version this seat
routes on and, when they differ, loads the new graph (from the disk cache or the store) and swaps it into the
recommender. The map's roads are drawn on the UI thread: it takes the new city picture with
`take_city()` on its next tick, so no worker ever calls into Qt.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from collections.abc import Callable
from typing import Any

from sqlalchemy.exc import OperationalError

from ..domain.snapshot import CityStatic
from .city import load_road_graph, reproject_roads, road_set

log = logging.getLogger(__name__)


class RoadSwitch:
    """The road network one seat routes on and draws, following the store's."""

    def __init__(self, engine: Any, graph: Any, city: CityStatic, recommender: Any, *,
                 current: Callable[[], tuple[str | None, str | None]],
                 version: tuple[str | None, str | None] | None = None) -> None:
        """`current`: the store's road network (name, sha256) as the live state last read it (a cheap
        attribute read); `version`: the one `graph` is (default: the current one)."""
        self.engine = engine
        self.recommender = recommender
        self._current = current
        self._lock = threading.Lock()
        self.graph = graph
        self.city = city
        self.version = version if version is not None else current()
        self._tried: tuple[str | None, str | None] | None = None
        self._new_city: CityStatic | None = None

    def on_refresh(self, stats: object = None) -> bool:
        """After a live refresh (any thread but the UI's): switch when the store names another road
        network. True when this seat switched. A version that cannot be loaded is logged and not
        retried until the store names another one; the seat keeps its roads meanwhile."""
        version = self._current()
        name = version[0]
        if not name or version == self.version or version == self._tried:
            return False
        try:
            graph = load_road_graph(self.engine, name)
        except OperationalError as exc:     # the server went away: try again on a later refresh
            log.warning("road network %r not loaded yet: %s", name, exc)
            return False
        except Exception as exc:  # a damaged version must not stop the follower thread
            log.warning("road network %r not loaded, keeping %r: %s", name, self.version[0], exc)
            self._tried = version
            return False
        roads = road_set(graph)
        if graph.crs != self.city.crs:
            roads = reproject_roads(roads, graph.crs, self.city.crs)
        city = dataclasses.replace(self.city, roads=roads)
        self.recommender.graph = graph
        with self._lock:
            self.graph, self.city, self.version, self._new_city = graph, city, version, city
        log.info("switched to road network %r", name)
        return True

    def take_city(self) -> CityStatic | None:
        """The city picture with the new roads, once per switch (the UI thread's map takes it)."""
        with self._lock:
            city, self._new_city = self._new_city, None
            return city
