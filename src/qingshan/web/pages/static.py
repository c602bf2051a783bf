"""Serving ``src/qingshan/web/static`` ourselves (a route, so it travels with ``include_router``)."""

from __future__ import annotations

import mimetypes

from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse

from qingshan.web.pages.render import STATIC_DIR

router = APIRouter()

#: Longer static paths are refused outright (ours are well under 100 characters).
MAX_PATH = 255
_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8", ".txt": "text/plain; charset=utf-8"}


@router.get("/static/{path:path}")
def static_file(path: str) -> FileResponse:
    root = STATIC_DIR.resolve()
    if "\x00" in path or len(path) > MAX_PATH:  # no file of ours has such a name (and resolve() raises)
        raise HTTPException(404, "文件不存在")
    try:
        target = (root / path).resolve()
        # refuse anything outside the static folder (../, absolute paths, symlinks out)
        found = target.is_relative_to(root) and target.is_file()
    except OSError:  # a name the file system refuses (a component too long, …)
        found = False
    if not found:
        raise HTTPException(404, "文件不存在")
    media = _TYPES.get(target.suffix) or mimetypes.guess_type(target.name)[0] or "application/octet-stream"
    vendor = "vendor" in target.relative_to(root).parts
    headers = {"Cache-Control": "public, max-age=86400" if vendor else "no-cache", "X-Content-Type-Options": "nosniff"}
    return FileResponse(target, media_type=media, headers=headers)
