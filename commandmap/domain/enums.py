"""Enumerations shared by every room: statuses, priorities, sources, modes."""

from __future__ import annotations

from enum import Enum


class StrEnum(str, Enum):
    """A str-valued enum whose value is what the store keeps."""

    def __str__(self) -> str:
        return str(self.value)


class OfficerStatus(StrEnum):
    OFF_DUTY = "off_duty"
    AVAILABLE = "available"
    DISPATCHED = "dispatched"
    EN_ROUTE = "en_route"
    ON_SCENE = "on_scene"


class IncidentStatus(StrEnum):
    NEW = "new"
    DISPATCHED = "dispatched"
    EN_ROUTE = "en_route"
    ON_SCENE = "on_scene"
    RESOLVED = "resolved"
    CLOSED = "closed"
    CANCELLED = "cancelled"


class TaskStatus(StrEnum):
    DISPATCHED = "dispatched"
    ACKNOWLEDGED = "acknowledged"
    EN_ROUTE = "en_route"
    ON_SCENE = "on_scene"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    REASSIGNED = "reassigned"


class TaskKind(StrEnum):
    """What a task sends an officer for: only `incident` tasks are responses (KPIs, SLA clocks)."""

    INCIDENT = "incident"
    INSPECTION = "inspection"   # a joint inspection plan's team member (综合查一次)
    MOVE_UP = "move_up"         # repositioning to cover where nobody reaches in time


class Priority(StrEnum):
    """P1 is the most urgent."""

    P1 = "P1"
    P2 = "P2"
    P3 = "P3"
    P4 = "P4"

    @property
    def rank(self) -> int:
        return int(self.value[1])


class IncidentSource(StrEnum):
    GRID_WHISTLE = "grid_whistle"      # 网格吹哨
    HOTLINE_12345 = "hotline_12345"    # 12345热线
    PATROL = "patrol"                  # 巡查发现
    REMOTE_MONITOR = "remote_monitor"  # 非现场监控
    PUBLIC_REPORT = "public_report"    # 群众举报


SOURCE_LABELS_ZH: dict[IncidentSource, str] = {
    IncidentSource.GRID_WHISTLE: "网格吹哨",
    IncidentSource.HOTLINE_12345: "12345热线",
    IncidentSource.PATROL: "巡查发现",
    IncidentSource.REMOTE_MONITOR: "非现场监控",
    IncidentSource.PUBLIC_REPORT: "群众举报",
}


class TravelMode(StrEnum):
    FOOT = "foot"
    EBIKE = "ebike"
    CAR = "car"


class UserRole(StrEnum):
    COMMANDER = "commander"
    DISPATCHER = "dispatcher"
    ANALYST = "analyst"
    VIEWER = "viewer"


class FixVerdict(StrEnum):
    """What the ingest validator decided about one position fix."""

    GOOD = "good"
    DUPLICATE = "duplicate"
    OUT_OF_ORDER = "out_of_order"
    OUT_OF_RANGE = "out_of_range"
    NULL_ISLAND = "null_island"
    OUTSIDE_CITY = "outside_city"
    FUTURE = "future"
    STALE = "stale"
    JUMP = "jump"
    UNKNOWN_DEVICE = "unknown_device"


class RoadClass(StrEnum):
    MOTORWAY = "motorway"
    TRUNK = "trunk"
    PRIMARY = "primary"
    SECONDARY = "secondary"
    TERTIARY = "tertiary"
    RESIDENTIAL = "residential"
    SERVICE = "service"
