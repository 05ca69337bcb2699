"""What only a host shaped unlike Cosmo and the workspace host shows: an email-login user
model without ``username``, UUID primary keys on every model, ``Company`` / ``Seat`` /
``Crew`` and roles of its own, and the default adapter's neutral rules. Runs with
``DJANGO_SETTINGS_MODULE=tests.hosts.company.settings`` (conftest.py), on PostgreSQL and
SQLite; the shared suite (conftest.ANY_HOST) runs against this host too."""

import re
import uuid
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core import checks, mail
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from scimkit import accept_link, bulk_scim_users, host, okta_group, user_body

from cosmo_scim import keys
from cosmo_scim.models import AuditEvent, RoleMapping, ScimUser
from cosmo_scim.provisioning.user_count import user_count
from tests.hosts.company.companies.models import Company, Crew, Seat

# Real commits: invitations go out on commit, as in production.
pytestmark = pytest.mark.django_db(transaction=True)
Account = get_user_model()


def test_the_host_is_the_company_product():
    assert Account._meta.label == "companies.Account"
    assert not any(field.name == "username" for field in Account._meta.fields)
    assert host.memberships().model is Seat
    for model in (Account, Company, Seat, Crew):
        assert model._meta.pk.get_internal_type() == "UUIDField"


def test_the_company_host_passes_every_system_check():
    assert [m.id for m in checks.run_checks() if m.id.startswith("cosmo_scim.")] == []


def test_provisioning_a_uuid_membership_records_its_key_in_the_audit_trail(scim, org):
    created = scim.post("/Users", user_body("jane@acme.com"))  # a 500 with a bigint column
    assert created.status_code == 201, created.content
    seat = Seat.objects.get()
    assert isinstance(seat.pk, uuid.UUID) and (seat.company, seat.is_enabled) == (org, True)
    (event,) = AuditEvent.objects.filter(action="provisioned")
    assert event.membership_id == str(seat.pk)
    assert AuditEvent.objects.filter(membership_id=seat.pk).get() == event


def test_an_unfiltered_list_counts_the_company_users(scim, org):
    """Okta's import and Entra's full sync: ``GET /Users`` with no filter, which reads the
    count row through hand-written SQL (a 500 on SQLite with a raw UUID parameter)."""
    bulk_scim_users(org, 2)  # inserted directly: the read alone is under test
    listing = scim.get("/Users")
    assert listing.status_code == 200, listing.content
    assert listing.json()["totalResults"] == 2
    assert user_count(org).users == 2


def test_create_api_key_works_for_a_company_without_a_plan(org):
    """The default adapter reads no ``plan`` field: every organization may use SCIM."""
    out = StringIO()
    call_command("create_api_key", org.handle, "--name", "Okta", "--scim", stdout=out)
    key = out.getvalue().strip().splitlines()[-1]
    assert key.startswith("co_")
    api_key = keys.authenticate("Bearer " + key)
    assert api_key.organization == org and api_key.scim


def test_roles_follow_the_company_choices_and_default(scim, org):
    """No mapped group: the role field's default (reader), never Cosmo's ``viewer``; two
    mapped groups: the first of the choices wins."""
    ann = scim.create_user("ann@acme.com")["id"]
    assert host.role(host.membership_of(ann)) == "reader"
    RoleMapping.objects.create(organization=org, value="Owners", role="owner")
    RoleMapping.objects.create(organization=org, value="Editors", role="editor")
    assert scim.post("/Groups", okta_group("Editors", [ann])).status_code == 201
    assert host.role(host.membership_of(ann)) == "editor"
    assert scim.post("/Groups", okta_group("Owners", [ann])).status_code == 201
    assert host.role(host.membership_of(ann)) == "owner"
    crews = Crew.objects.filter(company=org).values_list("label", flat=True)
    assert sorted(crews) == ["Editors", "Owners"]


def test_an_owner_administers_their_company_and_no_other(org, other_org, make_member):
    """The default adapter: the most privileged role (the first choice) administers."""
    ann = make_member(org, role="owner", email="ann@acme.com", password="ann-passphrase-77")
    make_member(other_org, role="editor", user=ann.holder)
    browser = Client()
    assert browser.login(email="ann@acme.com", password="ann-passphrase-77")
    overview = "admin:companies_company_scim"
    assert browser.get(reverse(overview, args=[org.pk])).status_code == 200
    assert browser.get(reverse(overview, args=[other_org.pk])).status_code == 404
    Seat.objects.filter(pk=ann.pk).update(role="editor")  # as a group sync would
    assert browser.get(reverse(overview, args=[org.pk])).status_code != 200


def test_a_new_person_accepts_and_lands_in_the_company(scim, org):
    created = scim.create_user("jane@acme.com")
    person = Account.objects.get()
    assert (person.email, person.given_name, person.family_name) == ("jane@acme.com", "Jane", "Doe")
    assert not person.has_usable_password()
    (message,) = mail.outbox
    browser = Client()
    browser.get(re.sub(r"^https?://[^/]+", "", accept_link(message)))  # token into the session
    password = "stellar-nebula-42"
    accepted = browser.post(
        "/invitations/accept/", {"new_password1": password, "new_password2": password}
    )
    assert accepted["Location"] == f"/c/{org.handle}/"
    assert browser.get(accepted["Location"]).content == b"Welcome to Acme Inc."
    assert Client().login(email="jane@acme.com", password=password)
    assert scim.get(f"/Users/{created['id']}").json()["active"] is True
    assert ScimUser.objects.get().membership_id == Seat.objects.get().pk
