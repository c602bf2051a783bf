"""qingshan (青山) — environmental monitoring, evaluation and accountability platform.

The national standards live in :mod:`qingshan.standards` (one module per standard, pure
functions over polars frames). The public air API is :mod:`qingshan.air`.
"""

__version__ = "0.1.0"
