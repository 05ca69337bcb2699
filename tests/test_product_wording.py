"""The product's words come from the host: its name, its API key marker and its plan
sentence. Cosmo's settings name Cosmo; a host that names nothing reads neutral words, and
changing the key marker never locks out an IdP holding an older key."""

import re

import pytest
from django.core import mail
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse
from scimkit import accept_link, user_body

from cosmo_scim import keys
from cosmo_scim.host import HostAdapter
from cosmo_scim.models import APIKey

pytestmark = pytest.mark.django_db


@pytest.fixture
def host_settings(settings):
    """Change COSMO_SCIM keys for one test: ``host_settings(PRODUCT_NAME=None)``."""

    def change(**values):
        settings.COSMO_SCIM = {**settings.COSMO_SCIM, **values}

    return change


@pytest.fixture
def neutral_host(settings):
    """A host that sets only what it must: no product name, no key marker, the stock
    adapter."""
    settings.COSMO_SCIM = {
        name: settings.COSMO_SCIM[name]
        for name in ("ORGANIZATION_MODEL", "MEMBERSHIP_MODEL", "TEAM_MODEL")
    }


# -- the API key marker -------------------------------------------------------------------


def test_cosmo_keys_carry_cosmos_marker(org, make_key):
    _, key = make_key(org)
    assert key.startswith("cosmo_")


def test_a_host_naming_no_marker_gets_the_neutral_one(neutral_host, org, make_key):
    _, key = make_key(org)
    assert key.startswith("scim_") and "cosmo" not in key
    assert keys.authenticate(f"Bearer {key}").organization == org


def test_keys_issued_under_an_earlier_marker_keep_working(host_settings, org, make_key):
    old_api_key, old_key = make_key(org, name="Okta")
    host_settings(API_KEY_PREFIX="acme_")
    new_api_key, new_key = make_key(org, name="Entra")
    assert old_key.startswith("cosmo_") and new_key.startswith("acme_")
    assert keys.authenticate(f"Bearer {old_key}").pk == old_api_key.pk
    assert keys.authenticate(f"Bearer {new_key}").pk == new_api_key.pk
    # Rotation issues the successor under the current marker.
    _, rotated = APIKey.objects.rotate(old_api_key)
    assert rotated.startswith("acme_")


def test_an_empty_marker_is_allowed_and_the_old_ones_still_parse(host_settings, org, make_key):
    _, old_key = make_key(org)
    host_settings(API_KEY_PREFIX="")
    _, bare = make_key(org)
    assert keys.authenticate(f"Bearer {bare}").organization == org
    assert keys.authenticate(f"Bearer {old_key}").organization == org


def test_another_marker_on_a_real_key_is_refused(org, make_key):
    """The hash covers the marker: re-labelling a leaked key does not make a new one."""
    api_key, key = make_key(org)
    relabelled = "acme_" + key.removeprefix("cosmo_")
    with pytest.raises(keys.KeyRejected, match="Unknown") as excinfo:
        keys.authenticate(f"Bearer {relabelled}")
    assert excinfo.value.prefix == api_key.prefix


@pytest.mark.parametrize("marker", ["has space ", "dot.", "x" * 17, "ünï_", None])
def test_a_marker_a_bearer_token_cannot_carry_is_a_configuration_error(host_settings, org, marker):
    host_settings(API_KEY_PREFIX=marker)
    with pytest.raises(ImproperlyConfigured, match="API_KEY_PREFIX"):
        APIKey.objects.create_key(organization=org, name="Okta", scim=True)


# -- the product name ---------------------------------------------------------------------


def create_key_in_admin(client, organization):
    return client.post(
        reverse("admin:cosmo_scim_apikey_add"),
        {"organization": organization.pk, "name": "Okta", "scim": "on"},
        follow=True,
    )


def test_the_key_page_names_the_product(admin_client, org):
    page = create_key_in_admin(admin_client, org).content.decode()
    assert "shown only once: Cosmo stores only a hash of it." in page


def test_a_host_naming_no_product_reads_a_neutral_key_page(admin_client, host_settings, org):
    host_settings(PRODUCT_NAME=None)
    page = create_key_in_admin(admin_client, org).content.decode()
    assert "shown only once: only a hash of it is stored." in page
    assert "Cosmo stores" not in page


@pytest.mark.django_db(transaction=True)
def test_the_invitation_names_the_product_the_host_names(scim, host_settings):
    host_settings(PRODUCT_NAME="Orbit")
    assert scim.post("/Users", user_body("jane@acme.example")).status_code == 201
    host_settings(PRODUCT_NAME=None)
    assert scim.post("/Users", user_body("joe@acme.example")).status_code == 201
    named, neutral = mail.outbox
    assert named.subject == "Acme Inc. invites you to join them on Orbit"
    assert "has given you access to Orbit (jane@acme.example)" in named.body
    assert "has given you access to Orbit" in named.alternatives[0][0]
    assert neutral.subject == "Acme Inc. invites you to join their organization"
    assert "has given you access (joe@acme.example)" in neutral.body
    assert "Cosmo" not in neutral.body + neutral.alternatives[0][0]


def test_the_admin_names_the_product_or_nothing(admin_client, host_settings):
    page = admin_client.get(reverse("admin:index")).content.decode()
    assert "Cosmo administration" in page and "| Cosmo admin</title>" in page
    host_settings(PRODUCT_NAME=None)
    page = admin_client.get(reverse("admin:index")).content.decode()
    assert "Administration</a>" in page and "| Admin</title>" in page
    assert "Django" not in page


@pytest.mark.django_db(transaction=True)
def test_the_invitation_page_names_the_product(client, host_settings, scim):
    assert scim.post("/Users", user_body("jane@acme.example")).status_code == 201
    client.get(re.sub(r"^https?://[^/]+", "", accept_link(mail.outbox[0])))
    assert "Join Acme Inc. on Cosmo" in client.get("/invitations/accept/").content.decode()
    host_settings(PRODUCT_NAME=None)
    page = client.get("/invitations/accept/").content.decode()
    assert "Join Acme Inc.</h2>" in page and "Cosmo</" not in page.partition("<main>")[2]


def test_the_admin_calls_the_tenant_what_the_host_calls_it(admin_client, org, monkeypatch):
    """A host whose tenant model is a "company" reads "Company" on the key form, the lists,
    their filter and the key page, not the foreign key's "organization"."""
    from cosmo_scim import conf

    monkeypatch.setattr(conf.organization_model()._meta, "verbose_name", "company")
    monkeypatch.setattr(conf.organization_model()._meta, "verbose_name_plural", "companies")
    form = admin_client.get(reverse("admin:cosmo_scim_apikey_add")).context["adminform"].form
    assert form.fields["organization"].label == "Company"
    create_key_in_admin(admin_client, org)
    for model in ("apikey", "invitation", "auditevent", "rolemapping", "verifieddomain"):
        listing = admin_client.get(reverse(f"admin:cosmo_scim_{model}_changelist"))
        page = listing.content.decode()
        assert "By company" in page and "By organization" not in page, model
        headers = [header["text"] for header in listing.context["result_headers"]]
        assert "Company" in headers and "Organization" not in headers, model


# -- the plan sentence --------------------------------------------------------------------


class FlagAdapter(HostAdapter):
    """A host whose SCIM is a per-organization switch rather than a plan."""

    def scim_allowed(self, organization):
        return organization.name.endswith("(SCIM)")


def test_a_host_with_its_own_rule_reads_no_plan_it_does_not_have(
    admin_client, client, host_settings, org, make_key
):
    _, key = make_key(org)
    host_settings(HOST_ADAPTER="test_product_wording.FlagAdapter")
    response = client.get("/scim/v2/Users", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 403
    detail = response.json()["detail"]
    assert detail == "Acme Inc. may not use SCIM provisioning."

    form_page = create_key_in_admin(admin_client, org)
    errors = " ".join(form_page.context["adminform"].form.errors["scim"])
    assert detail in errors
    help_text = admin_client.get(reverse("admin:cosmo_scim_apikey_add")).content.decode()
    for page in (errors, help_text, detail):
        assert "Enterprise" not in page and "Upgrade" not in page
