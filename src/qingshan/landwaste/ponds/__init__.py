"""Tailings ponds (尾矿库): one file per pond (一库一档), grades from the provincial list, the
supervision calendar with overdue inspections, monitoring records and closure tests
(:mod:`qingshan.standards.tailings_ponds`)."""
