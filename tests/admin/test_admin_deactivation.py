"""Reproduction 3: an org admin the IdP deactivates loses the admin on their next request.

Before, the staff flag let a SCIM-deactivated org admin into Django admin, where they minted
a new key and reactivated themselves through SCIM. Now the right comes from the active
admin membership, read on every request: the staff flag still opens the admin's door, but
behind it there is nothing of their organization left to use.
"""

import pytest
from conftest import PASSWORD
from django.urls import reverse
from scimkit import deactivate_patch

from cosmo_project.organizations.models import Membership
from cosmo_scim import keys
from cosmo_scim.models import APIKey

pytestmark = pytest.mark.django_db

ADD_KEY = reverse("admin:cosmo_scim_apikey_add")


@pytest.fixture
def otto(world, scim, make_member):
    """Acme's admin, with a staff flag, whose hand-made membership the IdP adopted."""
    membership = make_member(
        world.a, role="admin", email="otto@acme.example", password=PASSWORD, is_staff=True
    )
    scim_id = scim.create_user("otto@acme.example")["id"]
    membership.refresh_from_db()
    assert (membership.role, membership.is_active) == ("admin", True)
    return membership.user, scim_id


def deactivate(scim, scim_id):
    response = scim.patch(f"/Users/{scim_id}", deactivate_patch())
    assert response.status_code == 200, response.content


def test_deactivated_in_scim_they_can_no_longer_use_the_admin(client, world, scim, otto):
    user, scim_id = otto
    client.force_login(user)
    minted = client.post(
        ADD_KEY, {"organization": world.a.pk, "name": "Mine", "scim": "on"}, follow=True
    )
    own_key = minted.context["plaintext_key"]
    overview = reverse("admin:organizations_organization_scim", args=[world.a.pk])
    assert client.get(overview).status_code == 200

    deactivate(scim, scim_id)
    # Whether or not the deactivation ended the session, signing in again (the staff flag
    # still allows it) gives them nothing of Acme.
    client.force_login(user)
    keys_before = APIKey.objects.count()
    assert client.get(ADD_KEY).status_code == 403
    response = client.post(ADD_KEY, {"organization": world.a.pk, "name": "Again", "scim": "on"})
    assert response.status_code == 403
    rotate = reverse("admin:cosmo_scim_apikey_rotate", args=[world.key_a.pk])
    assert client.get(rotate).status_code == 404
    assert client.post(rotate).status_code == 404
    assert client.get(overview).status_code == 404
    assert client.get(reverse("admin:cosmo_scim_apikey_changelist")).status_code == 403
    assert APIKey.objects.count() == keys_before
    assert not APIKey.objects.get(pk=world.key_a.pk).revoked
    # The key they minted while admin went with the membership.
    with pytest.raises(keys.KeyRejected):
        keys.authenticate(f"Bearer {own_key}")


def test_they_cannot_reactivate_themselves_through_the_admin(client, world, scim, otto):
    user, scim_id = otto
    deactivate(scim, scim_id)
    client.force_login(user)
    membership = Membership.objects.get(user=user)
    url = reverse("admin:organizations_membership_change", args=[membership.pk])
    form = {"user": user.pk, "organization": world.a.pk, "role": "admin", "is_active": "on"}
    assert client.post(url, form).status_code == 403
    orphans = reverse("admin:organizations_organization_scim_deactivate_orphans", args=[world.a.pk])
    assert client.post(orphans, {"membership": [membership.pk], "reason": "x"}).status_code == 404
    mapping = {"organization": world.a.pk, "match": "displayName", "value": "All", "role": "admin"}
    assert client.post(reverse("admin:cosmo_scim_rolemapping_add"), mapping).status_code == 403
    membership.refresh_from_db()
    assert (membership.role, membership.is_active) == ("admin", False)


@pytest.mark.parametrize(
    "change", [{"is_active": False}, {"role": "viewer"}], ids=["deactivated", "demoted"]
)
def test_the_next_request_of_a_signed_in_org_admin_is_refused(ann_client, world, change):
    """Without a staff flag, losing the admin membership closes the admin itself: the next
    request, in the same session, is sent to the login page."""
    keys_url = reverse("admin:cosmo_scim_apikey_changelist")
    assert ann_client.get(keys_url).status_code == 200
    Membership.objects.filter(user=world.ann, organization=world.a).update(**change)
    response = ann_client.get(keys_url)
    assert response.status_code == 302 and response.url.startswith(reverse("admin:login"))
