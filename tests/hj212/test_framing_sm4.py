"""HJ 212—2025 SM4 CP encryption (§B.3, §B.9 item 5) against the official vectors of §B.10."""

from __future__ import annotations

import pytest

from qingshan.hj212 import parse
from qingshan.hj212 import errors as E
from qingshan.hj212.crc import crc16
from qingshan.hj212.framing import FrameError, PacketReceived, StreamDecoder, decrypt_frame, encrypt_frame, sm4_ecb

KEY = b"0" * 16  # official test key: 16 bytes 0x30
PREFIX = "QN=20240520210700000;ST=31;CN=2051;PW=123456;MN=010000A8900016F000169DC0;Flag=9;CP=&&"
REGION2 = (
    "DataTime=20240520210600;a01011-Min=1.35,a01011-Avg=1.35,a01011-Max=1.35,a01011-Flag=N;"
    "a01012-Min=9.3,a01012-Avg=9.3,a01012-Max=9.3,a01012-Flag=N;"
    "a01014-Min=3.20,a01014-Avg=3.211,a01014-Max=3.212,a01014-Flag=N"
)
REGION4 = (
    "DataTime=20240520210600;a01011-Min=1.35,a01011-Avg=1.35,a01011-Max=1.35,a01011-Flag=N;"
    "a01014-Min=3.20,a01014-Avg=3.20,a01014-Max=3.20,a01014-Flag=N"
)
CIPHER2 = (
    "E43E159ACFAB242CB53155FB8B9281A1A242577ABFAED881BE88B72D69FC55ED1A80119FAAC8B3CD33D285CC76F57F2C"
    "A7F88B9573C6647E0F07E24609BD6B63EB20C5B9784F28E71D2F4994FF61D9E1C2B3075592B4D1E09C4D8BB27BE97B55"
    "9E3DA6643781A6F477769DEEB009B10DFFF3426922725D607DC4480F0CAC5F70DB2587B124BCB281592721D6E4BC180A"
    "97E5E111499CBE822E31C8D7761553543AA24207C290997BBDE64F9266BC5F529A172E381C1D898CA1A0D771A914A7B2"
    "D7467C70B94F1D4A7B0350A48DBF8B41"
)
CIPHER4 = (
    "E43E159ACFAB242CB53155FB8B9281A1A242577ABFAED881BE88B72D69FC55ED1A80119FAAC8B3CD33D285CC76F57F2C"
    "A7F88B9573C6647E0F07E24609BD6B63EB20C5B9784F28E71D2F4994FF61D9E13B391A1D2A454B65388D5D9435DBF021"
    "528C7BF9755EF16518710C0CAC0ADEF9C5156CD0A5A17674AC0ED2ABC40023E9EF70128554B82438E91ADCE98A0D03A4"
)


def plain_frame(region: str) -> bytes:
    seg = (PREFIX + region + "&&").encode()
    return b"##%04d" % len(seg) + seg + b"%04X" % crc16(seg) + b"\r\n"


def test_sm4_standard_vector():
    # GB/T 32907—2016 Appendix A example 1
    k = bytes.fromhex("0123456789abcdeffedcba9876543210")
    assert sm4_ecb(k, k, decrypt=False).hex() == "681edf34d206965e86b3e94f536e4246"
    assert sm4_ecb(bytes.fromhex("681edf34d206965e86b3e94f536e4246"), k, decrypt=True) == k


@pytest.mark.parametrize(
    ("region", "cipher", "length", "crc", "tail"),
    [(REGION2, CIPHER2, 295, "2200", b""), (REGION4, CIPHER4, 234, "B541", b"g=N")],
)
def test_official_vectors(region, cipher, length, crc, tail):
    assert len(region) in (208, 147)
    pf = plain_frame(region)
    assert pf[2:6] == b"%04d" % length and pf[-6:-2] == crc.encode()
    enc = encrypt_frame(pf, KEY)
    a = enc.find(b"CP=&&") + 5
    whole = len(region) // 16 * 16
    assert enc[a : a + whole] == bytes.fromhex(cipher)
    assert enc[a + whole : -8] == tail  # the tail under 16 bytes stays plaintext
    assert enc[2:6] == pf[2:6] and enc[-6:] == pf[-6:]  # length and CRC of the plaintext
    assert decrypt_frame(enc, KEY) == pf


def test_stream_decoder_decrypts_binary_ciphertext():
    pf = plain_frame(REGION4)
    enc = encrypt_frame(pf, KEY)
    heartbeat = b"##0087QN=20240601085857223;ST=91;CN=9015;PW=123456;MN=010000A8900016F000169DC0;Flag=9;CP=&&&&"
    heartbeat += b"%04X\r\n" % crc16(heartbeat[6:])
    stream = enc + heartbeat + enc
    dec = StreamDecoder(sm4_key=KEY)
    ev = []
    for i in range(0, len(stream), 7):
        ev += dec.feed(stream[i : i + 7])
    assert [type(e) for e in ev] == [PacketReceived] * 3
    assert ev[0].raw == enc and ev[0].packet == parse(pf)
    assert ev[0].packet.values["a01014"]["Avg"] == "3.20"
    assert ev[1].packet.cn == "9015"  # not an encrypted CN: parsed as is


def test_printed_wire_form():
    pf = plain_frame(REGION2)
    printed = encrypt_frame(pf, KEY, wire_form="printed")
    assert printed.startswith(pf[: pf.find(b"CP=&&") + 5] + b"{0xE4,0x3E,")
    assert decrypt_frame(printed, KEY, wire_form="printed") == pf
    ev = StreamDecoder(sm4_key=KEY, sm4_wire_form="printed").feed(printed + printed[:500])
    ev += StreamDecoder(sm4_key=KEY, sm4_wire_form="printed").feed(printed)
    assert [e.packet.values["a01012"]["Max"] for e in ev] == ["9.3", "9.3"]
    # a plaintext data packet on a connection configured as encrypting is refused
    (err,) = StreamDecoder(sm4_key=KEY, sm4_wire_form="printed").feed(pf)
    assert isinstance(err, FrameError) and isinstance(err.error, E.BadCpSyntax)


def test_wrong_key_is_a_typed_error_event():
    enc = encrypt_frame(plain_frame(REGION4), KEY)
    ev = StreamDecoder(sm4_key=b"1" * 16).feed(enc)
    assert len(ev) == 1 and isinstance(ev[0], FrameError)
    assert isinstance(ev[0].error, E.HJ212Error)
