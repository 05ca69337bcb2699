"""Every admin write re-reads the org admin's right in its own transaction, under a lock on
what a deactivation writes (cosmo_scim/admin/scope.py), on PostgreSQL.

Each test holds a real deactivation of Ann (Acme's org admin) open in a transaction, sends
one of her admin writes — which passes the request's first read of her right, since the
deactivation has not committed — and commits the deactivation once the write waits for the
lock. The write then reads the committed deactivation and is refused, changing nothing.
Before, it read nothing again and wrote: a key, a rotation, a mapping, a revocation, a
resend or a deactivation by someone who had already left.
"""

import threading
import time

from django.db import connection, connections, transaction
from django.test import Client
from django.urls import reverse
from scimkit import RACES

from cosmo_project.organizations.models import Membership
from cosmo_scim.models import APIKey, Invitation, RoleMapping
from cosmo_scim.provisioning import lifecycle

pytestmark = RACES

# How long a write may take to reach the lock before the test gives up waiting for it.
REACH_LOCK_SECONDS = 20


def waiting_for_a_lock():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0] > 0


def during_deactivation(world, write):
    """Run ``write`` (a browser request of Ann's) while her deactivation is uncommitted;
    commit it once the write waits for a lock (or after REACH_LOCK_SECONDS, when the write
    never waits: the old behaviour). Returns the write's response."""
    browser = Client()
    browser.force_login(world.ann)
    membership = Membership.objects.get(user=world.ann, organization=world.a)
    holding, release, result = threading.Event(), threading.Event(), {}

    def deactivate():
        try:
            with transaction.atomic():
                actor = lifecycle.Actor(via="the IdP")
                assert lifecycle.deactivate_membership(membership, actor, "left the company")
                holding.set()
                release.wait(timeout=60)
        finally:
            connections.close_all()

    def submit():
        try:
            result["response"] = write(browser)
        finally:
            connections.close_all()

    deactivation = threading.Thread(target=deactivate)
    deactivation.start()
    assert holding.wait(timeout=30)
    request = threading.Thread(target=submit)
    request.start()
    deadline = time.monotonic() + REACH_LOCK_SECONDS
    while request.is_alive() and not waiting_for_a_lock() and time.monotonic() < deadline:
        time.sleep(0.02)
    release.set()
    deactivation.join()
    request.join()
    return result["response"]


def keys_of(world):
    return list(
        APIKey.objects.filter(organization=world.a).order_by("pk").values_list("pk", "revoked")
    )


def bulk_action(changelist, action, pk):
    """A changelist's bulk action on one selected row."""
    return lambda browser: browser.post(
        reverse(changelist), {"action": action, "_selected_action": [pk]}
    )


def refused(response):
    assert response.status_code == 403, response.status_code


def test_adding_a_key(world):
    before = keys_of(world)
    response = during_deactivation(
        world,
        lambda browser: browser.post(
            reverse("admin:cosmo_scim_apikey_add"),
            {"organization": world.a.pk, "name": "Mine", "scim": "on"},
        ),
    )
    refused(response)
    assert keys_of(world) == before


def test_rotating_a_key(world):
    before = keys_of(world)
    url = reverse("admin:cosmo_scim_apikey_rotate", args=[world.key_a.pk])
    refused(during_deactivation(world, lambda browser: browser.post(url)))
    assert keys_of(world) == before


def test_changing_a_key(world):
    url = reverse("admin:cosmo_scim_apikey_change", args=[world.key_a.pk])
    response = during_deactivation(
        world, lambda browser: browser.post(url, {"name": "Renamed", "scim": "on"})
    )
    refused(response)
    assert APIKey.objects.get(pk=world.key_a.pk).name == "Acme Okta"


def test_revoking_keys(world):
    before = keys_of(world)
    revoke = bulk_action("admin:cosmo_scim_apikey_changelist", "revoke_keys", world.key_a.pk)
    refused(during_deactivation(world, revoke))
    assert keys_of(world) == before


def test_adding_a_role_mapping(world):
    response = during_deactivation(
        world,
        lambda browser: browser.post(
            reverse("admin:cosmo_scim_rolemapping_add"),
            {"organization": world.a.pk, "match": "displayName", "value": "All", "role": "admin"},
        ),
    )
    refused(response)
    assert list(RoleMapping.objects.filter(organization=world.a)) == [world.mapping_a]


def test_deleting_a_role_mapping(world):
    url = reverse("admin:cosmo_scim_rolemapping_delete", args=[world.mapping_a.pk])
    refused(during_deactivation(world, lambda browser: browser.post(url, {"post": "yes"})))
    assert RoleMapping.objects.filter(pk=world.mapping_a.pk).exists()


def test_resending_an_invitation(world):
    resend = bulk_action("admin:cosmo_scim_invitation_changelist", "resend", world.invitation_a.pk)
    refused(during_deactivation(world, resend))
    assert Invitation.objects.get(pk=world.invitation_a.pk).status == "failed"


def test_deactivating_orphaned_access(world):
    jane = Membership.objects.get(user__email="jane@acme.example")
    url = reverse("admin:organizations_organization_scim_deactivate_orphans", args=[world.a.pk])
    response = during_deactivation(
        world, lambda browser: browser.post(url, {"membership": [jane.pk], "reason": "gone"})
    )
    refused(response)
    jane.refresh_from_db()
    assert jane.is_active


def test_adding_a_domain(world):
    from cosmo_scim.models import VerifiedDomain

    url = reverse("admin:cosmo_scim_verifieddomain_add")
    response = during_deactivation(
        world,
        lambda browser: browser.post(url, {"organization": world.a.pk, "domain": "acme.example"}),
    )
    refused(response)
    assert not VerifiedDomain.objects.exists()


def test_verifying_a_domain(world, dns_zone):
    from cosmo_scim.models import AuditEvent, VerifiedDomain

    claim = VerifiedDomain.objects.create(organization=world.a, domain="acme.example")
    dns_zone.publish(claim.txt_name, claim.txt_value)
    url = reverse("admin:cosmo_scim_verifieddomain_verify", args=[claim.pk])
    refused(during_deactivation(world, lambda browser: browser.post(url)))
    claim.refresh_from_db()
    assert not claim.is_verified
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.DOMAIN_VERIFIED).exists()
