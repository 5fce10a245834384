"""``/api/v1/auth``: sign in (bearer token or cookie), sign out, who am I, personal API keys;
and the /login page."""

from __future__ import annotations

import html
from string import Template
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import Field

from gridmap.api.deps import CurrentUser, SettingsDep
from gridmap.api.errors import responses
from gridmap.api.pages import STATIC_DIR
from gridmap.api.params import Body
from gridmap.core.errors import GridmapError
from gridmap.core.settings import Settings
from gridmap.services import accounts, api_keys

router = APIRouter(tags=["auth"])


def _client(request: Request) -> str | None:
    return request.client.host if request.client else None


def _sign_in(request: Request, settings: Settings, username: str, password: str, kind: str):
    """Sign in within its own transaction, committed even when refused (the record stays)."""
    with request.app.state.engine.begin() as conn:
        outcome = accounts.sign_in(conn, settings, username, password, kind, _client(request))
    if isinstance(outcome, accounts.Refusal):
        outcome.raise_after_delay()
    return outcome


@router.post(
    "/api/v1/auth/token",
    responses=responses(
        400,
        401,
        403,
        e400="a value the database cannot take (text with a NUL character)",
        e401="wrong username or password, or the account is locked for a while",
        e403="the account is disabled",
    ),
)
def token(
    request: Request,
    settings: SettingsDep,
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
) -> dict:
    """OAuth2 password flow: a bearer token with its expiry."""
    login = _sign_in(request, settings, form.username, form.password, "bearer")
    expires = login.token.expires_at
    return {
        "access_token": login.token.token,
        "token_type": "bearer",
        "expires_in": settings.auth.token_ttl_minutes * 60,
        "expires_at": expires.isoformat(),
        "role": login.principal.role,
        "jurisdiction": login.principal.jurisdiction,
    }


def _safe_next(target: str | None) -> str:
    """Only local paths: a login form must not redirect to another site."""
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return "/map"


@router.post(
    "/api/v1/auth/login",
    response_class=RedirectResponse,
    status_code=303,
    responses={
        303: {"description": "signed in: to ``next``; refused: back to /login with why"},
        **responses(400, e400="a value the database cannot take (text with a NUL character)"),
    },
)
def login(
    request: Request,
    settings: SettingsDep,
    username: Annotated[str, Form(min_length=1)],
    password: Annotated[str, Form(min_length=1)],
    next: Annotated[str | None, Form()] = None,
) -> RedirectResponse:
    """The /login form: a session cookie (HttpOnly, SameSite=Lax) and a CSRF cookie."""
    target = _safe_next(next)
    try:
        signed_in = _sign_in(request, settings, username, password, "cookie")
    except GridmapError as error:
        query = f"error={quote(str(error))}&next={quote(target)}"
        return RedirectResponse(f"/login?{query}", status_code=303)
    response = RedirectResponse(target, status_code=303)
    cookie = {
        "max_age": settings.auth.session_ttl_minutes * 60,
        "samesite": "lax",
        "secure": request.url.scheme == "https",
        "path": "/",
    }
    response.set_cookie(settings.auth.cookie_name, signed_in.token.token, httponly=True, **cookie)
    # readable by the page's script, which echoes it in the X-CSRF-Token header
    response.set_cookie(
        settings.auth.csrf_cookie_name, signed_in.token.csrf, httponly=False, **cookie
    )
    return response


@router.post("/api/v1/auth/logout")
def logout(request: Request, response: Response, ctx: CurrentUser, settings: SettingsDep) -> dict:
    """Revoke the caller's token or session at once; a cookie session's cookies are cleared."""
    accounts.sign_out(ctx.conn, ctx.principal, _client(request))
    for name in (settings.auth.cookie_name, settings.auth.csrf_cookie_name):
        response.delete_cookie(name, path="/")
    return {"status": "signed out", "username": ctx.principal.username}


@router.get("/api/v1/auth/me")
def me(ctx: CurrentUser) -> dict:
    """Who the caller is: name, role, jurisdiction and permissions."""
    p = ctx.principal
    return {
        "username": p.username,
        "role": p.role,
        "jurisdiction": p.jurisdiction,
        "scope": p.scope,
        "permissions": sorted(p.permissions),
    }


_LOGIN_PAGE = Template((STATIC_DIR / "login.html").read_text(encoding="utf-8"))


@router.get("/login", include_in_schema=False, response_class=HTMLResponse)
def login_page(error: str | None = None, next: str | None = None) -> HTMLResponse:
    message = f'<p class="error" role="alert">{html.escape(error)}</p>' if error else ""
    page = _LOGIN_PAGE.substitute(error=message, next=html.escape(_safe_next(next), quote=True))
    return HTMLResponse(page)


class NewApiKey(Body):
    name: str = Field(min_length=1, max_length=100, description="what the key is for (QGIS…)")
    days: int | None = Field(
        default=None, ge=1, le=3650, description="expires after this many days (default: never)"
    )


@router.post("/api/v1/auth/api-keys", status_code=201)
def create_api_key(ctx: CurrentUser, body: NewApiKey) -> dict:
    """A personal API key for desktop clients, shown this once: send it as ``X-API-Key``, as
    ``Authorization: Bearer``, or as the password of HTTP Basic with your user name (QGIS,
    GDAL's ``USERPWD``). It acts exactly as you do, until revoked."""
    return api_keys.create(ctx.conn, ctx.principal, body.name, body.days)


@router.get("/api/v1/auth/api-keys")
def list_api_keys(ctx: CurrentUser) -> dict:
    """Your API keys (never their secret), revoked ones included."""
    return {"api_keys": api_keys.listed(ctx.conn, ctx.principal)}


@router.delete("/api/v1/auth/api-keys/{key_id}", status_code=204, responses=responses(404))
def revoke_api_key(ctx: CurrentUser, key_id: int) -> Response:
    """Revoke one of your keys (a user administrator: one of their users')."""
    api_keys.revoke(ctx.conn, key_id)
    return Response(status_code=204)
