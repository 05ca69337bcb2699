"""Verifying a domain against a real DNS server on loopback (tests/dns_server.py), through
``manage.py verify_domain`` and the service the admin calls: found, absent, a wrong value,
DNS outages, a domain another organization holds, revocation."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from dns_server import closed_address

from cosmo_scim.models import AuditEvent, VerifiedDomain
from cosmo_scim.provisioning import domains
from cosmo_scim.provisioning.lifecycle import Actor

pytestmark = pytest.mark.django_db


def verify_domain(*args):
    """Run the command: (exit status, stdout lines)."""
    out = StringIO()
    try:
        call_command("verify_domain", *args, stdout=out)
        status = 0
    except SystemExit as exit_:
        status = exit_.code
    return status, out.getvalue().splitlines()


def record_of(lines):
    values = dict(line.split("=", 1) for line in lines[:2])
    return values["txt_name"], values["txt_value"]


def publish_for(dns_zone, claim):
    dns_zone.publish(claim.txt_name, "v=spf1 -all", claim.txt_value)


def test_command_prints_the_record_then_exits_3_until_it_is_published(org, dns_zone):
    status, lines = verify_domain("acme", "Acme.Example")
    name, value = record_of(lines)
    claim = VerifiedDomain.objects.get(organization=org)
    assert (status, claim.domain) == (3, "acme.example")
    assert (name, value) == ("_scim-verification.acme.example", f"scim-verification={claim.token}")
    assert "No TXT record found at _scim-verification.acme.example" in lines[2]
    assert not claim.is_verified
    assert claim.check_result == VerifiedDomain.Check.ABSENT
    assert dns_zone.queries == ["_scim-verification.acme.example"]

    dns_zone.publish(name, value)
    status, lines = verify_domain("acme", "acme.example")
    claim.refresh_from_db()
    assert status == 0
    assert record_of(lines) == (name, value)  # the same claim, the same record
    assert "Verified acme.example" in lines[2]
    assert claim.is_verified
    assert VerifiedDomain.objects.covers(org, "ann@acme.example", "ann.smith@ACME.example")
    event = AuditEvent.objects.get(action=AuditEvent.Action.DOMAIN_VERIFIED)
    assert (event.organization, event.changes) == (org, {"domain": "acme.example"})
    assert event.actor_name == "manage.py verify_domain"

    # Verified already: no DNS question, exit 0, no second event.
    status, lines = verify_domain("acme", "acme.example")
    assert (status, len(dns_zone.queries)) == (0, 2)
    assert "verified already" in lines[2]
    assert AuditEvent.objects.filter(action=AuditEvent.Action.DOMAIN_VERIFIED).count() == 1


def test_a_record_with_another_value_does_not_verify(org, dns_zone):
    claim, _ = domains.claim(org, "acme.example")
    dns_zone.publish(claim.txt_name, "scim-verification=someone-elses-token", "v=spf1 -all")
    status, lines = verify_domain("acme", "acme.example")
    claim.refresh_from_db()
    assert status == 3
    assert f"do not include {claim.txt_value}" in lines[2]
    assert (claim.is_verified, claim.check_result) == (False, VerifiedDomain.Check.MISMATCH)


def test_the_value_published_at_another_name_does_not_verify(org, dns_zone):
    claim, _ = domains.claim(org, "acme.example")
    dns_zone.publish("acme.example", claim.txt_value)
    dns_zone.publish("_scim-verification.sub.acme.example", claim.txt_value)
    assert verify_domain("acme", "acme.example")[0] == 3
    claim.refresh_from_db()
    assert not claim.is_verified


@pytest.mark.parametrize("failure", ["silent", "servfail", "down"])
def test_dns_outage_is_a_clear_try_again(org, dns_zone, settings, failure):
    claim, _ = domains.claim(org, "acme.example")
    publish_for(dns_zone, claim)
    if failure == "down":
        settings.COSMO_SCIM = {**settings.COSMO_SCIM, "DNS_NAMESERVERS": [closed_address()]}
    else:
        dns_zone.fail = failure
    status, lines = verify_domain("acme", "acme.example")
    claim.refresh_from_db()
    assert status == 3
    assert lines[2].startswith("Could not check DNS now: ")
    assert "try again in a few minutes" in lines[2]
    assert (claim.is_verified, claim.check_result) == (False, VerifiedDomain.Check.UNAVAILABLE)
    assert not AuditEvent.objects.exists()

    dns_zone.fail = None  # the outage ends: the same command verifies
    settings.COSMO_SCIM = {**settings.COSMO_SCIM, "DNS_NAMESERVERS": [dns_zone.address]}
    assert verify_domain("acme", "acme.example")[0] == 0


def test_a_domain_verified_by_another_organization_is_refused(org, other_org, dns_zone):
    theirs, _ = domains.claim(other_org, "acme.example")
    publish_for(dns_zone, theirs)
    assert domains.verify(theirs, Actor(via="test")).verified

    ours, _ = domains.claim(org, "ACME.example.")
    dns_zone.publish(ours.txt_name, theirs.txt_value, ours.txt_value)
    with pytest.raises(CommandError, match="verified by another organization") as refused:
        verify_domain("acme", "acme.example")
    assert refused.value.returncode == 1
    ours.refresh_from_db()
    assert (ours.is_verified, ours.check_result) == (False, VerifiedDomain.Check.TAKEN)
    assert not VerifiedDomain.objects.covers(org, "ann@acme.example")
    event = AuditEvent.objects.get(organization=org)
    assert event.action == AuditEvent.Action.DOMAIN_REFUSED
    assert "another organization has verified" in event.reason
    assert other_org.name not in event.reason


def test_a_refusal_needs_the_record_so_nobody_learns_who_holds_a_domain_for_free(
    org, other_org, dns_zone
):
    theirs, _ = domains.claim(other_org, "acme.example")
    publish_for(dns_zone, theirs)
    domains.verify(theirs, Actor(via="test"))
    status, lines = verify_domain("acme", "acme.example")
    assert status == 3
    assert "another organization" not in " ".join(lines)


def test_revocation_ends_the_right_and_needs_the_new_value_to_verify_again(
    org, other_org, dns_zone, superuser
):
    claim, _ = domains.claim(org, "acme.example")
    publish_for(dns_zone, claim)
    domains.verify(claim, Actor(via="test"))
    old_value = claim.txt_value

    assert domains.revoke(claim, Actor(user=superuser), reason="The domain was sold.")
    assert not domains.revoke(claim, Actor(user=superuser))  # not verified any more
    assert not VerifiedDomain.objects.covers(org, "ann@acme.example")
    assert claim.txt_value != old_value
    event = AuditEvent.objects.get(action=AuditEvent.Action.DOMAIN_REVOKED)
    assert (event.organization, event.actor_user, event.reason) == (
        org,
        superuser,
        "The domain was sold.",
    )

    # The old record verifies nothing; another organization may verify the domain now.
    assert verify_domain("acme", "acme.example")[0] == 3
    buyer, _ = domains.claim(other_org, "acme.example")
    dns_zone.publish(claim.txt_name, buyer.txt_value)
    assert domains.verify(buyer, Actor(via="test")).verified


def test_case_and_idna_variants_are_one_claim(org, dns_zone):
    first = verify_domain("acme", "Bücher.Example")[1]
    again = verify_domain("acme", "XN--BCHER-KVA.example.")[1]
    assert record_of(first) == record_of(again)
    assert record_of(first)[0] == "_scim-verification.xn--bcher-kva.example"
    assert VerifiedDomain.objects.filter(organization=org).count() == 1


def test_command_refuses_what_it_cannot_verify(org, dns_zone):
    with pytest.raises(CommandError, match="No organization"):
        verify_domain("nope", "acme.example")
    with pytest.raises(CommandError, match="top-level domain"):
        verify_domain("acme", "com")
    assert not VerifiedDomain.objects.exists()
    assert dns_zone.queries == []


def test_the_record_label_is_the_hosts_to_choose(org, dns_zone, settings):
    settings.COSMO_SCIM = {**settings.COSMO_SCIM, "DOMAIN_TXT_LABEL": "cosmo-verify"}
    _status, lines = verify_domain("acme", "acme.example")
    name, value = record_of(lines)
    assert name == "_cosmo-verify.acme.example"
    assert value.startswith("cosmo-verify=")
    dns_zone.publish(name, value)
    assert verify_domain("acme", "acme.example")[0] == 0
