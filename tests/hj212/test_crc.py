"""HJ 212 CRC16 (hj212.md §6, §6a, §B.10)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qingshan.hj212 import crc as crcmod
from qingshan.hj212.crc import (
    _crc16_fold,
    crc16,
    crc16_modbus,
    crc16_modbus_swapped,
    crc16_reference,
    format_crc,
)

_spec = importlib.util.spec_from_file_location("hj212_examples", Path(__file__).with_name("_examples.py"))
_ex = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_ex)
EXAMPLES, STATED, A1_2025 = _ex.EXAMPLES, _ex.STATED, _ex.A1_2025

APPENDIX_A = (
    b"QN=20160801085857223;ST=32;CN=1062;PW=100000;MN=010000A8900016F000169DC0;Flag=5;CP=&&RtdInterval=30&&"
)


@pytest.mark.parametrize("impl", [crc16_reference, _crc16_fold, crc16])
def test_check_values_of_section_6(impl):
    assert impl(b"123456789") == 0x2F80
    assert len(APPENDIX_A) == 101
    assert impl(APPENDIX_A) == 0x1C80  # not the "1C08" typo of one PDF copy
    assert impl(b"") == 0xFFFF


def test_modbus_contrast_values():
    # The contrast column of §6: the standard's CRC is *not* CRC-16/MODBUS.
    assert crc16_modbus(b"123456789") == 0x4B37
    assert crc16_modbus(APPENDIX_A) == 0x0759
    assert crc16_modbus_swapped(b"123456789") == 0x374B


def test_2025_appendix_a1_vector():
    seg = A1_2025[6:-6]
    assert len(seg) == 87
    assert format_crc(crc16(seg)) == b"2200"
    assert crc16_modbus(seg) == 0xCCF4  # §B.1: what a Modbus routine gives instead


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_example_packets_crc(name):
    pkt = EXAMPLES[name]
    length, crc = STATED[name]
    seg = pkt[6:-6]
    assert len(seg) == length
    assert format_crc(crc16(seg)).decode() == crc == pkt[-6:-2].decode()


def test_p2_and_p6_share_a_crc():
    # §6: only 256 CRC values exist; P2 and P6 differ but both give 6FC0.
    assert crc16(EXAMPLES["P2"][6:-6]) == crc16(EXAMPLES["P6"][6:-6]) == 0x6FC0


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=2100))
def test_fast_routine_equals_the_pseudo_code(data):
    ref = crc16_reference(data)
    assert _crc16_fold(data) == ref
    assert crc16(data) == ref
    if crcmod._crc16_c is not None:
        assert crcmod._crc16_c(data) == ref


@settings(max_examples=200, deadline=None)
@given(st.binary(min_size=1, max_size=300))
def test_low_byte_has_bits_1_to_5_clear(data):
    assert crc16(data) & 0x3E == 0


def test_format_is_upper_case_four_digits():
    assert format_crc(0x00C1) == b"00C1"
    assert format_crc(0xABCD) == b"ABCD"


def test_c_accelerator_compiles_and_equals_the_pseudo_code(tmp_path):
    """_crc.c builds with the installed setuptools and a C compiler (as ``pip install -e .``
    does through setup.py) and gives the §6 values; the pure-Python fallback is tested above."""
    import random
    import shutil
    import subprocess
    import sys
    from importlib.machinery import ExtensionFileLoader

    if shutil.which("cc") is None and shutil.which("gcc") is None:  # pragma: no cover
        pytest.skip("no C compiler on this machine: the optional accelerator cannot be built")
    src = Path(crcmod.__file__).with_name("_crc.c")
    script = (
        "from setuptools import setup, Extension\n"
        f"setup(name='crc_probe', ext_modules=[Extension('_crc', [{str(src)!r}])])\n"
    )
    subprocess.run(
        [sys.executable, "-c", script, "-q", "build_ext", "--build-lib", str(tmp_path / "lib"),
         "--build-temp", str(tmp_path / "tmp")],
        cwd=tmp_path, check=True, capture_output=True,
    )  # fmt: skip
    (so,) = (tmp_path / "lib").glob("_crc*.so")
    spec = importlib.util.spec_from_loader("_crc", ExtensionFileLoader("_crc", str(so)))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    assert mod.crc16(b"123456789") == 0x2F80 and mod.crc16(APPENDIX_A) == 0x1C80  # §6 check values
    rng = random.Random(212)
    for n in list(range(40)) + [1024, 2100]:
        data = rng.randbytes(n)
        assert mod.crc16(data) == crc16_reference(data) == _crc16_fold(data)
    assert mod.crc16(bytearray(APPENDIX_A)) == mod.crc16(memoryview(APPENDIX_A)) == 0x1C80
