"""Carbon accounting and dual control (碳排放双控): enterprises (carbon.md §3–§6) and the city (§8).

See docs/carbon-notes.md; the report builder is :mod:`qingshan.carbon.report`.
"""
