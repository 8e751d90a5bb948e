"""The data model of DESIGN §4 as SQLAlchemy Core tables.

Core tables (not ORM classes) because the hot paths — dispatch's conditional
update, batched position writes, the change feed — are set-based statements.
Coordinates are WGS84 lon/lat in plain float columns so SQLite and PostgreSQL
share one schema (no PostGIS needed).
"""

from __future__ import annotations

from sqlalchemy import (JSON, BigInteger, Boolean, Column, DateTime, Float, ForeignKey, Index, Integer,
                        LargeBinary, MetaData, PrimaryKeyConstraint, String, Table, Text, UniqueConstraint, text)

metadata = MetaData(naming_convention={
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
})

# SQLite only auto-increments INTEGER PRIMARY KEY; BigInteger there would not.
BigId = BigInteger().with_variant(Integer(), "sqlite")
TS = DateTime(timezone=True)

city_meta = Table(
    "city_meta", metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

district = Table(
    "district", metadata,
    Column("id", Integer, primary_key=True),
    Column("code", String(16), nullable=False, unique=True),
    Column("name", String(64), nullable=False),
    Column("population", Integer, nullable=False, server_default="0"),
    Column("geometry_wkb", LargeBinary, nullable=False),  # MultiPolygon, WGS84
)

town = Table(
    "town", metadata,
    Column("id", Integer, primary_key=True),
    Column("district_id", ForeignKey("district.id"), nullable=False, index=True),
    Column("code", String(24), nullable=False, unique=True),
    Column("name", String(64), nullable=False),
    Column("geometry_wkb", LargeBinary, nullable=False),
)

grid = Table(
    "grid", metadata,
    Column("id", Integer, primary_key=True),
    Column("town_id", ForeignKey("town.id"), nullable=False, index=True),
    Column("code", String(32), nullable=False, unique=True),
    Column("name", String(64), nullable=False),
    Column("geometry_wkb", LargeBinary, nullable=False),
)

department = Table(
    "department", metadata,
    Column("id", Integer, primary_key=True),
    Column("code", String(32), nullable=False, unique=True),
    Column("name", String(64), nullable=False),
)

officer = Table(
    "officer", metadata,
    Column("id", Integer, primary_key=True),
    Column("badge", String(32), nullable=False, unique=True),
    Column("name", String(64), nullable=False),
    Column("department_id", ForeignKey("department.id"), nullable=False, index=True),
    Column("home_town_id", ForeignKey("town.id"), nullable=False, index=True),
    Column("mode", String(8), nullable=False),            # TravelMode
    Column("skills", JSON, nullable=False, default=list),
    Column("on_duty", Boolean, nullable=False, server_default=text("true")),
    Column("status", String(16), nullable=False, index=True),  # OfficerStatus
    Column("device_id", String(64), unique=True),   # the phone it usually carries (devices live in `device`)
    Column("version", Integer, nullable=False, server_default="1"),
    # a roster re-import retires (never deletes) an officer who left: tasks, fixes and audit rows stay
    Column("retired_at", TS),
)

officer_position = Table(
    "officer_position", metadata,  # latest good fix, one row per officer
    Column("officer_id", ForeignKey("officer.id"), primary_key=True),
    Column("lon", Float, nullable=False),
    Column("lat", Float, nullable=False),
    Column("heading_deg", Float),
    Column("speed_mps", Float),
    Column("accuracy_m", Float),
    Column("fix_time", TS, nullable=False),
    Column("received_at", TS, nullable=False),
)

position_fix = Table(
    "position_fix", metadata,  # history, every fix with its verdict; pruned by store.fix_history
    # keyed by (officer, fix time): a duplicate fix is a no-op (ON CONFLICT DO NOTHING). No surrogate id
    # and no foreign key to officer: together they were ~40 % of a 25k-fix tick on PostgreSQL, and ingest
    # only stores fixes of officers on its roster. On PostgreSQL partitioned by UTC day (migration 0003)
    Column("officer_id", Integer, nullable=False),
    Column("lon", Float, nullable=False),
    Column("lat", Float, nullable=False),
    Column("heading_deg", Float),
    Column("speed_mps", Float),
    Column("accuracy_m", Float),
    Column("fix_time", TS, nullable=False),
    Column("received_at", TS, nullable=False),
    Column("verdict", String(16), nullable=False),        # FixVerdict
    Column("source", String(16), nullable=False),         # simulator / osmand / mqtt
    Column("attributes", JSON),                           # what a phone sent beyond the columns (units in keys)
    PrimaryKeyConstraint("officer_id", "fix_time"),
    postgresql_partition_by="RANGE (fix_time)",
)

position_batch = Table(
    "position_batch", metadata,  # the fixes one ingest wrote to officer_position, packed (domain.position_batch)
    # keyed by the seq of its ('position_batch', seq, 'insert') change row: a seat that reads that change reads
    # this one blob instead of rescanning officer_position; pruned after a while (a seat that finds it
    # gone rescans the table, which holds the same positions)
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("at", TS, nullable=False),
    Column("officers", Integer, nullable=False),
    Column("payload", LargeBinary, nullable=False),
)

device = Table(
    "device", metadata,  # a phone allowed to report positions for one officer
    Column("id", Integer, primary_key=True),
    Column("device_id", String(64), nullable=False, unique=True),   # what the client sends as id / device_id
    Column("officer_id", ForeignKey("officer.id"), nullable=False, index=True),
    Column("token_sha256", String(64), nullable=False, unique=True),  # the token itself is never stored
    Column("created_at", TS, nullable=False),
    Column("created_by", String(64), nullable=False),
    Column("revoked_at", TS),
    Column("last_seen_at", TS),
    Column("battery_pct", Float),
    Column("charging", Boolean),
    Column("mock_at", TS),             # last time the phone reported a mock (simulated) location
)

site = Table(
    "site", metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(128), nullable=False),
    Column("category", String(32), nullable=False, index=True),
    Column("domain", String(32), nullable=False),
    Column("address", String(256), nullable=False),
    Column("risk_level", Integer, nullable=False),
    Column("grid_id", ForeignKey("grid.id"), nullable=False, index=True),
    Column("lon", Float, nullable=False),
    Column("lat", Float, nullable=False),
    Column("last_inspected", TS),
    # the registry's own id (imported cities); re-imports match sites by it
    Column("external_id", String(64)),
    Column("retired_at", TS),   # left the registry: kept for its incidents and inspections
    Index("uq_site_external_id", "external_id", unique=True),
)

incident = Table(
    "incident", metadata,
    Column("id", Integer, primary_key=True),
    Column("code", String(32), nullable=False, unique=True),
    Column("category", String(32), nullable=False),
    Column("domain", String(32), nullable=False),
    Column("priority", String(2), nullable=False),
    Column("source", String(24), nullable=False),
    Column("description", Text, nullable=False, server_default=""),
    Column("lon", Float, nullable=False),
    Column("lat", Float, nullable=False),
    Column("site_id", ForeignKey("site.id")),
    Column("district_id", ForeignKey("district.id")),
    Column("town_id", ForeignKey("town.id")),
    Column("grid_id", ForeignKey("grid.id")),
    Column("department_ids", JSON, nullable=False, default=list),
    Column("status", String(16), nullable=False, index=True),
    Column("reported_at", TS, nullable=False),
    Column("sla_due_at", TS),
    Column("version", Integer, nullable=False, server_default="1"),
)

task = Table(
    "task", metadata,
    Column("id", Integer, primary_key=True),
    # kind: incident (a response: the KPIs count these) / inspection (a joint plan's team) / move_up
    # (repositioning for coverage); only incident tasks have an incident (migration 0009)
    Column("kind", String(16), nullable=False, server_default="incident"),
    Column("incident_id", ForeignKey("incident.id"), index=True),
    Column("plan_id", ForeignKey("inspection_plan.id")),
    Column("target_lon", Float),      # where a task without an incident sends the officer
    Column("target_lat", Float),
    Column("officer_id", ForeignKey("officer.id"), nullable=False, index=True),
    Column("dispatched_by", String(64), nullable=False),
    Column("dispatched_at", TS, nullable=False),
    Column("predicted_eta_s", Float, nullable=False),
    Column("route_lonlat", JSON, nullable=False, default=list),
    Column("status", String(16), nullable=False),
    Column("acknowledged_at", TS),
    Column("en_route_at", TS),
    Column("arrived_at", TS),
    Column("completed_at", TS),
    Column("version", Integer, nullable=False, server_default="1"),
    # one open task per officer, decided by the database, not by the caller
    Index("uq_task_open_officer", "officer_id", unique=True,
          sqlite_where=text("status IN ('dispatched','acknowledged','en_route','on_scene')"),
          postgresql_where=text("status IN ('dispatched','acknowledged','en_route','on_scene')")),
)

inspection_plan = Table(
    "inspection_plan", metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(128), nullable=False),
    Column("kind", String(16), nullable=False),   # joint (综合查一次) / random (双随机)
    Column("created_at", TS, nullable=False),
    Column("created_by", String(64), nullable=False),
    Column("seed", BigInteger),
    Column("status", String(16), nullable=False),
    # what the plan was made from and of, so it can be shown, exported and re-run: the team, the route
    # legs and visits avoided (joint); the filter, as-of date and registry version (random draws)
    Column("detail", JSON, nullable=False, default=dict),
)

inspection_item = Table(
    "inspection_item", metadata,
    Column("id", Integer, primary_key=True),
    Column("plan_id", ForeignKey("inspection_plan.id"), nullable=False, index=True),
    Column("site_id", ForeignKey("site.id"), nullable=False),
    Column("officer_id", ForeignKey("officer.id")),
    Column("department_ids", JSON, nullable=False, default=list),
    Column("check_items", JSON, nullable=False, default=list),
    Column("sequence", Integer, nullable=False, server_default="0"),
    Column("status", String(16), nullable=False),
)

inspection_record = Table(
    "inspection_record", metadata,  # an inspection done at a site: the history the 双随机 exclusion rule reads
    Column("id", Integer, primary_key=True),
    Column("site_id", ForeignKey("site.id"), nullable=False, index=True),
    Column("inspected_at", TS, nullable=False, index=True),
    Column("kind", String(16), nullable=False),            # joint (综合查一次) / random (双随机) / routine
    Column("department_ids", JSON, nullable=False, default=list),
    Column("officer_ids", JSON, nullable=False, default=list),
    Column("visits_replaced", Integer, nullable=False, server_default="1"),  # separate departmental visits
    Column("plan_id", ForeignKey("inspection_plan.id")),
)

conflict_of_interest = Table(
    "conflict_of_interest", metadata,  # declared conflicts: this officer is never drawn for this site
    Column("id", Integer, primary_key=True),
    Column("officer_id", ForeignKey("officer.id"), nullable=False, index=True),
    Column("site_id", ForeignKey("site.id"), nullable=False),
    Column("reason", String(128), nullable=False, server_default=""),
    UniqueConstraint("officer_id", "site_id"),
)

whistle = Table(
    "whistle", metadata,  # 网格吹哨: the acceptance clock of a grid-raised incident (one row per incident)
    Column("incident_id", ForeignKey("incident.id"), primary_key=True, autoincrement=False),
    Column("grid_id", ForeignKey("grid.id"), nullable=False),
    Column("town_id", ForeignKey("town.id"), nullable=False, index=True),
    Column("district_id", ForeignKey("district.id"), nullable=False),
    Column("raised_by", String(64), nullable=False),
    Column("raised_at", TS, nullable=False),
    Column("accept_due_at", TS, nullable=False, index=True),
    Column("level", String(16), nullable=False),             # town / district (after escalation)
    Column("accepted_at", TS),
    Column("accepted_by", String(64)),
    Column("escalated_at", TS),
    Column("escalation_reason", String(256)),
)

app_user = Table(
    "app_user", metadata,
    Column("id", Integer, primary_key=True),
    Column("username", String(64), nullable=False, unique=True),
    Column("display_name", String(64), nullable=False),
    Column("role", String(32), nullable=False),   # domain.access.Role (login roles)
    Column("password_hash", String(256)),         # scrypt (services.users); NULL = cannot log in
    Column("failed_logins", Integer, nullable=False, server_default="0"),
    Column("locked", Boolean, nullable=False, server_default=text("false")),
    Column("created_at", TS),
)

audit_event = Table(
    "audit_event", metadata,  # hash-chained: each row's hash covers the previous hash
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("at", TS, nullable=False),
    Column("actor", String(64), nullable=False),
    Column("action", String(64), nullable=False),
    Column("entity", String(32), nullable=False),
    Column("entity_id", BigInteger, nullable=False),
    Column("detail", JSON, nullable=False, default=dict),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False, unique=True),
)

change = Table(
    "change", metadata,  # the change feed: readers poll by seq
    Column("seq", BigId, primary_key=True, autoincrement=True),
    Column("at", TS, nullable=False),
    Column("entity", String(32), nullable=False),
    Column("entity_id", BigInteger, nullable=False),
    Column("op", String(16), nullable=False),   # insert / update / delete / bulk (changes.OPS; 'batch' in old stores)
    Index("ix_change_entity", "entity", "entity_id"),
    # never reuse a seq after the feed is pruned, or a reader past it would miss rows
    sqlite_autoincrement=True,
)

road_network = Table(
    "road_network", metadata,  # the compiled road graph, so every seat routes on the same roads
    Column("id", Integer, primary_key=True),
    Column("name", String(64), nullable=False, unique=True),   # "demo" or an import name
    Column("source", String(256), nullable=False),
    Column("crs", String(32), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("created_at", TS, nullable=False),
    Column("payload", LargeBinary, nullable=False),            # routing's RoadGraph.to_bytes()
)

recommendation_shown = Table(
    "recommendation_shown", metadata,  # what a dispatcher saw: answers "why X, not Y" after the fact
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("at", TS, nullable=False),                       # when the list was on the screen
    Column("seat", String(64), nullable=False),
    Column("incident_id", ForeignKey("incident.id"), nullable=False),
    Column("status", String(24), nullable=False),           # Recommendation.status
    Column("widened", Boolean, nullable=False),
    Column("target_s", Float, nullable=False),
    Column("candidates", JSON, nullable=False, default=list),  # [{officer_id, badge, eta_s, distance_m, ...}] in rank order
    Column("left_out", JSON, nullable=False, default=dict),    # reason -> officers not offered
    Column("chosen_officer_id", ForeignKey("officer.id")),     # who was sent from this list (None: nobody yet)
    Column("task_id", ForeignKey("task.id")),
    Column("dispatched_at", TS),
    Index("ix_recommendation_shown_incident_at", "incident_id", "at"),
    Index("ix_recommendation_shown_at", "at"),
)
