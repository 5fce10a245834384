"""One exception hierarchy for gridmap; the API maps each type to an HTTP status."""

from __future__ import annotations


class GridmapError(Exception):
    """Base of gridmap's own errors; the message says what was wrong, in words."""


class DatabaseSetupError(GridmapError):
    """The database could not be found, created, started or migrated."""


class NotFound(GridmapError):
    """A code or id that names nothing (HTTP 404)."""


class InvalidInput(GridmapError, ValueError):
    """A parameter or record that breaks a rule (HTTP 400); the message names it and why.

    Also a ``ValueError``: the pure algorithms (``gridmap.ops``) raise it for bad arguments, so
    their callers see what was wrong in words, never a library's internal message."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class ImportRejected(GridmapError):
    """An import that cannot go ahead at all; nothing was changed."""


class Unauthorized(GridmapError):
    """No valid credentials (HTTP 401)."""


class Forbidden(GridmapError):
    """Valid credentials, but the role may not do this (HTTP 403)."""


class Conflict(GridmapError):
    """The request clashes with the current state, e.g. a name already taken (HTTP 409)."""

    def __init__(self, message: str, **extra: object) -> None:
        super().__init__(message)
        self.extra = extra


class EditRefused(InvalidInput):
    """An edit that would break the grid system's rules (gap, overlap, outside the parent)."""

    def __init__(self, message: str, problems: list[str], edges: dict | None = None) -> None:
        super().__init__(message)
        self.extra = {"problems": problems, "invalid_edges": edges}
