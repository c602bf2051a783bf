"""HJ 212 receiving gateway: sans-I/O protocol object, asyncio server, group-commit writer."""

from qingshan.hj212.gateway.events import AuthNeeded, AuthResult, PacketEvent, Reject, Verdict
from qingshan.hj212.gateway.protocol import GatewayProtocol, TimeWindow, reply_bytes

__all__ = ["AuthNeeded", "AuthResult", "GatewayProtocol", "PacketEvent", "Reject", "TimeWindow", "Verdict", "reply_bytes"]
