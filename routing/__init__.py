"""Pure routing for CommandMap: road graph, snapping, nearest-by-drive-time, coverage, tours.

No Qt, no SQL, no application code: the services layer calls in with arrays.
"""

from .build import BuildReport, build_from_arrays
from .errors import GraphBuildError, RoadFileError, RoutingError
from .graph import RoadGraph
from .search import Candidates, NearestResult, Pick, SnappedCandidates, nearest
from .snap import PointSnap, SnapResult, snap, snap_point
from .speeds import ROAD_CLASSES, TRAVEL_MODES, SpeedTable

__all__ = [
    "ROAD_CLASSES", "TRAVEL_MODES", "BuildReport", "Candidates", "GraphBuildError", "NearestResult", "Pick",
    "PointSnap", "RoadFileError", "RoadGraph", "RoutingError", "SnapResult", "SnappedCandidates", "SpeedTable",
    "build_from_arrays", "nearest", "snap", "snap_point",
]
