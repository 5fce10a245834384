"""``/api/v1/users``: the accounts inside the caller's jurisdiction (admins)."""

from __future__ import annotations

from fastapi import APIRouter

from gridmap.api.deps import UsersRead
from gridmap.api.errors import responses
from gridmap.layers import users

router = APIRouter(prefix="/api/v1/users", tags=["users"], responses=responses(403))


@router.get("")
def list_users(ctx: UsersRead) -> dict:
    """Users whose jurisdiction lies inside the caller's (no password data, ever)."""
    rows = users.list_users(ctx.conn)
    return {"total": len(rows), "users": rows}
