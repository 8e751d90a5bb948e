"""Pure routing for CommandMap: road graph, snapping, nearest-by-drive-time, coverage, tours.

No Qt, no SQL, no application code: the services layer calls in with arrays.
"""

from .build import BuildReport, build_from_arrays
from .coverage import CoverageResult, EtaRaster, coverage
from .errors import GraphBuildError, RoadFileError, RoutingError
from .graph import RoadGraph
from .osm import build_from_osm
from .pruned import nearest_pruned
from .search import Candidates, NearestResult, Pick, SearchStats, SnappedCandidates, nearest
from .snap import PointSnap, SnapResult, snap, snap_point
from .speeds import ROAD_CLASSES, TRAVEL_MODES, SpeedTable
from .strategy import AutoSearch, HeapSearch, ScipySearch, SearchStrategy
from .tour import Leg, Tour, plan_tour
from .vector import build_from_vector

__all__ = [
    "ROAD_CLASSES", "TRAVEL_MODES", "AutoSearch", "BuildReport", "Candidates", "CoverageResult", "EtaRaster",
    "GraphBuildError", "HeapSearch", "Leg", "NearestResult", "Pick", "PointSnap", "RoadFileError", "RoadGraph",
    "RoutingError", "ScipySearch", "SearchStats", "SearchStrategy", "SnapResult", "SnappedCandidates", "SpeedTable",
    "Tour", "build_from_arrays", "build_from_osm", "build_from_vector", "coverage", "nearest", "nearest_pruned", "plan_tour", "snap",
    "snap_point",
]
