"""Who may do what: roles, permissions and the identity every service action carries.

Decided here (pure) and checked inside the services, so a hidden button is
never the only guard. The simulator and other in-process automata act as a
`SYSTEM` identity; a logged-in person acts as their user at a workstation.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    COMMANDER = "commander"
    DISPATCHER = "dispatcher"
    ANALYST = "analyst"
    VIEWER = "viewer"
    ADMINISTRATOR = "administrator"
    AUDIT_ADMINISTRATOR = "audit_administrator"
    SYSTEM = "system"            # the simulator and other automata inside the process; never a login
    OFFICER = "officer"          # an officer on their phone's task page (device token); never a login


class Permission(StrEnum):
    DISPATCH = "dispatch"
    REASSIGN = "reassign"
    CANCEL = "cancel"
    CLOSE = "close"              # acknowledge / resolve / close: moving a task or incident to its end
    CREATE_INCIDENT = "create_incident"
    EXPORT = "export"
    MANAGE_DEVICES = "manage_devices"
    MANAGE_USERS = "manage_users"
    READ_AUDIT = "read_audit"
    VERIFY_AUDIT = "verify_audit"  # see whether the audit chain holds (no row contents)
    SETTINGS = "settings"


_OPERATE = frozenset({Permission.DISPATCH, Permission.REASSIGN, Permission.CANCEL, Permission.CLOSE,
                      Permission.CREATE_INCIDENT})
ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.COMMANDER: _OPERATE | {Permission.EXPORT, Permission.SETTINGS, Permission.VERIFY_AUDIT},
    Role.DISPATCHER: _OPERATE,
    Role.ANALYST: frozenset({Permission.EXPORT}),
    Role.VIEWER: frozenset(),
    Role.ADMINISTRATOR: frozenset({Permission.MANAGE_DEVICES, Permission.MANAGE_USERS, Permission.SETTINGS}),
    Role.AUDIT_ADMINISTRATOR: frozenset({Permission.READ_AUDIT, Permission.VERIFY_AUDIT, Permission.EXPORT}),
    Role.SYSTEM: _OPERATE,
    Role.OFFICER: frozenset({Permission.CLOSE}),   # moves their own task (the service checks it is theirs)
}
LOGIN_ROLES: tuple[Role, ...] = tuple(r for r in Role if r not in (Role.SYSTEM, Role.OFFICER))


@dataclass(frozen=True)
class Actor:
    """The identity of one action: a user (or automaton), their role, and the workstation."""

    user: str
    role: Role
    seat: str = ""

    @property
    def label(self) -> str:
        """What the audit log and `task.dispatched_by` record: user@seat."""
        return f"{self.user}@{self.seat}" if self.seat else self.user

    def may(self, permission: Permission) -> bool:
        return permission in ROLE_PERMISSIONS[self.role]


def system_actor(name: str) -> Actor:
    """An in-process automaton (simulator, arrival detector, a test): operates, manages nothing."""
    return Actor(name, Role.SYSTEM)


def as_actor(who: Actor | str) -> Actor:
    """Services accept a plain name from in-process callers (the simulator, tests): a SYSTEM identity.
    A person's action always arrives as an Actor from a login."""
    return who if isinstance(who, Actor) else system_actor(who)


def denial(actor: Actor, permission: Permission) -> str:
    return f"{actor.user} ({actor.role.value}) may not {permission.value.replace('_', ' ')}"
