"""统一社会信用代码 (unified social credit code) validation, GB 32100—2015.

The code has 18 characters from a 31-symbol alphabet (the digits and the capitals without
I, O, Z, S, V) [1]_:

* position 1: registration authority (登记管理部门代码);
* position 2: organisation category (机构类别代码);
* positions 3–8: administrative division of the registering authority (GB/T 2260);
* positions 9–17: the organisation's code (主体标识码, GB 11714);
* position 18: the check digit (校验码), computed over positions 1–17.

Check digit (GB 32100—2015 §5 and its Appendix B): each character's value ``c_i`` (its index
in the alphabet) is weighted by ``W_i = 3^(i-1) mod 31`` for i = 1…17; the check value is
``31 - (Σ c_i·W_i mod 31)``, where a result of 31 is written as 0.

References
----------
.. [1] GB 32100—2015 法人和其他组织统一社会信用代码编码规则, §4 (structure), §5 and
       Appendix B (check character).
"""

from __future__ import annotations

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_VALUE = {c: i for i, c in enumerate(ALPHABET)}
WEIGHTS = tuple(pow(3, i, 31) for i in range(17))  # 1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28


class USCCError(ValueError):
    """An invalid 统一社会信用代码; the message (Chinese) says which character is wrong."""


def check_char(first17: str) -> str:
    """The GB 32100 check character for the first 17 characters of a code."""
    total = sum(_VALUE[c] * w for c, w in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def validate_uscc(code: str) -> str:
    """Return the normalised (upper-case, stripped) code, or raise :class:`USCCError`."""
    code = (code or "").strip().upper()
    if len(code) != 18:
        raise USCCError(f"统一社会信用代码“{code}”应为18位，实际{len(code)}位")
    for pos, c in enumerate(code, start=1):
        if c not in _VALUE:
            raise USCCError(f"统一社会信用代码“{code}”第{pos}位字符“{c}”不在GB 32100允许的字符集中")
    if not code[2:8].isdigit():
        raise USCCError(f"统一社会信用代码“{code}”第3—8位（登记管理机关行政区划码）应为数字")
    expected = check_char(code[:17])
    if code[17] != expected:
        raise USCCError(f"统一社会信用代码“{code}”校验码错误：第18位为“{code[17]}”，按GB 32100应为“{expected}”")
    return code
