"""Build hook for the optional C accelerator of the HJ 212 CRC16.

All metadata lives in pyproject.toml; this file only adds the extension module.  It is
optional: without a C compiler the install still succeeds and qingshan.hj212.crc uses its
pure-Python routine (identical results, tested).
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension("qingshan.hj212._crc", ["src/qingshan/hj212/_crc.c"], optional=True),
    ],
)
