"""All tables of the ``landwaste`` branch, for Alembic's metadata (one import line in
``store/migrations/env.py``)."""

from __future__ import annotations

from qingshan.landwaste.ponds import models as ponds_models
from qingshan.landwaste.soil import models as soil_models
from qingshan.landwaste.waste import models as waste_models
from qingshan.sources import models as sources_models  # the enterprises the ledgers refer to

__all__ = ["ponds_models", "soil_models", "sources_models", "waste_models"]
