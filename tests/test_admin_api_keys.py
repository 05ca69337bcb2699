"""API keys in Django admin, through the real admin views: show once, SCIM refusal, revoke."""

import pytest
from django.urls import reverse

from cosmo_scim import keys
from cosmo_scim.models import APIKey

pytestmark = pytest.mark.django_db

ADD_URL = reverse("admin:cosmo_scim_apikey_add")
LIST_URL = reverse("admin:cosmo_scim_apikey_changelist")


def add_key(client, organization, name="Okta", scim=True):
    data = {"organization": organization.pk, "name": name}
    if scim:
        data["scim"] = "on"
    return client.post(ADD_URL, data)


def test_add_form_has_a_scim_checkbox(admin_client):
    response = admin_client.get(ADD_URL)
    assert response.status_code == 200
    assert 'type="checkbox" name="scim"' in response.content.decode()


def test_created_key_is_shown_exactly_once(admin_client, org, superuser):
    response = add_key(admin_client, org)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    page = response.content.decode()
    api_key = APIKey.objects.get()
    key = response.context["plaintext_key"]
    assert key in page and "shown only once" in page
    # The key works, belongs to the organization, carries the permission and its creator.
    assert keys.authenticate(f"Bearer {key}").pk == api_key.pk
    assert api_key.scim and api_key.organization == org and api_key.created_by == superuser

    secret = key.partition(".")[2]
    for url in (LIST_URL, reverse("admin:cosmo_scim_apikey_change", args=[api_key.pk])):
        later = admin_client.get(url)
        assert later.status_code == 200
        assert secret not in later.content.decode()
    assert secret not in api_key.hashed_key and secret not in api_key.id


def test_scim_checkbox_is_refused_for_a_non_enterprise_organization(admin_client, make_org):
    team_org = make_org("smallco", plan="team")
    response = add_key(admin_client, team_org)
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert "SCIM provisioning requires the Enterprise plan" in " ".join(form.errors["scim"])
    assert not APIKey.objects.exists()


def test_non_enterprise_organization_may_have_a_plain_key(admin_client, make_org):
    team_org = make_org("smallco", plan="team")
    response = add_key(admin_client, team_org, scim=False)
    assert response.status_code == 200
    assert APIKey.objects.get().scim is False


def test_granting_scim_later_is_refused_too(admin_client, make_org, make_key):
    team_org = make_org("smallco", plan="team")
    api_key, _ = make_key(team_org, scim=False)
    url = reverse("admin:cosmo_scim_apikey_change", args=[api_key.pk])
    response = admin_client.post(url, {"name": api_key.name, "scim": "on"})
    assert response.status_code == 200
    assert "scim" in response.context["adminform"].form.errors
    api_key.refresh_from_db()
    assert api_key.scim is False


def test_changelist_shows_the_columns_admins_need(admin_client, org, make_key):
    api_key, _ = make_key(org, name="Entra")
    page = admin_client.get(LIST_URL).content.decode()
    for text in ("Entra", "Acme Inc.", api_key.prefix, "SCIM", "Last used at", "Revoked"):
        assert text in page


def test_revoke_action(admin_client, org, make_key):
    api_key, key = make_key(org)
    response = admin_client.post(
        LIST_URL, {"action": "revoke_keys", "_selected_action": [api_key.pk]}, follow=True
    )
    assert "Revoked 1 API key" in response.content.decode()
    api_key.refresh_from_db()
    assert api_key.revoked
    with pytest.raises(keys.KeyRejected):
        keys.authenticate(f"Bearer {key}")


def test_keys_cannot_be_deleted_only_revoked(admin_client, org, make_key):
    api_key, _ = make_key(org)
    response = admin_client.get(reverse("admin:cosmo_scim_apikey_delete", args=[api_key.pk]))
    assert response.status_code == 403
