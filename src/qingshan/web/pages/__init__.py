"""Server-rendered pages of the workspace and the public portal.

``router`` is included by :func:`qingshan.web.app.create_app`. It carries

* ``/static/…``      our own assets (htmx, ECharts, CSS, JS; never a CDN), see ``static/vendor/VERSIONS.txt``;
* ``/overview``      leadership overview;
* ``/air…``          city, county and station air pages;
* ``/water…``        surface-water sections, section detail, registry (and ``/portal/water``);
* ``/sources…``      pollution sources;
* ``/ledgers…``      accountability ledgers;
* ``/portal…``       the public portal (no login).

Each page module reads its domain's queries directly (:mod:`qingshan.air.queries` through the
caches of :mod:`qingshan.web.pages.figures`, :mod:`qingshan.ledgers.queries`,
:mod:`qingshan.sources.queries`); an empty state shows its reason, an error is an error. A
domain adds its page module to the tuple below and its entry to ``render.NAV``.
"""

from __future__ import annotations

from fastapi import APIRouter

from qingshan.web.pages import account, air, ledgers, overview, portal, sources, static, water

router = APIRouter(include_in_schema=False)
for _module in (static, account, overview, air, water, sources, ledgers, portal):
    router.include_router(_module.router)

__all__ = ["router"]
