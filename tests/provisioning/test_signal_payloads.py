"""The signals carry exactly what cosmo_scim.signals documents for typed receivers
(``UserChange``, ``GroupMembersChanged``…): a receiver annotated with ``Unpack[...]`` of
them gets every key, of the documented kind, and nothing else."""

import pytest
from scimkit import (
    deactivate_patch,
    host,
    okta_group,
    patch_op,
    reactivate_patch,
    signals_received,
    user_body,
)

from cosmo_scim import signals
from cosmo_scim.models import Invitation, ScimGroup, ScimUser
from cosmo_scim.provisioning import acceptance
from cosmo_scim.provisioning.lifecycle import Actor

pytestmark = pytest.mark.django_db

PAYLOADS = {
    "user_provisioned": signals.UserProvisioned,
    "user_updated": signals.UserUpdated,
    "user_deactivated": signals.UserChange,
    "user_reactivated": signals.UserProvisioned,
    "user_removed": signals.UserChange,
    "user_accepted": signals.UserAccepted,
    "group_created": signals.GroupChange,
    "group_updated": signals.GroupUpdated,
    "group_members_changed": signals.GroupMembersChanged,
    "group_deleted": signals.GroupChange,
}


@pytest.fixture
def received():
    with signals_received(PAYLOADS) as sent:
        yield sent


def test_every_signal_carries_its_documented_payload(scim, org, received):
    jane = scim.create_user("jane@acme.com")["id"]
    acceptance.accept_invitation(Invitation.objects.get())
    scim.put(f"/Users/{jane}", user_body("jane@acme.com", given="Janet"))
    scim.patch(f"/Users/{jane}", deactivate_patch())
    scim.patch(f"/Users/{jane}", reactivate_patch())
    group = scim.post("/Groups", okta_group("Engineering", [jane])).json()["id"]
    scim.patch(f"/Groups/{group}", patch_op({"op": "remove", "path": "members"}))
    scim.patch(f"/Groups/{group}", patch_op({"op": "replace", "path": "displayName", "value": "P"}))
    scim.delete(f"/Groups/{group}")
    membership = host.membership_of(jane)
    scim.delete(f"/Users/{jane}")

    assert {name for name, _, _ in received} == set(PAYLOADS)
    for name, sender, kwargs in received:
        payload = PAYLOADS[name]
        assert kwargs.keys() == payload.__required_keys__, name
        assert kwargs["organization"] == org and isinstance(kwargs["actor"], Actor)
        if name.startswith("user_"):
            assert sender is ScimUser and isinstance(kwargs["membership"], type(membership))
            assert isinstance(kwargs["scim_user"], ScimUser)
        else:
            assert sender is ScimGroup and isinstance(kwargs["group"], ScimGroup)
        if "invitation" in kwargs:
            assert kwargs["invitation"] is None or isinstance(kwargs["invitation"], Invitation)
        if "changes" in kwargs:
            assert all(len(pair) == 2 for pair in kwargs["changes"].values())
        if name == "group_members_changed":
            assert kwargs["added"] + kwargs["removed"] == [membership.pk]
