"""One written form for an email domain, so ``Bücher.Example.``, ``bücher.example`` and
``xn--bcher-kva.example`` are one domain everywhere: the claim an admin types, the DNS
name looked up, and the domain of an address ``VerifiedDomain.objects.covers`` compares.

The form is the ASCII one DNS uses (IDNA 2008 with the UTS #46 mapping, non-transitional,
as browsers and mail software resolve names today: ``ß`` stays ``ß``, not ``ss``, which
would name another domain), lower-case, without the root's trailing dot. Names a mailbox
cannot be at are refused: a single label (``com``, ``localhost``: a suffix other
organizations' addresses share, never one organization's domain), an IP address, labels
outside letters, digits and hyphens (RFC 1123 §2.1), a label over 63 octets or a name over
253 (RFC 1035 §2.3.4).
"""

import re

import idna

MAX_LENGTH = 253
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


class InvalidDomain(ValueError):
    """The text is not a domain an organization can verify; the message says why."""


def normalize(text: str) -> str:
    """``text``'s one written form, or :class:`InvalidDomain` saying why it has none."""
    name = (text or "").strip().rstrip(".")
    if not name:
        raise InvalidDomain("Enter a domain, e.g. example.com.")
    if "@" in name or "/" in name or " " in name:
        raise InvalidDomain("Enter the domain only (example.com), not an address or a URL.")
    if len(name) > MAX_LENGTH * 2:  # unencodable anyway; spare the encoder a huge input
        raise InvalidDomain(f"A domain has at most {MAX_LENGTH} characters.")
    try:
        ascii_name = idna.encode(name, uts46=True, transitional=False).decode("ascii")
    except (idna.IDNAError, UnicodeError) as error:
        raise InvalidDomain(f"{text.strip()!r} is not a valid domain name ({error}).") from None
    ascii_name = ascii_name.lower()
    if len(ascii_name) > MAX_LENGTH:
        raise InvalidDomain(f"A domain has at most {MAX_LENGTH} characters.")
    labels = ascii_name.split(".")
    if not all(_LABEL.match(label) for label in labels):
        raise InvalidDomain(
            f"{text.strip()!r} is not a valid domain name: use letters, digits and hyphens."
        )
    if len(labels) < 2:
        raise InvalidDomain(
            f"{ascii_name!r} is a top-level domain, not an organization's: enter the "
            "organization's own domain, e.g. example.com."
        )
    if labels[-1].isdigit():
        raise InvalidDomain("Enter a domain name, not an IP address.")
    return ascii_name


def domain_of(address: str) -> str:
    """The normalized domain of an email address; "" when it has none or it is not a
    domain :func:`normalize` accepts (such an address is in no verified domain)."""
    _, at, domain = (address or "").rpartition("@")
    if not at:
        return ""
    try:
        return normalize(domain)
    except InvalidDomain:
        return ""
