"""HJ 212 receiving gateway: sans-I/O protocol object, asyncio server, group-commit writer."""

from qingshan.hj212.gateway.protocol import AuthNeeded, GatewayProtocol, PacketEvent, reply_bytes

__all__ = ["AuthNeeded", "GatewayProtocol", "PacketEvent", "reply_bytes"]
