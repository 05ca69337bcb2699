"""What an org admin does in Django admin, through the real admin views: sign in with their
own account (no staff flag, no Django permissions), then list, add, rotate and revoke their
organization's keys, resend its invitations, read its audit trail and provisioning
overview, map its IdP groups to roles — and reach none of the host's own admin pages the
host has not granted them. Superusers still see every organization."""

import re

import pytest
from conftest import PASSWORD
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cosmo_scim import keys
from cosmo_scim.models import APIKey, Invitation, RoleMapping

pytestmark = pytest.mark.django_db

LOGIN = reverse("admin:login")
INDEX = reverse("admin:index")
KEYS = reverse("admin:cosmo_scim_apikey_changelist")
ADD_KEY = reverse("admin:cosmo_scim_apikey_add")
REFUSED = "Please enter the correct email address and password for a staff account"


def log_in(client, email, password=PASSWORD):
    return client.post(LOGIN, {"username": email, "password": password, "next": INDEX})


# -- signing in ---------------------------------------------------------------------------


def test_an_org_admin_signs_in_with_email_and_password_and_no_staff_flag(client, world):
    assert not world.ann.is_staff and not world.ann.user_permissions.exists()
    response = log_in(client, "ann@acme.example")
    assert response.status_code == 302 and response.url == INDEX
    index = client.get(INDEX).content.decode()
    for shown in ("SCIM provisioning", "API keys", "Audit events", "Invitations", "Organizations"):
        assert shown in index
    for hidden in ("Users", "Memberships", "Teams", "Groups"):
        assert f">{hidden}<" not in index


@pytest.mark.parametrize("role", ["viewer", "developer"])
def test_other_members_are_refused_with_the_usual_message(client, world, make_member, role):
    make_member(world.a, role=role, email=f"{role}@acme.example", password=PASSWORD)
    response = log_in(client, f"{role}@acme.example")
    assert response.status_code == 200 and REFUSED in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_deactivated_org_admin_is_refused(client, world, make_member):
    make_member(
        world.a, role="admin", is_active=False, email="gone@acme.example", password=PASSWORD
    )
    response = log_in(client, "gone@acme.example")
    assert REFUSED in response.content.decode()


def test_a_signed_in_viewer_gets_the_login_page(client, world, make_member):
    viewer = make_member(world.a, role="viewer", email="vic@acme.example").user
    client.force_login(viewer)
    response = client.get(KEYS)
    assert response.status_code == 302 and response.url.startswith(LOGIN)
    page = client.get(response.url).content.decode()
    assert "You are authenticated as vic@acme.example, but are not authorized" in page


def test_the_administered_organizations_are_read_once_per_request(ann_client, world):
    with CaptureQueriesContext(connection) as queries:
        assert ann_client.get(KEYS).status_code == 200
    role_reads = [q["sql"] for q in queries if '"role"' in q["sql"] and "membership" in q["sql"]]
    assert len(role_reads) == 1, role_reads


# -- API keys -----------------------------------------------------------------------------


def test_the_key_list_shows_only_their_organization(ann_client, world):
    page = ann_client.get(KEYS).content.decode()
    assert "Acme Okta" in page and world.key_a.prefix in page
    assert "Globex" not in page


def test_the_organization_field_offers_only_theirs(ann_client, world):
    form = ann_client.get(ADD_KEY).context["adminform"].form
    assert list(form.fields["organization"].queryset) == [world.a]


def test_an_admin_of_one_organization_starts_with_it_chosen_and_scim_ticked(ann_client, world):
    """The sidebar's *Add* link carries no parameters: the form chooses for her."""
    response = ann_client.get(ADD_KEY)
    form = response.context["adminform"].form
    assert form.initial["organization"] == world.a.pk and form.initial["scim"] is True
    page = response.content.decode()
    assert f'<option value="{world.a.pk}" selected>' in page
    assert re.search(r'<input type="checkbox" name="scim"[^>]* checked', page)


def test_scim_is_not_ticked_for_an_organization_that_may_not_use_it(client, world, make_member):
    from django.contrib.auth import get_user_model

    smallco = world.a.__class__.objects.create(slug="smallco", name="Smallco", plan="team")
    ted = make_member(smallco, role="admin", email="ted@smallco.example").user
    client.force_login(get_user_model().objects.get(pk=ted.pk))
    form = client.get(ADD_KEY).context["adminform"].form
    assert form.initial["organization"] == smallco.pk and not form.initial["scim"]


def test_an_admin_of_two_organizations_chooses(ann_client, world, make_member):
    make_member(world.b, user=world.ann, role="admin")
    form = ann_client.get(ADD_KEY).context["adminform"].form
    assert "organization" not in form.initial and "scim" not in form.initial


def test_an_org_admin_creates_a_scim_key_for_their_organization(ann_client, world):
    response = ann_client.post(
        ADD_KEY, {"organization": world.a.pk, "name": "Entra", "scim": "on"}, follow=True
    )
    assert response.status_code == 200
    key = response.context["plaintext_key"]
    api_key = keys.authenticate(f"Bearer {key}")
    assert (api_key.organization, api_key.name, api_key.created_by) == (world.a, "Entra", world.ann)


def test_an_org_admin_rotates_their_key(ann_client, world):
    url = reverse("admin:cosmo_scim_apikey_rotate", args=[world.key_a.pk])
    assert ann_client.get(url).status_code == 200
    response = ann_client.post(url, follow=True)
    new = keys.authenticate(f"Bearer {response.context['plaintext_key']}")
    assert new.replaces == world.key_a and new.created_by == world.ann


def test_an_org_admin_revokes_their_key(ann_client, world):
    response = ann_client.post(
        KEYS, {"action": "revoke_keys", "_selected_action": [world.key_a.pk]}, follow=True
    )
    assert "Revoked 1 API key" in response.content.decode()
    assert APIKey.objects.get(pk=world.key_a.pk).revoked


def test_keys_still_cannot_be_deleted(ann_client, world):
    url = reverse("admin:cosmo_scim_apikey_delete", args=[world.key_a.pk])
    assert ann_client.get(url).status_code == 403


# -- invitations, audit trail, role mappings, overview ------------------------------------


def test_an_org_admin_resends_their_invitation(
    ann_client, world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = ann_client.post(
            reverse("admin:cosmo_scim_invitation_changelist"),
            {"action": "resend", "_selected_action": [world.invitation_a.pk]},
            follow=True,
        )
    assert "Resending 1 invitation(s)" in response.content.decode()
    invitation = Invitation.objects.get(pk=world.invitation_a.pk)
    assert invitation.status == "pending" and invitation.sent_at is not None


def test_an_org_admin_reads_their_audit_trail_but_cannot_change_it(ann_client, world):
    url = reverse("admin:cosmo_scim_auditevent_changelist")
    page = ann_client.get(url).content.decode()
    assert "jane@acme.example" in page and "bob@globex.example" not in page
    change = reverse("admin:cosmo_scim_auditevent_change", args=[world.event_a.pk])
    assert ann_client.get(change).status_code == 200
    assert ann_client.post(change, {"user_name": "x"}).status_code == 403


def test_an_org_admin_maps_a_group_of_their_organization(ann_client, world):
    url = reverse("admin:cosmo_scim_rolemapping_add")
    data = {
        "organization": world.a.pk,
        "match": "displayName",
        "value": "Acme Admins",
        "role": "admin",
    }
    assert ann_client.post(url, data).status_code == 302
    assert RoleMapping.objects.filter(organization=world.a, value="Acme Admins").exists()


def test_an_org_admin_sees_their_overview_and_deactivates_an_orphan(ann_client, world):
    from cosmo_project.organizations.models import Membership

    url = reverse("admin:organizations_organization_scim", args=[world.a.pk])
    response = ann_client.get(url)
    assert response.status_code == 200
    assert [r["key"].name for r in response.context["keys"]] == ["Acme Okta"]
    jane = Membership.objects.get(user__email="jane@acme.example")
    assert jane.pk in [o.membership.pk for o in response.context["orphans"]]

    deactivate = reverse(
        "admin:organizations_organization_scim_deactivate_orphans", args=[world.a.pk]
    )
    response = ann_client.post(deactivate, {"membership": [jane.pk], "reason": "Left"}, follow=True)
    assert "Deactivated 1 member(s): jane@acme.example" in response.content.decode()
    jane.refresh_from_db()
    assert not jane.is_active


def test_organization_autocomplete_offers_only_theirs(ann_client, world):
    response = ann_client.get(
        reverse("admin:autocomplete"),
        {"app_label": "cosmo_scim", "model_name": "apikey", "field_name": "organization"},
    )
    assert [r["id"] for r in response.json()["results"]] == [str(world.a.pk)]


# -- the host's own admin pages -------------------------------------------------------------


def test_their_organizations_are_view_only_and_link_to_the_overview(ann_client, world):
    listing = ann_client.get(reverse("admin:organizations_organization_changelist"))
    assert "Acme Inc." in listing.content.decode() and "Globex" not in listing.content.decode()
    change = reverse("admin:organizations_organization_change", args=[world.a.pk])
    page = ann_client.get(change)
    assert page.status_code == 200 and page.context["has_change_permission"] is False
    overview = reverse("admin:organizations_organization_scim", args=[world.a.pk])
    assert overview in page.content.decode()
    # The plan stays the host's to change.
    response = ann_client.post(change, {"name": "Acme Inc.", "slug": "acme", "plan": "free"})
    assert response.status_code == 403
    world.a.refresh_from_db()
    assert world.a.plan == "enterprise"


@pytest.mark.parametrize(
    "url_name",
    [
        "accounts_user_changelist",
        "organizations_membership_changelist",
        "organizations_team_changelist",
        "auth_group_changelist",
        "organizations_organization_add",
    ],
)
def test_the_hosts_other_pages_stay_closed(ann_client, world, url_name):
    assert ann_client.get(reverse(f"admin:{url_name}")).status_code == 403


def test_an_org_admin_cannot_edit_a_membership_or_their_own_account(ann_client, world):
    from cosmo_project.organizations.models import Membership

    jane = Membership.objects.get(user__email="jane@acme.example")
    url = reverse("admin:organizations_membership_change", args=[jane.pk])
    assert ann_client.post(url, {"role": "admin", "is_active": "on"}).status_code == 403
    own = reverse("admin:accounts_user_change", args=[world.ann.pk])
    assert ann_client.post(own, {"email": "ann@acme.example", "is_staff": "on"}).status_code == 403
    world.ann.refresh_from_db()
    assert not world.ann.is_staff


def test_what_the_host_grants_still_works(client, world, make_member):
    """Django permissions still open the host's own pages: here, viewing memberships."""
    ann = world.ann
    ann.user_permissions.add(Permission.objects.get(codename="view_membership"))
    client.force_login(ann)
    assert client.get(reverse("admin:organizations_membership_changelist")).status_code == 200


# -- superusers ---------------------------------------------------------------------------


def test_a_superuser_sees_every_organization(admin_client, world):
    page = admin_client.get(KEYS).content.decode()
    assert "Acme Okta" in page and "Globex Okta" in page
    form = admin_client.get(ADD_KEY).context["adminform"].form
    assert set(form.fields["organization"].queryset) == {world.a, world.b}
    overview = reverse("admin:organizations_organization_scim", args=[world.b.pk])
    assert admin_client.get(overview).status_code == 200
    events = admin_client.get(reverse("admin:cosmo_scim_auditevent_changelist")).content.decode()
    assert "jane@acme.example" in events and "bob@globex.example" in events
