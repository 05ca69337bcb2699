"""Two tenants with a bit of everything the admin shows, and the people who sign in to it.

Acme (A) is administered by Ann; Globex (B) is the other tenant, whose every object carries
"globex" in a visible field, so a page that shows anything of B says "globex" somewhere.
B's objects are made directly, not through SCIM, so these tests depend on nothing but the
admin and the scope rule.
"""

from types import SimpleNamespace

import pytest
from django.contrib.auth.models import Permission

PASSWORD = "org-admin-pass-1234"
COSMO_SCIM_MODELS = ("apikey", "auditevent", "invitation", "rolemapping")


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Ann has a password (the login tests use it); hashing it the production way would
    cost most of each of the matrix's many tests."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world(org, other_org, make_key, make_member):
    from cosmo_scim.models import AuditEvent, Invitation, RoleMapping

    a, b = org, other_org
    ann = make_member(a, role="admin", email="ann@acme.example", password=PASSWORD).user
    jane = make_member(a, role="viewer", email="jane@acme.example")
    bob = make_member(b, role="viewer", email="bob@globex.example")
    orphan_b = make_member(b, role="developer", email="orphan@globex.example")
    return SimpleNamespace(
        a=a,
        b=b,
        ann=ann,
        key_a=make_key(a, name="Acme Okta")[0],
        key_b=make_key(b, name="Globex Okta")[0],
        invitation_a=Invitation.objects.create(
            organization=a, membership=jane, email="jane@acme.example", status="failed"
        ),
        invitation_b=Invitation.objects.create(
            organization=b, membership=bob, email="bob@globex.example", status="failed"
        ),
        event_a=AuditEvent.objects.create(
            organization=a, action="provisioned", user_name="jane@acme.example"
        ),
        event_b=AuditEvent.objects.create(
            organization=b, action="provisioned", user_name="bob@globex.example"
        ),
        mapping_a=RoleMapping.objects.create(organization=a, value="Acme Devs", role="developer"),
        mapping_b=RoleMapping.objects.create(organization=b, value="Globex Admins", role="admin"),
        orphan_b=orphan_b,
    )


def cosmo_scim_permissions():
    """Every Django permission on cosmo_scim's admin models: what reproduction 1's staff
    user held."""
    return Permission.objects.filter(
        content_type__app_label="cosmo_scim", content_type__model__in=COSMO_SCIM_MODELS
    )


@pytest.fixture
def org_admin(world):
    """Ann: admin of A, no staff flag, no Django permissions."""
    return world.ann


@pytest.fixture
def staff_with_permissions(world, make_member):
    """Staff, every cosmo_scim permission, a developer (not admin) in A."""
    user = make_member(world.a, role="developer", email="sam@acme.example", is_staff=True).user
    user.user_permissions.add(*cosmo_scim_permissions())
    return user


@pytest.fixture
def staff_org_admin(world, make_member):
    """Staff, every cosmo_scim permission, and admin of A."""
    user = make_member(world.a, role="admin", email="sue@acme.example", is_staff=True).user
    user.user_permissions.add(*cosmo_scim_permissions())
    return user


@pytest.fixture
def ann_client(client, world):
    client.force_login(world.ann)
    return client


def snapshot_of_b(world):
    """Everything a request could change of B, plus how many rows each model has."""
    from cosmo_project.organizations.models import Membership
    from cosmo_scim.models import APIKey, AuditEvent, Invitation, RoleMapping

    b = world.b
    return {
        "keys": list(
            APIKey.objects.filter(organization=b)
            .order_by("pk")
            .values_list("pk", "name", "scim", "revoked", "expiry_date")
        ),
        "invitations": list(
            Invitation.objects.filter(organization=b)
            .order_by("pk")
            .values_list("pk", "status", "token_hash", "send_attempts", "last_error")
        ),
        "mappings": list(
            RoleMapping.objects.filter(organization=b)
            .order_by("pk")
            .values_list("pk", "match", "value", "role")
        ),
        "memberships": list(
            Membership.objects.filter(organization=b)
            .order_by("pk")
            .values_list("pk", "role", "is_active")
        ),
        "plan": (b.__class__.objects.get(pk=b.pk).plan),
        "counts": [
            model.objects.count()
            for model in (APIKey, AuditEvent, Invitation, RoleMapping, Membership)
        ],
    }
