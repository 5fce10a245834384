"""Who is asking, and what they may see: principals, permissions and the SQL scope.

Jurisdiction is enforced by PostgreSQL's row-level security, not here:
``gridmap.db.scope.apply_scope`` only tells the transaction who the caller is, and every policy
reads that. A transaction that sets nothing sees nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from gridmap.core.codes import CodeError, parse_grid_code, parse_region_code
from gridmap.core.errors import InvalidInput

ALL = "*"


def scope_of(jurisdiction: str) -> str:
    """The code prefix a jurisdiction (管辖范围) covers: a region's significant digits, or a grid.

    ``*`` is the whole system (a system administrator's jurisdiction).

    >>> scope_of("361126109000"), scope_of("361126109000001")
    ('361126109', '361126109000001')
    """
    if jurisdiction == ALL:
        return ALL
    if len(jurisdiction) == 12:
        return parse_region_code(jurisdiction).prefix
    try:
        return parse_grid_code(jurisdiction).code
    except CodeError as error:
        raise InvalidInput(
            f"jurisdiction {jurisdiction!r} is neither a 12-digit region code nor a 15/17-digit "
            f"grid code ({error.reason})",
            field="jurisdiction",
        ) from None


@dataclass(frozen=True)
class Principal:
    """The caller of a request: a user with a role, a jurisdiction and its permissions."""

    username: str
    role: str
    scope: str
    permissions: frozenset[str]
    user_id: int | None = None
    jurisdiction: str | None = None
    department_id: int | None = None  # a department's staff: their department (职能部门)
    session_kind: str | None = None
    jti: str | None = None
    csrf: str | None = None

    def can(self, permission: str) -> bool:
        return ALL in self.permissions or permission in self.permissions


# the command line runs as the database owner; this tells the SQL it may see everything
SYSTEM = Principal(username="cli", role="admin", scope=ALL, permissions=frozenset({ALL}))
PUBLIC = Principal(username="public", role="public", scope=ALL, permissions=frozenset({"public"}))
# residents reporting an event (Open311, the public form): take it in, read back what is public
PUBLIC_REPORTER = Principal(
    username="public",
    role="public",
    scope=ALL,
    permissions=frozenset({"public", "events:report", "events:public"}),
)
