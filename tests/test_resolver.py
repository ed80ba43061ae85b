"""The Scrapy DNS resolver drops blocked addresses before Twisted can connect to them."""

from __future__ import annotations

from twisted.internet.address import IPv4Address, IPv6Address

from spiders.resolver import _Filtering


class Receiver:
    def __init__(self) -> None:
        self.addresses: list[str] = []
        self.began = self.completed = False

    def resolutionBegan(self, resolution: object) -> None:
        self.began = True

    def addressResolved(self, address: object) -> None:
        self.addresses.append(address.host)  # type: ignore[attr-defined]

    def resolutionComplete(self) -> None:
        self.completed = True


ANSWERS = [
    IPv4Address("TCP", "93.184.215.14", 80),
    IPv4Address("TCP", "127.0.0.1", 80),
    IPv4Address("TCP", "10.0.0.7", 80),
    IPv4Address("TCP", "169.254.169.254", 80),
    IPv6Address("TCP", "::ffff:127.0.0.1", 80),
    IPv6Address("TCP", "2606:4700:4700::1111", 80),
    IPv6Address("TCP", "fd00::1", 80),
]


def test_blocked_answers_dropped() -> None:
    """Only public answers reach Twisted; a rebinding answer to loopback or metadata is dropped."""
    out = Receiver()
    f = _Filtering(out, allow_loopback=False, host="rebind.example")
    f.resolutionBegan(object())
    for a in ANSWERS:
        f.addressResolved(a)
    f.resolutionComplete()
    assert ["93.184.215.14", "2606:4700:4700::1111"] == out.addresses
    assert out.began and out.completed
    assert 5 == len(f.dropped)


def test_loopback_answer_kept_only_by_opt_in() -> None:
    """With the loopback opt-in, 127.0.0.1 passes; its IPv4-mapped form still does not."""
    out = Receiver()
    f = _Filtering(out, allow_loopback=True, host="localhost")
    for a in ANSWERS:
        f.addressResolved(a)
    assert ["93.184.215.14", "127.0.0.1", "2606:4700:4700::1111"] == out.addresses
