"""Seams to the domains built in parallel: one module per source, each with the small data
interface (frozen dataclasses) the bulletins and target tracking need, and one ``read`` function.

Until a domain lands its ``read`` returns None and the bulletin prints 「暂无数据」 for the
section (never silently dropped). The lead connects a domain by making its ``read`` build these
dataclasses from the domain's report builder; nothing else in the bulletins changes.
"""
