"""`/docs` and the browser files of Swagger UI and GraphiQL, served by the application itself.

No page loads anything from a CDN, so `/docs` and the gateway's GraphiQL work on a closed
network. Swagger UI's files come from the `fastapi-offline` wheel; GraphiQL, React and the rest
are vendored under `assets/`, whose README names each file's package, version, licence and
source. Each file is at `/_assets/<package>-<version>/<file>`: a new version is a new address,
so browsers may keep a file for a year without asking again.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import fastapi_offline
from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse, Response

from harbour_kit.errors import problem
from harbour_kit.headers import page_policy

ASSETS = Path(__file__).with_name("assets")
PREFIX = "/_assets"
IMMUTABLE = "public, max-age=31536000, immutable"
SWAGGER_UI_FILES = Path(fastapi_offline.__file__).with_name("static")
SWAGGER_UI_LICENCE = ASSETS / "swagger-ui"  # the wheel ships Swagger UI without its licence
MEDIA_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".png": "image/png",
}


@dataclass(frozen=True)
class Asset:
    """One file served under `/_assets/`, with a strong ETag from its content."""

    path: Path
    media_type: str
    etag: str


def _asset(path: Path) -> Asset:
    media_type = MEDIA_TYPES.get(path.suffix, "text/plain; charset=utf-8")  # licences
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:32]
    return Asset(path, media_type, f'"{digest}"')


@cache
def swagger_ui_version() -> str:
    """The Swagger UI release in the installed bundle (its build writes it into the file)."""
    bundle = (SWAGGER_UI_FILES / "swagger-ui-bundle.js").read_text(encoding="utf-8")
    found = re.search(r'PACKAGE_VERSION:"([0-9][0-9A-Za-z.+-]*)"', bundle)
    if found is None:
        raise RuntimeError(f"no Swagger UI version in {SWAGGER_UI_FILES}/swagger-ui-bundle.js")
    return found[1]


@cache
def assets() -> dict[str, Asset]:
    """Every file served, by its address below `/_assets/` (`folder/name`)."""
    files = {
        f"{folder.name}/{file.name}": _asset(file)
        for folder in sorted(ASSETS.iterdir())
        if folder.is_dir() and folder != SWAGGER_UI_LICENCE
        for file in sorted(folder.iterdir())
        if file.is_file()
    }
    swagger = f"swagger-ui-{swagger_ui_version()}"
    for name in ("swagger-ui-bundle.js", "swagger-ui.css", "favicon.png"):
        files[f"{swagger}/{name}"] = _asset(SWAGGER_UI_FILES / name)
    for name in ("LICENSE", "NOTICE"):
        files[f"{swagger}/{name}"] = _asset(SWAGGER_UI_LICENCE / name)
    return files


def asset_url(name: str) -> str:
    """The address of a served file, e.g. `asset_url("react-18.2.0/react.production.min.js")`."""
    if name not in assets():
        raise LookupError(
            f"{name} is not among the files harbour_kit serves: vendor it under "
            f"{ASSETS} (see the README there)"
        )
    return f"{PREFIX}/{name}"


def swagger_ui_url(name: str) -> str:
    """The address of one of Swagger UI's files (`swagger-ui-bundle.js`, `swagger-ui.css`…)."""
    return asset_url(f"swagger-ui-{swagger_ui_version()}/{name}")


async def _serve_asset(folder: str, name: str, request: Request) -> Response:
    asset = assets().get(f"{folder}/{name}")
    if asset is None:
        return problem(404, "not-found", "No such file.")
    headers = {"cache-control": IMMUTABLE, "etag": asset.etag}
    if asset.etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    return FileResponse(asset.path, media_type=asset.media_type, headers=headers)


def install_assets(app: FastAPI) -> None:
    """`/_assets/<folder>/<file>`: Swagger UI's and GraphiQL's files, cached for a year."""
    app.add_api_route(
        f"{PREFIX}/{{folder}}/{{name}}",
        _serve_asset,
        methods=["GET", "HEAD"],
        include_in_schema=False,
    )


def install_docs(app: FastAPI) -> None:
    """`/docs`: Swagger UI from this application, with a policy allowing exactly what it loads."""
    install_assets(app)
    page = get_swagger_ui_html(
        openapi_url=app.openapi_url or "/openapi.json",
        title=f"{app.title} - Swagger UI",
        swagger_js_url=swagger_ui_url("swagger-ui-bundle.js"),
        swagger_css_url=swagger_ui_url("swagger-ui.css"),
        swagger_favicon_url=swagger_ui_url("favicon.png"),
        swagger_ui_parameters={"validatorUrl": None},  # no badge image from swagger.io
    )
    html = bytes(page.body).decode()
    # Swagger UI's bundle sets inline styles itself; its inline start-up script is hashed.
    headers = {"content-security-policy": page_policy(html, inline_styles=True)}

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return HTMLResponse(html, headers=headers)
