"""Server-rendered pages of the workspace and the public portal.

``router`` is included by :func:`qingshan.web.app.create_app`. It carries

* ``/static/…``      our own assets (htmx, ECharts, CSS, JS; never a CDN), see ``static/vendor/VERSIONS.txt``;
* ``/overview``      leadership overview;
* ``/air…``          city, county and station air pages;
* ``/water…``        surface-water sections, section detail, registry (and ``/portal/water``);
* ``/sources…``      pollution sources;
* ``/carbon…``       carbon accounting and dual control (city, enterprises, units, factors, checks);
* ``/ledgers…``      accountability ledgers;
* ``/soil…``, ``/waste…``, ``/ponds…``  soil, solid waste, manifests and tailings ponds;
* ``/emergency…``    heavy-pollution alerts, the emergency list, verification (and ``/portal/emergency``);
* ``/targets…``      annual targets: the leader view and their management;
* ``/bulletins…``    the monthly bulletins, their review and publication;
* ``/portal…``       the public portal (no login);
* ``/admin…``        accounts, units, the audit trail; ``/account/password``.

Each page module reads its domain's queries directly (:mod:`qingshan.air.queries` through the
caches of :mod:`qingshan.web.pages.figures`, :mod:`qingshan.ledgers.queries`,
:mod:`qingshan.sources.queries`); an empty state shows its reason, an error is an error. A
domain adds its page module to the tuple below and its entry to ``render.NAV``.
"""

from __future__ import annotations

from fastapi import APIRouter

from qingshan.web.pages import (
    account,
    admin,
    air,
    bulletins,
    carbon,
    emergency,
    landwaste,
    ledgers,
    overview,
    portal,
    sources,
    static,
    targets,
    water,
)

router = APIRouter(include_in_schema=False)
for _module in (
    static,
    account,
    admin,
    overview,
    air,
    water,
    sources,
    carbon,
    landwaste,
    emergency,
    ledgers,
    targets,
    bulletins,
    portal,
):
    router.include_router(_module.router)

__all__ = ["router"]
