"""The GraphiQL playground and the Voyager schema map: HTML shells over the packaged assets.

The token from ``?access_token=`` goes into a JSON configuration block (never into executable
script), is sent as ``Authorization: Bearer`` by the page's fetcher, and never leaves the page
through a Referer (``no-referrer``). A strict Content-Security-Policy keeps every request on this
server.
"""

from __future__ import annotations

from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import HTMLResponse

from dealbench.auth.tokens import extract_token

STATIC = "/graphql/static"
CSP = (
    "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; "
    "worker-src 'self' blob:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)
DEFAULT_QUERY = """# Dealbench GraphQL. The schema you see depends on your token:
# none: the public schema; an organization token: the organization schema;
# a personal token: the same, acting as its user. `me` says who you are.
{
  viewer {
    authenticated
    tokenKind
    message
  }
}
"""
PERSONAL_QUERY = """{
  me {
    authType
    user {
      user_id
      email
      fullname
      is_admin
    }
    organization {
      name
      subdomain
    }
  }
}
"""


def _config_block(config: dict[str, Any]) -> str:
    raw = orjson.dumps(config).decode()
    # Safe inside <script type="application/json">: no tag or entity can be closed or opened.
    raw = raw.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return f'<script id="dealbench-config" type="application/json">{raw}</script>'


def _headers(token: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"} if token else {}


def _page(title: str, body: str, config: dict[str, Any], css: list[str], js: list[str]) -> HTMLResponse:
    links = "".join(f'<link rel="stylesheet" href="{STATIC}/{c}">' for c in css)
    scripts = "".join(f'<script src="{STATIC}/{j}"></script>' for j in js)
    html = (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='referrer' content='no-referrer'><link rel='icon' href='data:,'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{title}</title>{links}"
        f"<link rel='stylesheet' href='{STATIC}/pages.css'></head>"
        f"<body>{body}{_config_block(config)}{scripts}</body></html>"
    )
    return HTMLResponse(
        html,
        headers={
            "Content-Security-Policy": CSP,
            "Cache-Control": "no-store",
            "Referrer-Policy": "no-referrer",
            "X-Content-Type-Options": "nosniff",
        },
    )


async def _token(request: Request) -> str | None:
    return request.query_params.get("access_token") or await extract_token(request)


async def playground(request: Request) -> HTMLResponse:
    token = await _token(request)
    readonly = bool(request.app.state.services.settings.graphql_playground_readonly)
    config = {
        "url": "/graphql",
        "voyager": "/graphql/voyager",
        "headers": orjson.dumps(_headers(token), option=orjson.OPT_INDENT_2).decode(),
        "query": PERSONAL_QUERY if token and token.endswith("p") else DEFAULT_QUERY,
        "readonly": readonly,
    }
    return _page(
        "Dealbench GraphQL playground",
        '<div id="graphiql">Loading the playground…</div>',
        config,
        ["graphiql.min.css"],
        ["react.production.min.js", "react-dom.production.min.js", "graphiql.min.js", "playground.js"],
    )


async def voyager(request: Request) -> HTMLResponse:
    token = await _token(request)
    config = {"url": "/graphql", "headers": _headers(token)}
    return _page(
        "Dealbench GraphQL schema map",
        '<div id="voyager">Loading the schema map…</div>',
        config,
        ["voyager.css"],
        ["voyager.standalone.js", "voyager-page.js"],
    )
