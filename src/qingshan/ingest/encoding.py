"""Text encodings of imported files — moved to :mod:`qingshan.textcodec` (the bottom layer), so
that the store's registry can decode its small CSV files without importing a domain.

This module keeps the names importable for the domains' importers that use them
(``qingshan.water.files``, ``qingshan.landwaste.sheets``); new code imports ``qingshan.textcodec``.
"""

from qingshan.textcodec import CODECS, EncodingError, decode_bytes, detect_encoding

__all__ = ["CODECS", "EncodingError", "decode_bytes", "detect_encoding"]
