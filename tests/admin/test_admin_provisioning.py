"""The organization's "SCIM provisioning" admin page, through the real admin views."""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.html import escape
from scimkit import ScimClient, host

from cosmo_scim.host import host_adapter

pytestmark = pytest.mark.django_db


def overview_url(organization):
    return reverse(host.organization_admin("scim"), args=[organization.pk])


def deactivate_url(organization):
    return reverse(host.organization_admin("scim_deactivate_orphans"), args=[organization.pk])


def test_organization_pages_link_to_the_overview(admin_client, org):
    change = admin_client.get(reverse(host.organization_admin("change"), args=[org.pk]))
    assert overview_url(org) in change.content.decode()
    listing = admin_client.get(reverse(host.organization_admin("changelist")))
    assert overview_url(org) in listing.content.decode()


def test_overview_shows_plan_keys_counts_and_orphans(admin_client, org, make_key, make_member):
    okta, key = make_key(org, name="Okta")
    make_key(org, name="Old Okta", revoked=True)
    make_key(org, name="Plain build key", scim=False)
    idp = ScimClient(Client(), key)
    idp.create_user("jane@acme.example")
    gone = idp.create_user("gone@acme.example")
    idp.patch(
        f"/Users/{gone['id']}",
        {
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": "replace", "value": {"active": False}}],
        },
    )
    make_member(org, email="hand@acme.example")

    response = admin_client.get(overview_url(org))
    assert response.status_code == 200
    context = response.context
    assert context["scim_allowed"] is True
    plan = getattr(org, "get_plan_display", None)  # a host with plans shows its label
    assert context["plan"] == (plan() if plan else None)
    assert context["scim_base_url"] == "http://testserver/scim/v2"
    assert [(r["key"].name, r["state"]) for r in context["keys"]] == [
        ("Okta", "active"),
        ("Old Okta", "revoked"),
    ]
    assert context["counts"] == {
        "provisioned": 2,
        "active": 1,
        "awaiting_consent": 0,
        "deactivated": 1,
    }
    # jane's invitation is out; gone's was revoked by the deactivation.
    assert context["invitations"] == {"pending": 1, "failed": 0, "unconfirmed": 0}
    assert (context["groups"], context["role_mappings"]) == (0, 0)
    assert [(e.action, e.user_name, e.api_key_name) for e in context["events"]] == [
        ("deactivated", "gone@acme.example", "Okta"),
        ("provisioned", "gone@acme.example", "Okta"),
        ("provisioned", "jane@acme.example", "Okta"),
    ]
    assert [str(o.person) for o in context["orphans"]] == ["hand@acme.example"]
    page = response.content.decode()
    assert okta.prefix in page and "hand@acme.example" in page and "Plain build key" not in page


def test_failed_invitations_are_counted_and_linked(admin_client, org, make_member):
    from cosmo_scim.models import Invitation

    membership = make_member(org, email="nomail@acme.example")
    Invitation.objects.create(
        organization=org, membership=membership, email="nomail@acme.example", status="failed"
    )
    response = admin_client.get(overview_url(org))
    assert response.context["invitations"] == {"pending": 0, "failed": 1, "unconfirmed": 0}
    failed_list = (
        reverse("admin:cosmo_scim_invitation_changelist")
        + f"?organization__id__exact={org.pk}&amp;status__exact=failed"
    )
    assert failed_list in response.content.decode()


def test_overview_of_an_organization_not_allowed_scim(admin_client, make_org):
    team = host.refused_organization(make_org)
    response = admin_client.get(overview_url(team))
    page = response.content.decode()
    assert response.context["scim_allowed"] is False
    assert escape(host_adapter().scim_refusal(team)) in page
    assert "Create a SCIM key" not in page
    assert "does not provision over SCIM yet" in page


def test_groups_and_role_mappings_are_counted(admin_client, org, make_key):
    from cosmo_scim.models import RoleMapping

    _, key = make_key(org)
    idp = ScimClient(Client(), key)
    for name in ("Engineering", "Admins"):
        response = idp.post(
            "/Groups",
            {
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
                "displayName": name,
                "members": [],
            },
        )
        assert response.status_code == 201, response.content
    RoleMapping.objects.create(organization=org, value="Admins", role=host.roles()[0])
    response = admin_client.get(overview_url(org))
    assert (response.context["groups"], response.context["role_mappings"]) == (2, 1)
    events = [(e.action, e.changes["group"]) for e in response.context["events"]]
    assert events == [("group_created", "Admins"), ("group_created", "Engineering")]
    assert "Group created" in response.content.decode()


def test_a_rotated_key_says_by_which(admin_client, org, make_key):
    from cosmo_scim.models import APIKey

    old, _ = make_key(org, name="Okta")
    new, _ = APIKey.objects.rotate(old)
    states = [r["state"] for r in admin_client.get(overview_url(org)).context["keys"]]
    assert states == ["active", f"rotated (now {new.prefix})"]


def test_deactivating_selected_orphans(admin_client, org, make_key, make_member, superuser):
    _, key = make_key(org)
    ScimClient(Client(), key).create_user("jane@acme.example")
    jane = host.membership(person__email="jane@acme.example")
    hand = make_member(org, email="hand@acme.example")
    kept = make_member(org, email="kept@acme.example")

    response = admin_client.post(
        deactivate_url(org),
        # jane is not an orphan: a forged id must not deactivate her.
        {"membership": [hand.pk, jane.pk], "reason": "Left in 2023"},
        follow=True,
    )
    assert "Deactivated 1 member(s): hand@acme.example" in response.content.decode()
    for membership, active in ((hand, False), (jane, True), (kept, True)):
        assert host.active(membership) is active
    assert [str(o.person) for o in response.context["orphans"]] == ["kept@acme.example"]
    event = response.context["events"][0]
    assert (event.action, event.user_name, event.scim_id) == (
        "deactivated",
        "hand@acme.example",
        "",
    )
    assert event.actor_name == "root@cosmo.example (admin)" and event.actor_user == superuser
    assert event.reason == "Left in 2023" and event.api_key is None
    assert "Left in 2023" in response.content.decode()


def test_the_overview_marks_you_and_never_offers_to_end_your_own_access(
    client, org, make_key, make_member
):
    """An admin added by hand is orphaned access like anyone else: she sees herself marked
    "you", with no box to tick, and a form naming her anyway is refused."""
    make_key(org)
    ann = make_member(org, role=host.roles()[0], email="ann@acme.example")  # its admin role
    hand = make_member(org, email="hand@acme.example")
    client.force_login(host.person(ann))
    response = client.get(overview_url(org))
    page = response.content.decode()
    assert [str(o.person) for o in response.context["orphans"]] == [
        "ann@acme.example",
        "hand@acme.example",
    ]
    assert 'aria-label="Select hand@acme.example"' in page
    assert 'aria-label="Select ann@acme.example"' not in page
    assert f'value="{ann.pk}"' not in page
    assert 'ann@acme.example <strong class="you">(you)</strong>' in page

    forged = {"membership": [ann.pk, hand.pk], "reason": "Cleanup"}
    response = client.post(deactivate_url(org), forged, follow=True)
    page = response.content.decode()
    assert "Your own access is not ended from here" in page
    assert "Deactivated 1 member(s): hand@acme.example" in page
    assert host.active(ann) and not host.active(hand)
    alone = client.post(deactivate_url(org), {"membership": [ann.pk], "reason": "x"}, follow=True)
    assert "Your own access is not ended from here" in alone.content.decode()
    assert "Nothing to deactivate" not in alone.content.decode() and host.active(ann)


def test_deactivation_needs_a_reason_and_a_post(admin_client, org, make_key, make_member):
    make_key(org)
    hand = make_member(org, email="hand@acme.example")
    response = admin_client.post(deactivate_url(org), {"membership": [hand.pk]}, follow=True)
    assert "give a reason" in response.content.decode()
    assert admin_client.get(deactivate_url(org)).status_code == 405
    hand.refresh_from_db()
    assert host.active(hand)


def test_host_permissions_on_organizations_do_not_reach_the_overview(
    client, org, make_key, make_member, make_user
):
    """The overview is cosmo_scim's (keys, audit trail, deactivation), scoped to the
    organization's admins: a staff auditor the host lets view every organization sees them
    listed, but their provisioning pages are a 404, as for an organization that does not
    exist."""
    from django.contrib.auth.models import Permission
    from django.contrib.contenttypes.models import ContentType

    auditor = make_user("auditor@cosmo.example", is_staff=True)
    auditor.user_permissions.add(
        Permission.objects.get(
            codename=f"view_{org._meta.model_name}",
            content_type=ContentType.objects.get_for_model(org),
        )
    )
    client.force_login(auditor)
    make_key(org)
    hand = make_member(org, email="hand@acme.example")
    listing = client.get(reverse(host.organization_admin("changelist")))
    assert "Acme Inc." in listing.content.decode()
    assert client.get(overview_url(org)).status_code == 404
    forged = client.post(deactivate_url(org), {"membership": [hand.pk], "reason": "x"})
    assert forged.status_code == 404
    hand.refresh_from_db()
    assert host.active(hand)


def test_staff_without_permission_get_nothing(client, org, make_user):
    client.force_login(make_user("staff@cosmo.example", is_staff=True))
    assert client.get(overview_url(org)).status_code == 404


def test_an_attached_account_counts_as_awaiting_consent_not_deactivated(
    admin_client, org, make_key, make_org, make_member
):
    _, key = make_key(org, name="Okta")
    make_member(make_org("globex"), email="bob@globex.example")
    ScimClient(Client(), key).create_user("bob@globex.example")
    counts = admin_client.get(overview_url(org)).context["counts"]
    assert counts == {"provisioned": 1, "active": 0, "awaiting_consent": 1, "deactivated": 0}
