"""SYNDICATE_ALLOW_NETWORKS: the fetch guard opens exactly the private networks listed.

It exists so `sam local invoke` can fetch a test site on Docker's bridge (172.17.0.1); the
same variable is declared, empty, in the deployed template, so a bad value must be refused
loudly rather than widen what a deployed function may reach. No socket is opened here.
"""

from __future__ import annotations

import ipaddress

import pytest

from syndicate.fetch.guard import AddressPolicy, AddressRefused, GuardedBackend, allowed_networks
from syndicate.runtime import http_client, services_from_env


def test_parses_comma_or_space_separated_cidrs() -> None:
    assert allowed_networks("172.17.0.1/32, 10.20.0.0/16  fd12:3456::/48") == (
        ipaddress.ip_network("172.17.0.1/32"),
        ipaddress.ip_network("10.20.0.0/16"),
        ipaddress.ip_network("fd12:3456::/48"),
    )
    assert allowed_networks("") == () and allowed_networks(" , ") == ()


@pytest.mark.parametrize(
    ("spec", "why"),
    [
        ("0.0.0.0/0", "every address"),
        ("::/0", "every address"),
        ("0.0.0.0/1", "not inside a private range"),
        ("169.254.169.254/32", "not inside a private range"),  # link-local: metadata lives there
        ("169.254.0.0/16", "not inside a private range"),
        ("fe80::/10", "not inside a private range"),
        ("127.0.0.0/8", "not inside a private range"),  # loopback has its own switch
        ("100.100.100.200/32", "not inside a private range"),  # Alibaba's metadata service
        ("8.8.8.0/24", "not inside a private range"),  # public: allowed anyway, never listed
        ("172.0.0.0/8", "not inside a private range"),  # straddles 172.16.0.0/12 and public space
        ("10.0.0.0/7", "not inside a private range"),
        ("fd00::/8", "metadata address fd00:ec2::254"),
        ("fd00:ec2::254/128", "metadata address fd00:ec2::254"),
        ("172.17.0.1/16", "CIDR form"),  # host bits set: /32 or 172.17.0.0/16?
        ("172.17.0.300/32", "CIDR form"),
        ("bridge", "CIDR form"),
        ("172.17.0.1/32,0.0.0.0/0", "every address"),  # one bad entry refuses the whole list
    ],
)
def test_refuses_anything_but_private_networks(spec: str, why: str) -> None:
    with pytest.raises(ValueError, match=why):
        allowed_networks(spec)


def test_policy_allows_exactly_the_listed_network() -> None:
    policy = AddressPolicy(allow_networks=allowed_networks("172.17.0.1/32"))
    assert policy.refusal("172.17.0.1", 5000) is None
    assert policy.refusal("::ffff:172.17.0.1", 5000) is None  # the same address on the wire
    for other in ("172.17.0.2", "172.17.0.0", "172.16.0.1", "10.0.0.1", "192.168.1.1", "fd12::1"):
        assert policy.refusal(other, 5000) == "private address", other
    assert policy.refusal("127.0.0.1", 5000) == "loopback address"
    assert policy.refusal("169.254.169.254", 80) == "cloud metadata address"
    assert policy.refusal("169.254.1.1", 80) is not None
    assert policy.refusal("2002:ac11:1::1", 80) is not None  # 6to4 of 172.17.0.1: not listed
    assert policy.refusal("93.184.216.34", 443) is None  # public addresses as before


def test_policy_allows_a_listed_subnet_and_nothing_around_it() -> None:
    policy = AddressPolicy(allow_networks=allowed_networks("10.20.0.0/16,fd12:3456::/48"))
    assert policy.refusal("10.20.0.1") is None and policy.refusal("10.20.255.254") is None
    assert policy.refusal("10.21.0.1") == "private address"
    assert policy.refusal("10.19.255.255") == "private address"
    assert policy.refusal("fd12:3456::9") is None
    assert policy.refusal("fd12:3457::9") == "private address"


def test_a_policy_built_in_code_obeys_the_same_limits() -> None:
    with pytest.raises(ValueError, match="every address"):
        AddressPolicy(allow_networks=(ipaddress.ip_network("0.0.0.0/0"),))
    with pytest.raises(ValueError, match="not inside a private range"):
        AddressPolicy(allow_networks=(ipaddress.ip_network("169.254.0.0/16"),))


def test_the_backend_refuses_a_name_resolving_outside_the_list() -> None:
    policy = AddressPolicy(allow_networks=allowed_networks("172.17.0.1/32"))
    addresses = {"site.test": ["172.17.0.1"], "mixed.test": ["172.17.0.1", "172.17.0.2"]}
    backend = GuardedBackend(policy, resolver=lambda host, port: addresses[host])
    assert backend.checked_addresses("site.test", 8000) == ["172.17.0.1"]
    with pytest.raises(AddressRefused, match=r"172\.17\.0\.2, which is a private address"):
        backend.checked_addresses("mixed.test", 8000)


def test_http_client_carries_the_list_and_defaults_to_none() -> None:
    assert http_client().policy.allow_networks == ()
    assert http_client().policy.refusal("172.17.0.1") == "private address"
    client = http_client(allow_networks="172.17.0.1/32")
    assert client.policy.refusal("172.17.0.1") is None
    assert client.policy.refusal("172.17.0.2") == "private address"


@pytest.mark.parametrize("bad", ["0.0.0.0/0", "::/0", "169.254.169.254/32"])
def test_services_from_env_refuses_a_bad_list_before_building_anything(bad: str) -> None:
    environ = {"SYNDICATE_BACKEND": "aws", "SYNDICATE_ALLOW_NETWORKS": bad, "REGISTRY_URI": "s3://nowhere/x"}
    with pytest.raises(RuntimeError, match="SYNDICATE_ALLOW_NETWORKS"):
        services_from_env(environ)
