"""What the registry knows about one device, as plain values (no database, no password code).

This is the registry's side of the contract with the HJ 212 gateway: the gateway is given a
mapping MN → :class:`DeviceSettings` (and a password-check function), so its protocol object
imports no database or password code. The direction is ``qingshan.hj212`` → ``qingshan.sources``:
the registry never imports the protocol domain (docs/hj212-gateway.md, "Layers").

The allowed values of the per-device protocol settings are enums here, because the registry
is where they are validated and stored; the codec keeps the algorithms behind them
(``qingshan.hj212.crc.CRC_VARIANTS``, tested to name exactly :class:`CrcVariant`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class CrcVariant(StrEnum):
    """Non-standard CRC a device may be registered with (hj212.md §6a). Never guessed."""

    MODBUS = "modbus"
    MODBUS_SWAPPED = "modbus_swapped"


class DatatimeLabel(StrEnum):
    """Whether DataTime of 2051/2061/2031/2041 labels the start or the end of the period
    (hj212.md §11, setting ``datatime_label``, UNCONFIRMED; default start)."""

    START = "start"
    END = "end"


@dataclass(frozen=True, slots=True)
class DeviceSettings:
    """One active registered device (``src_device``), as the gateway and the alarms need it."""

    mn: str
    pw_hash: str
    st: str
    version: int
    datatime_label: str
    outlet_id: int | None
    strict: bool = False
    crc_variant: str | None = None
    registered_at: datetime | None = None  # UTC
