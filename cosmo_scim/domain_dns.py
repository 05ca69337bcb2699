"""Asking DNS for the TXT records at a name, for the domain check (provisioning/domains.py).

Two answers mean different things to the admin waiting for the page, so they stay apart:
the name has no TXT record (NXDOMAIN, or the name exists without one: "publish it, or wait
for it to propagate") and DNS could not be asked (no answer in time, every server failed:
"try again in a moment"), the latter raised as :class:`DnsUnavailable`. The check runs
while a person waits, so it is bounded by ``COSMO_SCIM["DNS_TIMEOUT"]`` in all, answers are
not cached (a record just published must be seen on the next click), and a failing server
is not asked again within the check (SERVFAIL is an outage, not a "no").

The servers asked are ``COSMO_SCIM["DNS_NAMESERVERS"]`` ("host:port"), or the system's.
"""

import ipaddress

import dns.exception
import dns.name
import dns.nameserver
import dns.rdatatype
import dns.resolver
from django.core.exceptions import ImproperlyConfigured

from . import conf


class DnsUnavailable(Exception):
    """DNS gave no answer either way; the message says what happened."""


def nameservers() -> list[dns.nameserver.Do53Nameserver] | None:
    """``COSMO_SCIM["DNS_NAMESERVERS"]`` as dnspython's servers; None: the system's."""
    configured = conf.get("DNS_NAMESERVERS")
    if configured is None:
        return None
    if isinstance(configured, str) or not configured:
        raise ImproperlyConfigured(
            'COSMO_SCIM["DNS_NAMESERVERS"] must be a non-empty list such as ["10.0.0.2:53"], '
            "or None for the system's resolvers."
        )
    return [_server(entry) for entry in configured]


def _server(entry: object) -> dns.nameserver.Do53Nameserver:
    text = str(entry).strip()
    host, port = text, "53"
    if text.startswith("["):  # [2001:db8::1]:53
        host, _, rest = text[1:].partition("]")
        port = rest.removeprefix(":") or "53"
    elif text.count(":") == 1:
        host, _, port = text.partition(":")
    try:
        address = ipaddress.ip_address(host)
        number = int(port)
        if not 0 < number < 65536:
            raise ValueError(port)
    except ValueError:
        raise ImproperlyConfigured(
            f'COSMO_SCIM["DNS_NAMESERVERS"]: {entry!r} is not "address:port" (an IP '
            'address, IPv6 in brackets: "[::1]:53").'
        ) from None
    return dns.nameserver.Do53Nameserver(str(address), number)


def _resolver() -> dns.resolver.Resolver:
    servers = nameservers()
    try:
        resolver = dns.resolver.Resolver(configure=servers is None)
    except dns.resolver.NoResolverConfiguration:
        raise DnsUnavailable("this server has no DNS resolver configured") from None
    if servers is not None:
        resolver.nameservers = servers
    resolver.cache = None
    resolver.lifetime = float(conf.get("DNS_TIMEOUT"))
    resolver.timeout = resolver.lifetime
    return resolver


def txt_values(name: str) -> tuple[str, ...]:
    """The TXT records at ``name`` (each one's strings joined, RFC 7208 §3.3), () when
    there are none; :class:`DnsUnavailable` when DNS cannot say."""
    resolver = _resolver()
    try:
        answer = resolver.resolve(
            dns.name.from_text(name), dns.rdatatype.TXT, search=False, raise_on_no_answer=False
        )
    except dns.resolver.NXDOMAIN:
        return ()
    except dns.resolver.LifetimeTimeout:
        raise DnsUnavailable("DNS did not answer in time") from None
    except dns.resolver.NoNameservers:
        raise DnsUnavailable("every DNS server asked failed to answer") from None
    except (dns.exception.DNSException, OSError) as error:
        raise DnsUnavailable(f"DNS could not be asked ({error.__class__.__name__})") from None
    return tuple(
        b"".join(record.strings).decode("utf-8", "replace") for record in answer.rrset or ()
    )
