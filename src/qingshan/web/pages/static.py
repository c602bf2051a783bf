"""Serving ``src/qingshan/web/static`` ourselves (a route, so it travels with ``include_router``)."""

from __future__ import annotations

import mimetypes

from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse

from qingshan.web.pages.render import STATIC_DIR

router = APIRouter()

_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8", ".txt": "text/plain; charset=utf-8"}


@router.get("/static/{path:path}")
def static_file(path: str) -> FileResponse:
    root = STATIC_DIR.resolve()
    target = (root / path).resolve()
    # refuse anything outside the static folder (../, absolute paths, symlinks out)
    if not target.is_relative_to(root) or not target.is_file():
        raise HTTPException(404, "文件不存在")
    media = _TYPES.get(target.suffix) or mimetypes.guess_type(target.name)[0] or "application/octet-stream"
    vendor = "vendor" in target.relative_to(root).parts
    headers = {"Cache-Control": "public, max-age=86400" if vendor else "no-cache", "X-Content-Type-Options": "nosniff"}
    return FileResponse(target, media_type=media, headers=headers)
