"""The host product's access rules: dashboard and the key-authenticated members API."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def dashboard(org):
    return reverse("org-dashboard", args=[org.slug])


def test_anonymous_visitor_is_sent_to_login(client, org):
    response = client.get(dashboard(org))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_active_member_sees_the_organization_and_its_members(client, org, make_member):
    membership = make_member(org, first_name="Jane", last_name="Doe")
    make_member(org, first_name="John", last_name="Roe")
    client.force_login(membership.user)
    response = client.get(dashboard(org))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Acme Inc." in page and "Jane Doe" in page and "John Roe" in page


def test_logged_in_non_member_gets_403(client, org, make_org, make_member):
    other = make_member(make_org("globex"))
    client.force_login(other.user)
    assert client.get(dashboard(org)).status_code == 403


def test_inactive_member_gets_403(client, org, make_member):
    membership = make_member(org, is_active=False)
    client.force_login(membership.user)
    assert client.get(dashboard(org)).status_code == 403


def test_membership_is_checked_on_every_request(client, org, make_member):
    membership = make_member(org)
    client.force_login(membership.user)
    assert client.get(dashboard(org)).status_code == 200
    membership.is_active = False
    membership.save()
    assert client.get(dashboard(org)).status_code == 403


def test_login_page_logs_in_by_email(client, org, make_member, make_user):
    user = make_user("Jane@Example.com", password="a-long-passphrase")
    make_member(org, user=user)
    response = client.post(
        reverse("login"), {"username": "jane@example.com", "password": "a-long-passphrase"}
    )
    assert response.status_code == 302
    assert client.get(dashboard(org)).status_code == 200


def test_members_api_lists_only_the_keys_organization(client, org, make_org, make_member, make_key):
    mine = make_member(org)
    make_member(make_org("globex"))
    _, key = make_key(org, scim=False)
    response = client.get(reverse("api-members"), HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 200
    emails = [row["email"] for row in response.json()["results"]]
    assert emails == [mine.user.email]


@pytest.mark.parametrize("header", [None, "Bearer cosmo_nope.nope", "Token abc"])
def test_members_api_requires_a_valid_key(client, org, header):
    extra = {"HTTP_AUTHORIZATION": header} if header else {}
    response = client.get(reverse("api-members"), **extra)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_members_api_refuses_revoked_keys(client, org, make_key):
    api_key, key = make_key(org)
    api_key.revoked = True
    api_key.save()
    response = client.get(reverse("api-members"), HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 401
