"""净土与风险底线: soil (GB 15618 / GB 36600), general industrial solid waste, hazardous-waste
transfers and tailings ponds (soil-waste.md).

Sub-packages: :mod:`.soil`, :mod:`.waste` (general industrial solid waste and hazardous waste),
:mod:`.ponds`. Tables are prefixed ``soil_``, ``waste_`` and ``ponds_`` and live on the Alembic
branch ``landwaste``. The rules themselves are in :mod:`qingshan.standards` (``gb15618``,
``gb36600``, ``soil_values``, ``solid_waste``, ``hazardous_waste``, ``cn_calendar``,
``tailings_ponds``).
"""
