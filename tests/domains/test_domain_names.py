"""A domain has one written form: case, a trailing dot, Unicode and its A-label, and the case
mappings Unicode applies are one domain; what no organization can own is refused."""

import pytest

from cosmo_scim.domain_names import InvalidDomain, domain_of, normalize
from cosmo_scim.models import VerifiedDomain

SAME_DOMAIN = [
    ("acme.example", "acme.example"),
    ("  ACME.Example.  ", "acme.example"),
    ("Bücher.Example", "xn--bcher-kva.example"),
    ("BÜCHER.EXAMPLE.", "xn--bcher-kva.example"),
    ("XN--BCHER-KVA.example", "xn--bcher-kva.example"),
    # Kelvin sign K (U+212A) and long s ſ (U+017F): UTS #46 maps them as a resolver does.
    ("\u212acme.example", "kcme.example"),
    ("\u017fam.example", "sam.example"),
    # Non-transitional: ß and ı name domains of their own, not "ss" and "i".
    ("faß.example", "xn--fa-hia.example"),
    ("admın.example", "xn--admn-nza.example"),
]

REFUSED = [
    "",
    "   ",
    "com",  # a top-level domain: every organization's addresses share it
    "localhost",
    "ann@acme.example",
    "https://acme.example/",
    "acme..example",
    "-acme.example",
    "acme_corp.example",
    "10.0.0.1",
    "xn--zz.example",  # an A-label that decodes to nothing valid
    "a" * 64 + ".example",  # a label over 63 octets
    ".".join(["abcdefgh"] * 29) + ".example",  # over 253 characters
]


@pytest.mark.parametrize(("text", "expected"), SAME_DOMAIN)
def test_variants_are_one_domain(text, expected):
    assert normalize(text) == expected


@pytest.mark.parametrize("text", REFUSED)
def test_what_no_organization_can_own_is_refused(text):
    with pytest.raises(InvalidDomain) as refused:
        normalize(text)
    assert str(refused.value)  # says why


def test_an_address_domain_is_read_the_same_way():
    assert domain_of("Ann@Bücher.Example") == "xn--bcher-kva.example"
    assert domain_of("ann@ACME.example.") == "acme.example"
    assert domain_of("no-at-sign") == ""
    assert domain_of("ann@localhost") == ""


@pytest.mark.django_db
def test_covers_reads_variants_of_a_verified_domain(org, other_org):
    from django.utils import timezone

    VerifiedDomain.objects.create(
        organization=org, domain="xn--bcher-kva.example", verified_at=timezone.now()
    )
    assert VerifiedDomain.objects.covers(org, "ann@BÜCHER.example", "bob@xn--bcher-kva.EXAMPLE")
    assert not VerifiedDomain.objects.covers(other_org, "ann@bücher.example")
    assert not VerifiedDomain.objects.covers(org, "ann@bücher.example", "eve@evil.example")
    assert not VerifiedDomain.objects.covers(org, "ann@localhost")
    assert not VerifiedDomain.objects.covers(org)
