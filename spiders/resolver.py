"""A DNS resolver for Scrapy that drops every blocked address before Twisted connects.

The downloader middleware checks each request's host before it is sent; this resolver checks
again the addresses Twisted actually connects to, so a name that resolves to a public address
for the check and to a private one for the connection (DNS rebinding) finds nothing to
connect to.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from scrapy.resolver import CachingHostnameResolver
from twisted.internet.interfaces import IAddress, IHostResolution, IResolutionReceiver
from zope.interface import provider

from profilecheck.fetch.guard import blocked_reason


@provider(IResolutionReceiver)
class _Filtering:
    def __init__(self, receiver: IResolutionReceiver, allow_loopback: bool, host: str) -> None:
        self.receiver = receiver
        self.allow_loopback = allow_loopback
        self.host = host
        self.dropped: list[str] = []

    def resolutionBegan(self, resolution: IHostResolution) -> None:
        self.receiver.resolutionBegan(resolution)

    def addressResolved(self, address: IAddress) -> None:
        host = str(getattr(address, "host", ""))
        try:
            why = blocked_reason(host, allow_loopback=self.allow_loopback)
        except ValueError:
            why = "unparseable address"
        if why:
            self.dropped.append(f"{host}: {why}")
            return
        self.receiver.addressResolved(address)

    def resolutionComplete(self) -> None:
        self.receiver.resolutionComplete()


class GuardedResolver(CachingHostnameResolver):
    """Scrapy's caching resolver (IPv4 and IPv6) with the SSRF guard applied to every answer."""

    allow_loopback = False

    @classmethod
    def from_crawler(cls, crawler: Any, reactor: Any) -> GuardedResolver:
        obj = super().from_crawler(crawler, reactor)
        obj.allow_loopback = crawler.settings.getbool("PROFILECHECK_ALLOW_LOOPBACK")
        return obj

    def resolveHostName(
        self,
        resolutionReceiver: IResolutionReceiver,
        hostName: str,
        portNumber: int = 0,
        addressTypes: Sequence[type[IAddress]] | None = None,
        transportSemantics: str = "TCP",
    ) -> IHostResolution:
        return super().resolveHostName(
            _Filtering(resolutionReceiver, self.allow_loopback, hostName),
            hostName,
            portNumber,
            addressTypes,
            transportSemantics,
        )
