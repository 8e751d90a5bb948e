"""Errors the routing package raises for problems a user can fix (bad files, bad input)."""

from __future__ import annotations


class RoutingError(Exception):
    """Base class: the message is one clear line naming the file or field and the problem."""


class RoadFileError(RoutingError):
    """A road file (OSM, GeoJSON, GeoPackage, Shapefile, cached graph) cannot be used."""


class GraphBuildError(RoutingError):
    """The inputs give no usable road graph (no edges left, bad arrays)."""
