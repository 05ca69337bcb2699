"""Verified domains in the admin, against a real DNS server on loopback: Ann (org admin of
A) adds a domain, reads the record to publish and verifies it; she reaches nothing of B's
domains by any crafted URL (404, no DNS question, nothing changed); only an operator
(superuser) revokes."""

import pytest
from django.urls import reverse
from django.utils import timezone

from cosmo_scim.models import AuditEvent, VerifiedDomain

pytestmark = pytest.mark.django_db


def url(name, claim=None):
    return reverse(f"admin:cosmo_scim_verifieddomain_{name}", args=[claim.pk] if claim else [])


@pytest.fixture
def domain_b(world):
    """B's domain, verified."""
    return VerifiedDomain.objects.create(
        organization=world.b, domain="globex.example", verified_at=timezone.now()
    )


def add(client, organization, domain):
    return client.post(url("add"), {"organization": organization.pk, "domain": domain}, follow=True)


def test_ann_adds_a_domain_reads_the_record_and_verifies_it(ann_client, world, dns_zone):
    page = add(ann_client, world.a, "Acme.Example.")
    claim = VerifiedDomain.objects.get()
    assert (claim.organization, claim.domain) == (world.a, "acme.example")
    assert page.redirect_chain[-1][0] == url("change", claim)
    text = page.content.decode()
    assert "Verify your domain to let your identity provider change logins" in text
    assert '<code id="txt-name">_scim-verification.acme.example</code>' in text
    assert f'<code id="txt-value">scim-verification={claim.token}</code>' in text
    assert "Not verified yet" in text
    assert 'id="verify-now"' in text
    assert 'id="revoke-verification"' not in text  # operators only

    page = ann_client.post(url("verify", claim), follow=True)
    assert "No TXT record found at _scim-verification.acme.example" in page.content.decode()
    assert "Last check" in page.content.decode()

    dns_zone.publish(claim.txt_name, claim.txt_value)
    page = ann_client.post(url("verify", claim), follow=True)
    text = page.content.decode()
    assert "Verified acme.example" in text and "Verified on" in text
    assert 'id="verify-now"' not in text
    event = AuditEvent.objects.get(action=AuditEvent.Action.DOMAIN_VERIFIED)
    assert (event.organization, event.actor_user) == (world.a, world.ann)


def test_a_dns_outage_is_a_message_not_an_error(ann_client, world, dns_zone):
    claim = VerifiedDomain.objects.create(organization=world.a, domain="acme.example")
    dns_zone.publish(claim.txt_name, claim.txt_value)
    dns_zone.fail = "silent"
    page = ann_client.post(url("verify", claim), follow=True)
    assert page.status_code == 200
    assert "Could not check DNS now" in page.content.decode()
    claim.refresh_from_db()
    assert not claim.is_verified


def test_a_domain_verified_by_b_is_refused_to_a(ann_client, world, dns_zone, domain_b):
    claim = add(ann_client, world.a, "GLOBEX.example").context["original"]
    dns_zone.publish(claim.txt_name, claim.txt_value)
    page = ann_client.post(url("verify", claim), follow=True)
    assert page.status_code == 200
    text = page.content.decode()
    assert "The domain globex.example is verified by another organization" in text
    assert world.b.name not in text
    assert not VerifiedDomain.objects.covers(world.a, "x@globex.example")


def test_the_same_domain_written_differently_is_one_claim(ann_client, world):
    add(ann_client, world.a, "acme.example")
    page = add(ann_client, world.a, " ACME.Example. ")
    assert "already exists" in page.content.decode()
    assert VerifiedDomain.objects.count() == 1


def test_invalid_domains_are_refused_in_words(ann_client, world):
    page = add(ann_client, world.a, "com")
    assert "is a top-level domain" in page.content.decode()
    assert not VerifiedDomain.objects.exists()


def test_verify_is_a_post(ann_client, world, dns_zone):
    claim = VerifiedDomain.objects.create(organization=world.a, domain="acme.example")
    assert ann_client.get(url("verify", claim)).status_code == 405
    assert dns_zone.queries == []


def test_ann_reaches_nothing_of_bs_domains(ann_client, world, dns_zone, domain_b):
    dns_zone.publish(domain_b.txt_name, domain_b.txt_value)
    for method, name, data in [
        ("get", "change", None),
        ("post", "change", {"domain": "evil.example"}),
        ("post", "verify", None),
        ("get", "revoke", None),
        ("post", "revoke", {"reason": "x"}),
        ("get", "delete", None),
        ("post", "delete", {"post": "yes"}),
        ("get", "history", None),
    ]:
        response = getattr(ann_client, method)(url(name, domain_b), data or {})
        assert response.status_code == 404, (method, name)
    listing = ann_client.get(url("changelist") + f"?organization__id__exact={world.b.pk}&q=globex")
    assert listing.status_code == 200 and "globex.example" not in listing.content.decode()
    page = add(ann_client, world.b, "planted.example")
    assert "Select a valid choice" in page.content.decode()
    assert list(VerifiedDomain.objects.values_list("domain", "organization")) == [
        ("globex.example", world.b.pk)
    ]
    fresh = VerifiedDomain.objects.get(pk=domain_b.pk)
    assert (fresh.token, fresh.is_verified, fresh.checked_at) == (domain_b.token, True, None)
    assert dns_zone.queries == [] and not AuditEvent.objects.filter(action__startswith="domain")


def test_an_org_admin_cannot_revoke_even_their_own(ann_client, world):
    claim = VerifiedDomain.objects.create(
        organization=world.a, domain="acme.example", verified_at=timezone.now()
    )
    assert ann_client.get(url("revoke", claim)).status_code == 403
    assert ann_client.post(url("revoke", claim), {"reason": "x"}).status_code == 403
    # Nor end it by deleting the row: only a claim that is not verified can be deleted.
    assert ann_client.post(url("delete", claim), {"post": "yes"}).status_code == 403
    claim.refresh_from_db()
    assert claim.is_verified


def test_an_unverified_claim_can_be_deleted(ann_client, world):
    claim = VerifiedDomain.objects.create(organization=world.a, domain="acme.example")
    ann_client.post(url("delete", claim), {"post": "yes"})
    assert not VerifiedDomain.objects.exists()


def test_an_operator_revokes_with_a_reason(admin_client, superuser, world, dns_zone):
    claim = VerifiedDomain.objects.create(
        organization=world.a, domain="acme.example", verified_at=timezone.now()
    )
    page = admin_client.get(url("change", claim))
    assert 'id="revoke-verification"' in page.content.decode()
    confirm = admin_client.get(url("revoke", claim))
    assert "Revoke the verification" in confirm.content.decode()
    claim.refresh_from_db()
    assert claim.is_verified  # the GET changed nothing

    page = admin_client.post(url("revoke", claim), {"reason": "Domain sold"}, follow=True)
    assert "Verification revoked on" in page.content.decode()
    claim.refresh_from_db()
    assert not claim.is_verified
    event = AuditEvent.objects.get(action=AuditEvent.Action.DOMAIN_REVOKED)
    assert (event.organization, event.actor_user, event.reason) == (
        world.a,
        superuser,
        "Domain sold",
    )
    trail = admin_client.get(reverse("admin:cosmo_scim_auditevent_changelist"))
    assert '<td class="field-subject">acme.example</td>' in trail.content.decode()
    assert "Domain verification revoked" in trail.content.decode()
