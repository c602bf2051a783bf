"""The national standards, one module per standard: pure, vectorised functions over polars frames.

=====================  ==========================================================================
module                 standard
=====================  ==========================================================================
``editions``           which edition (2012 / 2026) and GB 3095—2026 stage applies to a date
``hj633``              HJ 633—2012 / HJ 633—2026 AQI (IAQI, real-time and daily AQI)
``gb3095``             GB 3095—2012 / GB 3095—2026 limits and data-validity rules
``hj663``              HJ 663—2013 evaluation (percentiles, attainment, day counts)
``city_series``        city-level series from stations (air-evaluation.md §7)
``city_ranking``       城市环境空气质量排名技术规定 (环办监测〔2018〕19号)
=====================  ==========================================================================
"""
