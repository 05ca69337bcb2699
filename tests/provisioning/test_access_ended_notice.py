"""A person whose access a deactivation just ended is told why on the login page — the
product's (Cosmo's ``registration/login.html``) and the admin's — and nobody else is told
anything: the words reach only the browser holding the ended session's cookie, once
(cosmo_scim/provisioning/sessions.py)."""

import pytest
from django.conf import settings
from django.test import Client
from scimkit import deactivate_patch, host, user_body

from cosmo_scim.provisioning import sessions

pytestmark = pytest.mark.django_db

IDP_WORDS = "Acme Inc. ended your access through its identity provider"
ADMIN_WORDS = "An administrator of Acme Inc. ended your access"


def signed_in(scim, org, email="jane@acme.example"):
    response = scim.post("/Users", user_body(email))
    assert response.status_code == 201, response.content
    membership = host.membership(organization=org, person__email=email)
    browser = Client()
    browser.force_login(host.person(membership))
    assert browser.get(host.landing_url(membership)).status_code == 200
    return response.json()["id"], membership, browser


def login_page_after(browser, url):
    """The page the browser's next visit to ``url`` ends on (the login page)."""
    response = browser.get(url, follow=True)
    assert response.redirect_chain and "login" in response.redirect_chain[-1][0]
    return response.content.decode()


@pytest.mark.parametrize(
    "engine",
    [
        "django.contrib.sessions.backends.db",
        "django.contrib.sessions.backends.cache",
        "django.contrib.sessions.backends.cached_db",
    ],
)
def test_the_idps_deactivation_is_explained_to_that_browser_once(scim, org, settings, engine):
    settings.SESSION_ENGINE = engine
    scim_id, membership, browser = signed_in(scim, org)
    ended_key = browser.cookies[settings.SESSION_COOKIE_NAME].value
    assert scim.patch(f"/Users/{scim_id}", deactivate_patch()).status_code == 200

    page = login_page_after(browser, host.landing_url(membership))
    assert IDP_WORDS in page
    assert browser.cookies[settings.SESSION_COOKIE_NAME].value != ended_key
    # Once: a reload, or another visit, says nothing more.
    assert IDP_WORDS not in browser.get("/accounts/login/").content.decode()
    assert IDP_WORDS not in login_page_after(browser, host.landing_url(membership))


def test_nobody_else_is_told_anything(scim, org, make_member):
    scim_id, membership, browser = signed_in(scim, org)
    ended_key = browser.cookies[settings.SESSION_COOKIE_NAME].value
    colleague = Client()
    colleague.force_login(host.person(make_member(org, email="colleague@acme.example")))
    assert scim.patch(f"/Users/{scim_id}", deactivate_patch()).status_code == 200

    stranger = Client()
    guesser = Client()
    guesser.cookies[settings.SESSION_COOKIE_NAME] = ended_key[:-1] + "x"
    for other in (stranger, guesser, colleague):
        page = other.get("/accounts/login/").content.decode()
        assert "ended your access" not in page and "Acme Inc." not in page
    # The marker is not a session anyone holds: only the ended cookie leads to it.
    assert IDP_WORDS in login_page_after(browser, host.landing_url(membership))


def test_an_admins_deactivation_says_an_administrator_did(
    scim, org, make_member, admin_client, superuser
):
    hand = make_member(org, email="hand@acme.example")
    browser = Client()
    browser.force_login(host.person(hand))
    assert browser.get(host.landing_url(hand)).status_code == 200
    url = f"/admin/organizations/organization/{org.pk}/scim/deactivate-orphans/"
    admin_client.post(url, {"membership": [hand.pk], "reason": "Left"})
    assert not host.active(hand)
    page = login_page_after(browser, host.landing_url(hand))
    assert ADMIN_WORDS in page and "identity provider" not in page


def test_the_admins_own_login_page_explains_it_too(scim, org, make_member):
    """An org admin the IdP deactivates is sent to the admin's login page, which says why."""
    scim_id = scim.post("/Users", user_body("ann@acme.example")).json()["id"]
    ann = host.membership(organization=org, person__email="ann@acme.example")
    ann.role = host.roles()[0]
    ann.save()
    browser = Client()
    browser.force_login(host.person(ann))
    assert browser.get("/admin/").status_code == 200
    assert scim.patch(f"/Users/{scim_id}", deactivate_patch()).status_code == 200
    page = login_page_after(browser, "/admin/")
    assert IDP_WORDS in page and 'id="access-ended"' in page


def test_a_person_still_active_elsewhere_is_not_signed_out_nor_told(scim, org, make_org):
    """Her sessions survive (another organization still has her), so there is nothing to
    explain: the notice is never left for a session that was not ended."""
    scim_id, membership, browser = signed_in(scim, org)
    other = make_org("initech", name="Initech")
    from cosmo_scim.host_fields import membership_field, memberships

    memberships().create(
        **{
            membership_field("person"): host.person(membership),
            membership_field("organization"): other,
            membership_field("role"): host.roles()[-1],
            membership_field("active"): True,
        }
    )
    assert scim.patch(f"/Users/{scim_id}", deactivate_patch()).status_code == 200
    assert "ended your access" not in browser.get("/accounts/login/").content.decode()
    key = browser.cookies[settings.SESSION_COOKIE_NAME].value
    assert not sessions._store(sessions._marker_key(key)).exists(sessions._marker_key(key))
