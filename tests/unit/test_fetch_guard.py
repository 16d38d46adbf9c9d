"""The address guard: which IPs are refused, and that the connection goes to the checked one.

No socket is opened here: connections go to a recording in-memory backend, so even the
"public" addresses below are never contacted.
"""

from __future__ import annotations

import ssl
from typing import Any

import httpcore
import pytest

from syndicate.fetch.guard import AddressPolicy, AddressRefused, GuardedBackend, deadline_scope


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("127.0.0.1", "loopback"),
        ("127.255.0.9", "loopback"),
        ("::1", "loopback"),
        ("::ffff:127.0.0.1", "loopback"),
        ("10.0.0.1", "private"),
        ("172.16.5.4", "private"),
        ("192.168.1.1", "private"),
        ("100.64.0.1", "private"),  # carrier-grade NAT
        ("fd12:3456::1", "private"),
        ("fec0::1", "private"),
        ("192.0.2.10", "private"),  # documentation range: not global
        ("169.254.169.254", "cloud metadata"),
        ("fd00:ec2::254", "cloud metadata"),
        ("::ffff:169.254.169.254", "cloud metadata"),
        ("169.254.1.1", "link-local"),
        ("fe80::1%eth0", "link-local"),
        ("224.0.0.1", "multicast"),
        ("ff02::1", "multicast"),
        ("240.0.0.1", "reserved"),
        ("255.255.255.255", "reserved"),
        ("0.0.0.0", "unspecified"),
        ("0.1.2.3", "unspecified"),
        ("::", "unspecified"),
        ("2002:a9fe:a9fe::1", "169.254.169.254 inside an IPv6 address"),  # 6to4
        ("64:ff9b::a00:1", "reserved"),  # NAT64 (refused as reserved before its 10.0.0.1 is looked at)
        ("::7f00:1", "reserved"),  # IPv4-compatible ::127.0.0.1
        ("not-an-ip", "not an IP address"),
    ],
)
def test_default_policy_refuses(address: str, reason: str) -> None:
    refusal = AddressPolicy().refusal(address, 80)
    assert refusal is not None and reason in refusal


@pytest.mark.parametrize(
    "address", ["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946", "::ffff:8.8.8.8", "1.1.1.1"]
)
def test_public_addresses_are_allowed(address: str) -> None:
    assert AddressPolicy().refusal(address, 443) is None


def test_allow_flags_open_only_their_own_ranges() -> None:
    loopback = AddressPolicy(allow_loopback=True)
    assert loopback.refusal("127.0.0.1") is None and loopback.refusal("::ffff:127.0.0.1") is None
    assert loopback.refusal("10.0.0.1") == "private address"
    private = AddressPolicy(allow_private=True)
    assert private.refusal("10.0.0.1") is None and private.refusal("127.0.0.1") == "loopback address"
    everything = AddressPolicy(allow_loopback=True, allow_private=True)
    for never in ("169.254.169.254", "169.254.3.3", "224.0.0.1", "0.0.0.0", "fd00:ec2::254"):
        assert everything.refusal(never) is not None, never


def test_allow_endpoints_opens_one_port_of_one_address() -> None:
    policy = AddressPolicy(allow_endpoints=frozenset({("127.0.0.1", 8080)}))
    assert policy.refusal("127.0.0.1", 8080) is None
    assert policy.refusal("::ffff:127.0.0.1", 8080) is None
    assert policy.refusal("127.0.0.1", 8081) == "loopback address"
    assert policy.refusal("127.0.0.2", 8080) == "loopback address"
    metadata = AddressPolicy(allow_endpoints=frozenset({("169.254.169.254", 80)}))
    assert metadata.refusal("169.254.169.254", 80) == "cloud metadata address"


# -- the backend: resolve once, check all, connect to the checked literal ---------------------


class RecordingStream(httpcore.NetworkStream):
    """An in-memory connection answering one canned response; records what TLS was asked for."""

    def __init__(self, log: dict[str, Any], response: bytes) -> None:
        self.log = log
        self.response = [response]
        self.written = b""

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        self.log.setdefault("read_timeouts", []).append(timeout)
        return self.response.pop(0) if self.response else b""

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self.log["written"] = self.log.get("written", b"") + buffer

    def close(self) -> None:
        pass

    def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
        self.log["sni"] = server_hostname
        return self

    def get_extra_info(self, info: str) -> Any:
        return None


class RecordingBackend(httpcore.NetworkBackend):
    def __init__(self, log: dict[str, Any]) -> None:
        self.log = log

    def connect_tcp(self, host: str, port: int, timeout: float | None = None, **_: Any) -> httpcore.NetworkStream:
        self.log.setdefault("connects", []).append((host, port))
        return RecordingStream(self.log, b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")


def resolver_for(table: dict[str, list[str]], calls: list[str]):
    def resolve(host: str, port: int) -> list[str]:
        calls.append(host)
        return table[host]

    return resolve


def test_https_connects_to_the_checked_ip_with_sni_and_host_as_the_name() -> None:
    log: dict[str, Any] = {}
    calls: list[str] = []
    backend = GuardedBackend(
        AddressPolicy(), resolver_for({"partner.example": ["93.184.216.34"]}, calls), inner=RecordingBackend(log)
    )
    with httpcore.ConnectionPool(network_backend=backend) as pool:
        response = pool.request("GET", "https://partner.example/feed/", headers={"Host": "partner.example"})
    assert response.status == 200 and response.content == b"ok"
    assert log["connects"] == [("93.184.216.34", 443)]  # an IP literal: nothing left to re-resolve
    assert log["sni"] == "partner.example"  # TLS (SNI and certificate check) still uses the name
    assert b"Host: partner.example\r\n" in log["written"]
    assert calls == ["partner.example"]


def test_one_refused_address_refuses_the_name_before_any_connect() -> None:
    log: dict[str, Any] = {}
    backend = GuardedBackend(
        AddressPolicy(), resolver_for({"mixed.example": ["93.184.216.34", "10.1.2.3"]}, []), inner=RecordingBackend(log)
    )
    with pytest.raises(AddressRefused, match=r"mixed.example resolves to 10.1.2.3, which is a private address"):
        backend.connect_tcp("mixed.example", 80, timeout=1)
    assert "connects" not in log


def test_unresolvable_and_empty_names_are_refused() -> None:
    def failing(host: str, port: int) -> list[str]:
        raise OSError("Name or service not known")

    with pytest.raises(AddressRefused, match=r"cannot resolve host 'nowhere\.example'"):
        GuardedBackend(AddressPolicy(), failing).checked_addresses("nowhere.example", 80)
    with pytest.raises(AddressRefused, match="has no address"):
        GuardedBackend(AddressPolicy(), lambda h, p: []).checked_addresses("empty.example", 80)


def test_ip_literals_skip_the_resolver() -> None:
    calls: list[str] = []
    backend = GuardedBackend(AddressPolicy(), resolver_for({}, calls))
    assert backend.checked_addresses("[2606:2800:220:1:248:1893:25c8:1946]", 443) == [
        "2606:2800:220:1:248:1893:25c8:1946"
    ]
    with pytest.raises(AddressRefused, match=r"169\.254\.169\.254 is a cloud metadata address"):
        backend.checked_addresses("169.254.169.254", 80)
    assert calls == []


def test_reads_get_no_more_than_the_time_left_and_none_after_the_deadline() -> None:
    import time

    log: dict[str, Any] = {}
    backend = GuardedBackend(AddressPolicy(), lambda h, p: ["93.184.216.34"], inner=RecordingBackend(log))
    stream = backend.connect_tcp("partner.example", 80, timeout=5)
    with deadline_scope(time.monotonic() + 0.5):
        stream.read(10, timeout=30)
    assert 0 < log["read_timeouts"][-1] <= 0.5
    with deadline_scope(time.monotonic() - 1), pytest.raises(httpcore.ReadTimeout):
        stream.read(10, timeout=30)
    stream.read(10, timeout=30)  # outside a deadline scope the caller's timeout stands
    assert log["read_timeouts"][-1] == 30


def test_unix_sockets_are_never_used() -> None:
    with pytest.raises(AddressRefused):
        GuardedBackend(AddressPolicy()).connect_unix_socket("/var/run/docker.sock")
