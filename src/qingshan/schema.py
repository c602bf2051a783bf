"""Every table of the package: the models module of each domain, imported directly.

The store and its migration environment import no domain (layer rule, docs/architecture.md);
whoever needs the whole schema — Alembic autogenerate, the schema tests — asks this module,
which sits above the domains. A new domain adds its ``models`` import here (and its migration
branch ``store/migrations/versions/<domain>_0001_*.py``).
"""

from __future__ import annotations

from sqlalchemy import MetaData

import qingshan.bulletin.models
import qingshan.carbon.models
import qingshan.core.audit
import qingshan.core.org
import qingshan.emergency.models
import qingshan.hj212.models
import qingshan.landwaste.models
import qingshan.ledgers.models
import qingshan.sources.models
import qingshan.store.models_air
import qingshan.targets.models
import qingshan.water.models
import qingshan.web.models
from qingshan.store.base import Base

MODEL_MODULES = (
    qingshan.store.models_air,
    qingshan.core.org,
    qingshan.core.audit,
    qingshan.web.models,
    qingshan.ledgers.models,
    qingshan.sources.models,
    qingshan.hj212.models,
    qingshan.landwaste.models,
    qingshan.targets.models,
    qingshan.bulletin.models,
    qingshan.carbon.models,
    qingshan.emergency.models,
    qingshan.water.models,
)


def metadata() -> MetaData:
    """The one metadata with every domain's tables registered."""
    return Base.metadata
