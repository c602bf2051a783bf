"""Server-rendered pages of the workspace and the public portal.

``router`` is included by :func:`qingshan.web.app.create_app`. It carries

* ``/static/…``      our own assets (htmx, ECharts, CSS, JS; never a CDN), see ``static/vendor/VERSIONS.txt``;
* ``/overview``      leadership overview;
* ``/air…``          city, county and station air pages;
* ``/sources…``      pollution sources;
* ``/ledgers…``      accountability ledgers;
* ``/portal…``       the public portal (no login).

All data comes through :mod:`qingshan.web.pages.data`, which degrades to an empty state.
"""

from __future__ import annotations

from fastapi import APIRouter

from qingshan.web.pages import account, air, ledgers, overview, portal, sources, static

router = APIRouter(include_in_schema=False)
for _module in (static, account, overview, air, sources, ledgers, portal):
    router.include_router(_module.router)

__all__ = ["router"]
