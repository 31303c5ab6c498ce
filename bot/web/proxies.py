"""Which client a request is counted against: the peer, or the client a trusted proxy names.

Behind a reverse proxy every request comes from the proxy's address; a proxy listed in
WEB_TRUSTED_PROXIES (addresses or networks) appends the client's address to X-Forwarded-For.
Only the nearest address that is not a trusted proxy is believed: everything left of it is
whatever the client wrote.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass

IP = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_ip(text: str) -> IP | None:
    """Return an address as a proxy writes it (maybe with a port, maybe IPv4-mapped), or None."""
    text = text.strip()
    if text.startswith("[") and "]" in text:  # [2001:db8::1]:443
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # 203.0.113.7:5678
        text = text.split(":", 1)[0]
    try:
        ip = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped  # ::ffff:10.0.0.2 on a dual-stack listener
    return ip


@dataclass(frozen=True)
class Proxies:
    """The trusted reverse proxies: addresses and networks."""

    networks: tuple[Network, ...] = ()

    @classmethod
    def parse(cls, text: str | None) -> Proxies:
        """Parse a comma-separated list of addresses or networks; raise ValueError naming a bad one."""
        networks = []
        for item in (text or "").split(","):
            if item.strip():
                try:
                    networks.append(ipaddress.ip_network(item.strip(), strict=False))
                except ValueError:
                    raise ValueError(
                        f"{item.strip()!r} is not an IP address or network (comma-separated)"
                    ) from None
        return cls(tuple(networks))

    def trusts(self, ip: IP) -> bool:
        """Tell whether an address is one of the trusted proxies."""
        return any(ip.version == net.version and ip in net for net in self.networks)

    def client_of(self, remote: str | None, forwarded: Sequence[str]) -> str:
        """Return the address a request is counted against (see the module's docstring)."""
        peer = parse_ip(remote or "")
        if peer is None:
            return remote or "?"
        if not self.trusts(peer):
            return str(peer)
        hops = [hop for header in forwarded for hop in header.split(",") if hop.strip()]
        for hop in reversed(hops):
            ip = parse_ip(hop)
            if ip is None:  # not an address: count it against the proxy, never per text
                return str(peer)
            if not self.trusts(ip):
                return str(ip)
        return str(peer)
