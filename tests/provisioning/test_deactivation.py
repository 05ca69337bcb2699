"""Zero access window: SCIM deactivation ends access before the response, as a user sees it."""

import pytest
from django.test import Client
from scimkit import deactivate_patch, host, reactivate_patch, user_body
from xdist_workers import own_database

from cosmo_scim.models import APIKey, Invitation, UserSession

pytestmark = pytest.mark.django_db


def page(membership):
    """The organization's page in the product, for its active members only."""
    return host.landing_url(membership)


def provision(scim, user_name="jane@acme.example", **extra):
    response = scim.post("/Users", user_body(user_name, **extra))
    assert response.status_code == 201, response.content
    return response.json()["id"]


@pytest.fixture
def member_client(scim, org):
    """A provisioned person, logged in, who can open the dashboard."""
    scim_id = provision(scim)
    membership = host.membership(organization=org, person__email="jane@acme.example")
    browser = Client()
    browser.force_login(host.person(membership))
    assert browser.get(page(membership)).status_code == 200
    return scim_id, membership, browser


def assert_refused(browser, membership):
    response = browser.get(page(membership))
    # The session is gone: the dashboard sends the visitor to the login page.
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_patch_active_false_refuses_the_very_next_request(scim, member_client):
    scim_id, membership, browser = member_client
    assert scim.patch(f"/Users/{scim_id}", deactivate_patch()).status_code == 200
    assert_refused(browser, membership)
    assert host.active(membership) is False
    assert not UserSession.objects.filter(user=host.person(membership)).exists()


def test_put_active_false_refuses_the_very_next_request(scim, member_client):
    scim_id, membership, browser = member_client
    assert (
        scim.put(f"/Users/{scim_id}", user_body("jane@acme.example", active=False)).status_code
        == 200
    )
    assert_refused(browser, membership)


def test_delete_refuses_the_very_next_request_and_keeps_history(scim, member_client, org):
    scim_id, membership, browser = member_client
    assert scim.delete(f"/Users/{scim_id}").status_code == 204
    assert_refused(browser, membership)
    assert not host.memberships(pk=membership.pk).exists()
    assert scim.get(f"/Users/{scim_id}").status_code == 404
    invitation = Invitation.objects.get(email="jane@acme.example")
    assert invitation.status == Invitation.Status.REVOKED
    assert invitation.membership is None
    assert org.audit_events.filter(action="removed", scim_id=scim_id).exists()


def assert_deactivation_ends_the_session(scim, org):
    """A logged-in member who can open the dashboard is refused right after deactivation."""
    scim_id = provision(scim)
    membership = host.membership(organization=org)
    browser = Client()
    browser.force_login(host.person(membership))
    assert browser.get(page(membership)).status_code == 200
    assert scim.patch(f"/Users/{scim_id}", deactivate_patch()).status_code == 200
    assert_refused(browser, membership)


@pytest.mark.parametrize(
    "engine",
    ["django.contrib.sessions.backends.cache", "django.contrib.sessions.backends.cached_db"],
)
def test_cached_session_backends_end_too(scim, org, settings, engine):
    settings.SESSION_ENGINE = engine
    assert_deactivation_ends_the_session(scim, org)


@pytest.mark.redis
def test_redis_session_backend_ends_too(scim, org, settings):
    import os

    broker = os.environ["CELERY_BROKER_URL"]
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            # The broker's Redis, another database than the broker's.
            "LOCATION": f"{broker.rsplit('/', 1)[0]}/{own_database(broker, 14)}",
        }
    }
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cache"
    assert_deactivation_ends_the_session(scim, org)


def test_sessions_survive_while_another_organization_has_the_person_active(
    scim, member_client, make_org, make_member
):
    """Deactivation in Acme ends access to Acme, not the person's work at Globex: one
    organization must not be able to log a member of another out (sessions end outright
    only when no other active membership remains)."""
    scim_id, membership, browser = member_client
    other = make_member(make_org("globex"), user=host.person(membership))
    laptop = Client()
    laptop.force_login(host.person(membership))
    assert scim.patch(f"/Users/{scim_id}", deactivate_patch()).status_code == 200
    for device in (browser, laptop):
        assert device.get(page(membership)).status_code == 403
        assert device.get(page(other)).status_code == 200


def test_other_members_sessions_survive(scim, member_client, org, make_member):
    scim_id, _, _ = member_client
    colleague = make_member(org)
    browser = Client()
    browser.force_login(host.person(colleague))
    assert scim.patch(f"/Users/{scim_id}", deactivate_patch()).status_code == 200
    assert browser.get(page(colleague)).status_code == 200


@pytest.mark.cosmo_only  # Cosmo's members API
def test_api_keys_the_person_created_are_revoked(scim, member_client, org, make_org, make_key):
    scim_id, membership, _ = member_client
    made, secret = make_key(org, scim=False, name="Jane's CI", created_by=host.person(membership))
    elsewhere, _ = make_key(make_org("globex"), scim=False, created_by=host.person(membership))
    api = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert api.get("/api/v1/members/").status_code == 200
    assert scim.patch(f"/Users/{scim_id}", deactivate_patch()).status_code == 200
    assert api.get("/api/v1/members/").status_code == 401
    assert APIKey.objects.get(pk=made.pk).revoked
    assert not APIKey.objects.get(pk=elsewhere.pk).revoked  # another organization's key


@pytest.mark.cosmo_only  # Cosmo's members API
def test_reactivation_restores_the_membership_not_the_keys(scim, member_client, org, make_key):
    scim_id, membership, _ = member_client
    _made, secret = make_key(org, scim=False, created_by=host.person(membership))
    assert scim.patch(f"/Users/{scim_id}", deactivate_patch()).status_code == 200
    assert scim.patch(f"/Users/{scim_id}", reactivate_patch()).status_code == 200
    assert host.active(membership)
    browser = Client()
    browser.force_login(host.person(membership))
    assert browser.get(page(membership)).status_code == 200
    api = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert api.get("/api/v1/members/").status_code == 401


def test_logout_drops_the_session_from_the_index(client, make_user):
    user = make_user(password="a-long-passphrase-1")
    assert client.login(username=user.get_username(), password="a-long-passphrase-1")
    assert UserSession.objects.filter(user=user).count() == 1
    client.post("/accounts/logout/")
    assert not UserSession.objects.filter(user=user).exists()


def _change_password(browser, old, new):
    """Django's own PasswordChangeView, which rotates the session key
    (update_session_auth_hash → cycle_key) without a new login."""
    before = browser.session.session_key
    response = browser.post(
        "/accounts/password/",
        {"old_password": old, "new_password1": new, "new_password2": new},
    )
    assert response.status_code == 302, response.content
    assert browser.session.session_key != before
    return before


def _logged_in_member(scim, org):
    scim_id = provision(scim)
    membership = host.membership(organization=org)
    person = host.person(membership)
    person.set_password("first-passphrase-31")
    person.save()
    browser = Client()
    assert browser.login(username=person.get_username(), password="first-passphrase-31")
    return scim_id, membership, browser


def test_a_session_rotated_by_a_password_change_still_ends(scim, org):
    scim_id, membership, browser = _logged_in_member(scim, org)
    person = host.person(membership)
    old_key = _change_password(browser, "first-passphrase-31", "second-passphrase-47")
    assert browser.get(page(membership)).status_code == 200
    indexed = set(UserSession.objects.filter(user=person).values_list("session_key", flat=True))
    assert indexed == {browser.session.session_key} and old_key not in indexed
    assert scim.patch(f"/Users/{scim_id}", deactivate_patch()).status_code == 200
    assert_refused(browser, membership)


def test_without_the_session_index_middleware_a_rotated_session_survives(scim, org, settings):
    """Why the middleware is needed (system check cosmo_scim.W002 asks for it)."""
    settings.MIDDLEWARE = [
        name
        for name in settings.MIDDLEWARE
        if name != "cosmo_scim.middleware.SessionIndexMiddleware"
    ]
    scim_id, membership, browser = _logged_in_member(scim, org)
    _change_password(browser, "first-passphrase-31", "second-passphrase-47")
    assert scim.patch(f"/Users/{scim_id}", deactivate_patch()).status_code == 200
    assert (
        browser.get(page(membership)).status_code == 403
    )  # logged in still; only the page refuses
