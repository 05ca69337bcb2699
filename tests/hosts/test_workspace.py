"""What only a host shaped unlike Cosmo shows: Django's stock auth.User (username login,
emails not unique), a membership whose fields are named otherwise, and text primary keys
for the workspace and its squads. Runs with
``DJANGO_SETTINGS_MODULE=tests.hosts.workspace.settings`` (conftest.py); the shared suite
(conftest.ANY_HOST) runs against this host too."""

import logging
import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import call_command
from django.db import IntegrityError
from django.test import Client
from scimkit import accept_link, host, okta_group, user_body

from cosmo_scim.host import HostAdapter
from cosmo_scim.models import ScimGroup, ScimUser
from tests.hosts.workspace.workspaces.models import Squad, Workspace, WorkspaceMember

# Real commits: invitations go out on commit, as in production.
pytestmark = pytest.mark.django_db(transaction=True)
User = get_user_model()


def test_the_host_is_the_workspace_product():
    assert User._meta.label == "auth.User"
    assert host.memberships().model is WorkspaceMember
    # Text keys: the organization and team columns of cosmo_scim's tables follow them.
    assert {Workspace._meta.pk.get_internal_type(), Squad._meta.pk.get_internal_type()} == {
        "CharField"
    }


def test_a_new_person_gets_an_email_and_a_username_and_the_invitation(scim, org):
    created = scim.create_user("jane@acme.com")
    person = User.objects.get()
    assert (person.username, person.email) == ("jane@acme.com", "jane@acme.com")
    assert (person.first_name, person.last_name) == ("Jane", "Doe")
    assert not person.has_usable_password()
    membership = WorkspaceMember.objects.get()
    assert (membership.workspace, membership.user, membership.active) == (org, person, True)
    (message,) = mail.outbox
    assert message.to == ["jane@acme.com"]
    browser = Client()
    browser.get(re.sub(r"^https?://[^/]+", "", accept_link(message)))  # token into the session
    accepted = browser.post(
        "/invitations/accept/",
        {
            "new_password1": "stellar-nebula-42",
            "new_password2": "stellar-nebula-42",
        },
    )
    assert accepted["Location"] == f"/w/{org.slug}/"
    assert browser.get(accepted["Location"]).status_code == 200
    assert Client().login(username="jane@acme.com", password="stellar-nebula-42")
    assert scim.get(f"/Users/{created['id']}").json()["active"] is True


def test_an_email_change_moves_the_username_and_frees_the_old_address(scim):
    jane = scim.create_user("jane@acme.com")
    body = user_body("jane@acme.com", email="jane.doe@acme.com")
    assert scim.put(f"/Users/{jane['id']}", body).status_code == 200
    person = User.objects.get()
    assert (person.username, person.email) == ("jane.doe@acme.com", "jane.doe@acme.com")
    # The old address provisioned again (a new hire): a new account, no unique-constraint 500.
    response = scim.post("/Users", user_body("jane.new@acme.com", email="jane@acme.com"))
    assert response.status_code == 201, response.content
    assert User.objects.get(email="jane@acme.com").username == "jane@acme.com"


def test_a_username_already_taken_gets_a_login_of_its_own(scim, make_user):
    make_user("someone@else.example").__class__.objects.filter(email="someone@else.example").update(
        username="jane@acme.com"
    )
    assert scim.post("/Users", user_body("jane@acme.com")).status_code == 201
    person = User.objects.get(email="jane@acme.com")
    assert person.username.startswith("jane-") and person.username != "jane@acme.com"
    assert mail.outbox[-1].to == ["jane@acme.com"]


def test_accounts_sharing_an_email_attach_the_oldest_with_consent(scim, org):
    first = User.objects.create_user("jane", "jane@acme.com", "her-own-pass-1")
    User.objects.create_user("jane2", "jane@acme.com", "another-pass-1")
    created = scim.create_user("jane@acme.com")
    membership = host.membership_of(created["id"])
    assert membership.user == first and membership.active is False  # awaits her consent
    assert created["active"] is True
    assert mail.outbox[-1].to == ["jane@acme.com"]
    assert User.objects.count() == 2


def test_a_host_team_constraint_is_not_reported_as_a_scim_duplicate(scim, org, caplog):
    Squad.objects.create(workspace=org, title="Platform")  # made in the product by hand
    with caplog.at_level(logging.WARNING, logger="cosmo_scim.provisioning"):
        response = scim.post("/Groups", okta_group("Platform"))
    assert response.status_code == 409
    body = response.json()
    assert "scimType" not in body and "already in use" not in body["detail"]
    assert "rule of the product's own data model" in body["detail"]
    assert not ScimGroup.objects.exists() and Squad.objects.count() == 1
    assert "one_title_per_workspace" in caplog.text or "workspaces_squad" in caplog.text


class LocalPartUsernames(HostAdapter):
    """A product that makes usernames from the address's local part (a common choice)."""

    def new_login(self, email):
        return email.split("@")[0]


def test_a_host_user_constraint_is_not_reported_as_user_name_taken(scim, org, settings, caplog):
    settings.COSMO_SCIM = {**settings.COSMO_SCIM, "HOST_ADAPTER": f"{__name__}.LocalPartUsernames"}
    assert scim.post("/Users", user_body("jane@acme.com")).status_code == 201
    with caplog.at_level(logging.WARNING, logger="cosmo_scim.provisioning"):
        response = scim.post("/Users", user_body("jane@globex.com"))
    assert response.status_code == 409
    body = response.json()
    assert "scimType" not in body and "userName" not in body["detail"]
    assert ScimUser.objects.count() == 1 and User.objects.count() == 1
    assert "auth_user" in caplog.text and "username" in caplog.text
    assert "jane@globex.com" not in caplog.text  # constraint named, values never logged


def test_the_real_duplicate_is_still_uniqueness(scim):
    scim.create_user("jane@acme.com")
    response = scim.post("/Users", user_body("JANE@acme.com", email="jane.2@acme.com"))
    assert response.status_code == 409 and response.json()["scimType"] == "uniqueness"


def test_commands_find_the_workspace_by_its_slug(org, make_key, capsys):
    call_command("scim_orphans", org.slug)
    assert "does not provision over SCIM" in capsys.readouterr().out


def test_a_host_integrity_error_leaves_nothing_behind(scim, org, monkeypatch):
    def refuse(self, organization, person, *, active):
        raise IntegrityError('null value in column "seat" violates not-null constraint')

    monkeypatch.setattr(HostAdapter, "create_membership", refuse)
    response = scim.post("/Users", user_body("jane@acme.com"))
    assert response.status_code == 409 and "scimType" not in response.json()
    assert not ScimUser.objects.exists() and not User.objects.exists()


def test_the_workspace_host_passes_every_system_check():
    from django.core import checks

    assert [m.id for m in checks.run_checks() if m.id.startswith("cosmo_scim.")] == []


def test_a_workspace_admin_reaches_their_overview_and_no_other(org, other_org, make_member):
    from django.urls import reverse

    ann = make_member(org, role="admin", email="ann@acme.com", password="ann-passphrase-77")
    make_member(other_org, role="viewer", user=ann.user)
    browser = Client()
    assert browser.login(username="ann@acme.com", password="ann-passphrase-77")
    overview = "admin:workspaces_workspace_scim"
    assert browser.get(reverse(overview, args=[org.pk])).status_code == 200
    assert browser.get(reverse(overview, args=[other_org.pk])).status_code == 404
    WorkspaceMember.objects.filter(pk=ann.pk).update(active=False)  # as a SCIM deactivation
    assert browser.get(reverse(overview, args=[org.pk])).status_code != 200
