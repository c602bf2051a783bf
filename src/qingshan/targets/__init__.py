"""Units, their dated station and section lists, annual targets, manual monthly inputs and
target tracking (assessment-bulletin.md §0, §3.1–§3.5)."""
