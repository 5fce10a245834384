"""``/docs`` (Swagger UI) and ``/redoc`` (ReDoc), served offline from ``static/vendor``.

FastAPI's own pages load both UIs from a CDN and boot them with inline scripts, which the
Content-Security-Policy forbids; these pages load only files under ``/static``. Build the app
with ``FastAPI(docs_url=None, redoc_url=None, swagger_ui_oauth2_redirect_url=None)``.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

router = APIRouter()


def _page(head: str, body: str) -> str:
    """A page whose every script is an external file under ``/static``."""
    return f"""<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>gridmap — API docs</title>
  <link rel="icon" type="image/svg+xml" href="/static/favicon.svg">
{head}</head>
<body>
{body}</body>
</html>
"""


SWAGGER_UI_HTML = _page(
    '  <link rel="stylesheet" href="/static/vendor/swagger-ui/swagger-ui.css">\n',
    '  <div id="swagger-ui"></div>\n'
    '  <script src="/static/vendor/swagger-ui/swagger-ui-bundle.js"></script>\n'
    '  <script src="/static/js/swagger-init.js"></script>\n',
)
OAUTH2_REDIRECT_HTML = _page(
    "", '  <script src="/static/vendor/swagger-ui/oauth2-redirect.js"></script>\n'
)
REDOC_HTML = _page(
    "  <style>body { margin: 0; }</style>\n",
    '  <div id="redoc"></div>\n'
    '  <script src="/static/vendor/redoc/redoc.standalone.js"></script>\n'
    '  <script src="/static/js/redoc-init.js"></script>\n',
)


@router.get("/docs", include_in_schema=False)
def swagger_ui() -> HTMLResponse:
    return HTMLResponse(SWAGGER_UI_HTML)


@router.get("/docs/oauth2-redirect", include_in_schema=False)
def swagger_ui_oauth2_redirect() -> HTMLResponse:
    return HTMLResponse(OAUTH2_REDIRECT_HTML)


@router.get("/redoc", include_in_schema=False)
def redoc() -> HTMLResponse:
    return HTMLResponse(REDOC_HTML)
