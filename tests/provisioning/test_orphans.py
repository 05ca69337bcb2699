"""The orphaned access report (cosmo_scim/provisioning/orphans.py): who is listed and why, the
deactivation behind it, and ``manage.py scim_orphans``."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.utils import timezone
from scimkit import ScimClient, host, patch_op

from cosmo_scim import signals
from cosmo_scim.models import APIKey, AuditEvent, ScimUser
from cosmo_scim.provisioning import lifecycle, orphans

pytestmark = pytest.mark.django_db


def idp(key):
    return ScimClient(Client(), key)


def report(organization):
    return {str(o.person): (o.kind, o.detail) for o in orphans.find(organization)}


@pytest.fixture
def okta(org, make_key):
    return make_key(org, name="Okta")


def test_an_organization_without_scim_has_no_report(org, make_member, make_key):
    make_member(org, email="hand@acme.example")
    make_key(org, scim=False, name="CI")
    assert not orphans.scim_provisioned(org)
    assert orphans.find(org) == []


def test_a_hand_added_active_member_is_not_provisioned(org, okta, make_member):
    make_member(org, email="hand@acme.example")
    make_member(org, email="gone@acme.example", is_active=False)
    idp(okta[1]).create_user("jane@acme.example")
    assert report(org) == {
        "hand@acme.example": (
            orphans.NOT_PROVISIONED,
            "added by hand; the IdP does not know them",
        )
    }


def test_a_usable_scim_key_alone_makes_the_organization_scim_provisioned(org, okta, make_member):
    make_member(org, email="hand@acme.example")
    assert list(report(org)) == ["hand@acme.example"]


def test_revoked_scim_keys_alone_do_not(org, make_key, make_member):
    make_key(org, revoked=True)
    make_member(org, email="hand@acme.example")
    assert orphans.find(org) == []


def test_members_provisioned_through_a_live_key_are_not_orphaned(org, okta):
    idp(okta[1]).create_user("jane@acme.example")
    assert orphans.find(org) == []


def test_a_revoked_key_makes_its_members_stale(org, okta):
    idp(okta[1]).create_user("jane@acme.example")
    APIKey.objects.filter(pk=okta[0].pk).update(revoked=True)
    kind, detail = report(org)["jane@acme.example"]
    assert kind == orphans.STALE_LINK
    assert detail == f"provisioned through key 'Okta' ({okta[0].prefix}), which is revoked"


def test_an_expired_key_makes_its_members_stale(org, okta):
    idp(okta[1]).create_user("jane@acme.example")
    expired = timezone.now() - timedelta(days=1)
    APIKey.objects.filter(pk=okta[0].pk).update(expiry_date=expired)
    assert f"expired on {expired:%Y-%m-%d}" in report(org)["jane@acme.example"][1]


def test_a_key_no_idp_used_for_the_stale_period_makes_its_members_stale(org, okta, settings):
    idp(okta[1]).create_user("jane@acme.example")
    quiet = timezone.now() - timedelta(days=91)
    APIKey.objects.filter(pk=okta[0].pk).update(last_used_at=quiet)
    assert f"no IdP has used since {quiet:%Y-%m-%d}" in report(org)["jane@acme.example"][1]

    APIKey.objects.filter(pk=okta[0].pk).update(last_used_at=timezone.now() - timedelta(days=89))
    assert orphans.find(org) == []

    APIKey.objects.filter(pk=okta[0].pk).update(last_used_at=quiet)
    settings.COSMO_SCIM = {**settings.COSMO_SCIM, "IDP_LINK_STALE_DAYS": None}
    assert orphans.find(org) == []


def test_rotation_passes_the_link_on(org, okta):
    idp(okta[1]).create_user("jane@acme.example")
    new_key, _ = APIKey.objects.rotate(okta[0])
    assert orphans.find(org) == []
    APIKey.objects.filter(pk=new_key.pk).update(revoked=True)
    detail = report(org)["jane@acme.example"][1]
    assert f"({new_key.prefix}), which is revoked" in detail


def test_the_link_follows_the_idp_that_last_changed_the_member(org, okta, make_key):
    """An organization moving from Okta to Entra: members Entra took over are safe when the
    Okta key is revoked; the ones it never touched are reported."""
    okta_idp = idp(okta[1])
    jane = okta_idp.create_user("jane@acme.example")
    okta_idp.create_user("left@acme.example")
    _, entra_key = make_key(org, name="Entra")
    response = idp(entra_key).patch(
        f"/Users/{jane['id']}", patch_op({"op": "Replace", "path": "title", "value": "CTO"})
    )
    assert response.status_code == 200
    APIKey.objects.filter(pk=okta[0].pk).update(revoked=True)
    assert list(report(org)) == ["left@acme.example"]


def test_a_deactivation_also_links_the_member_to_the_key(org, okta, make_key):
    jane = idp(okta[1]).create_user("jane@acme.example")
    entra, entra_key = make_key(org, name="Entra")
    idp(entra_key).patch(
        f"/Users/{jane['id']}", patch_op({"op": "replace", "value": {"active": False}})
    )
    assert ScimUser.objects.get().idp_key == entra


def test_an_unknown_key_is_stale_only_without_any_live_scim_key(org, okta, make_key):
    idp(okta[1]).create_user("jane@acme.example")
    ScimUser.objects.update(idp_key=None)
    assert orphans.find(org) == []
    APIKey.objects.filter(pk=okta[0].pk).update(revoked=True)
    assert report(org)["jane@acme.example"][0] == orphans.STALE_LINK


def test_the_report_is_scoped_to_the_organization(org, other_org, okta, make_key, make_member):
    make_key(other_org, name="Entra")
    make_member(other_org, email="globex-hand@globex.example")
    make_member(org, email="hand@acme.example")
    assert list(report(org)) == ["hand@acme.example"]
    assert list(report(other_org)) == ["globex-hand@globex.example"]


# -- deactivation through the lifecycle service -----------------------------------------------


@pytest.fixture
def deactivations():
    received = []

    def receiver(sender, **kwargs):
        received.append(kwargs)

    signals.user_deactivated.connect(receiver)
    yield received
    signals.user_deactivated.disconnect(receiver)


def test_deactivating_a_hand_added_member(
    org, make_member, make_key, superuser, deactivations, client
):
    membership = make_member(org, email="hand@acme.example", password="hand-pass-1234")
    assert client.login(username="hand@acme.example", password="hand-pass-1234")
    their_key, _ = make_key(
        org, scim=False, name="Their script", created_by=host.person(membership)
    )
    actor = lifecycle.Actor(user=superuser)
    assert lifecycle.deactivate_membership(membership, actor, "left in 2023") is True
    assert host.active(membership) is False
    # The same revocations as an IdP's deactivation: sessions end, their keys stop working.
    assert client.get(host.landing_url(membership)).status_code == 302
    their_key.refresh_from_db()
    assert their_key.revoked
    [event] = AuditEvent.objects.all()
    assert (event.action, event.user_name, event.membership_id) == (
        "deactivated",
        "hand@acme.example",
        str(membership.pk),  # the key's string form, whatever its type
    )
    assert event.changes == {"active": [True, False]} and event.reason == "left in 2023"
    assert event.actor_user == superuser and event.actor_name == "root@cosmo.example (admin)"
    [sent] = deactivations
    assert sent["membership"] == membership and sent["scim_user"] is None
    assert sent["actor"] is actor and str(actor) == "root@cosmo.example (admin)"
    assert lifecycle.deactivate_membership(membership, actor, "again") is False
    assert len(deactivations) == 1


def test_deactivating_a_provisioned_member_is_an_ordinary_deactivation(
    org, okta, deactivations, client
):
    scim = idp(okta[1])
    jane = scim.create_user("jane@acme.example")
    scim_user = ScimUser.objects.get()
    actor = lifecycle.Actor(via="manage.py scim_orphans")
    assert lifecycle.deactivate_membership(scim_user.membership, actor, "stale link")
    [sent] = deactivations
    assert sent["scim_user"] == scim_user and str(actor) == "manage.py scim_orphans"
    # The IdP sees the member as inactive, with a new version.
    body = scim.get(f"/Users/{jane['id']}").json()
    assert body["active"] is False and body["meta"]["version"] == 'W/"2"'
    event = AuditEvent.objects.first()
    assert (event.action, event.scim_id, event.reason) == ("deactivated", jane["id"], "stale link")
    assert event.actor_name == "manage.py scim_orphans" and event.api_key is None


# -- the command ------------------------------------------------------------------------------


def run(*args):
    out = StringIO()
    call_command("scim_orphans", *args, stdout=out)
    return out.getvalue()


def test_command_lists_without_changing_anything(org, okta, make_member):
    membership = make_member(org, email="hand@acme.example")
    output = run("acme")
    assert "1 orphaned member(s) in Acme Inc." in output
    assert "hand@acme.example\tnot provisioned: added by hand" in output
    assert "Run again with --deactivate" in output
    assert host.active(membership)


def test_command_deactivates_every_orphan_listed(org, okta, make_member):
    hand = make_member(org, email="hand@acme.example")
    idp(okta[1]).create_user("jane@acme.example")
    output = run("acme", "--deactivate", "--reason", "Quarterly access review")
    assert (
        "hand@acme.example\tnot provisioned: added by hand; the IdP does not know them"
        "\tdeactivated" in output
    )
    hand.refresh_from_db()
    assert not host.active(hand)
    assert host.active(host.membership_of())
    event = AuditEvent.objects.first()
    assert (event.user_name, event.actor_name, event.reason) == (
        "hand@acme.example",
        "manage.py scim_orphans",
        "Quarterly access review",
    )
    assert "0 orphaned member(s)" in run("acme")


def test_command_on_an_organization_without_scim(make_org, make_member):
    team = host.refused_organization(make_org)
    make_member(team)
    assert "does not provision over SCIM" in run("smallco")


def test_command_unknown_organization():
    with pytest.raises(CommandError, match="No organization"):
        run("nope")
