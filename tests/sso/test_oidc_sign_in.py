"""Signing in through an organization's OpenID Connect IdP, end to end, as a member and as an
attacker would try it: the real provider (node's oidc-provider) on loopback, headless
Chromium through its login form, connections made with ``configure_sso`` and members
provisioned over SCIM."""

from urllib.parse import parse_qs, urlparse

import pytest
from django.contrib.auth import get_user_model
from e2ekit import (
    assert_signed_in_by_sso_only,
    oidc_connection,
    photographed_sign_in,
    reasons,
    refusal,
    signed_in_as,
)
from idp_browser import sign_in_through_idp

from cosmo_scim.models import SsoIdentity

pytestmark = [pytest.mark.sso, pytest.mark.browser, pytest.mark.django_db(transaction=True)]

JANE = "jane@acme.example"


def test_a_provisioned_member_signs_in_through_oidc_with_no_password(
    product, org, provisioning, oidc_idp, browser_page, screenshot
):
    jane = provisioning(org).create_user(JANE, externalId="00u-jane")
    printed = oidc_connection(oidc_idp, "acme")
    oidc_idp.put_account("jane", "idp-pass-1", "00u-jane", email=JANE, email_verified=True)
    page = browser_page
    authorization = []
    page.on(
        "request",
        lambda request: (
            request.url.startswith(f"{oidc_idp.issuer}/auth?")
            and authorization.append(parse_qs(urlparse(request.url).query))
        ),
    )
    lands = f"{product.url}/orgs/acme/"
    photographed_sign_in(page, screenshot, printed["login_url"], "jane", "idp-pass-1", lands)
    assert page.inner_text("#org-name") == "Acme Inc."
    assert_signed_in_by_sso_only(JANE, "00u-jane", jane["id"])
    # The request carried what binds the answer to this browser: state, nonce, PKCE S256.
    [query] = authorization
    assert query["state"] and query["nonce"] and query["code_challenge_method"] == ["S256"]


def test_after_the_idp_changes_the_email_the_same_member_signs_in(
    product, org, provisioning, make_member, oidc_idp, browser_page
):
    provisioning(org).create_user(JANE, externalId="00u-jane")
    make_member(org, email="bob@acme.example")
    printed = oidc_connection(oidc_idp, "acme")
    oidc_idp.put_account("jane", "idp-pass-1", "00u-jane", email=JANE, email_verified=True)
    lands = f"{product.url}/orgs/acme/"
    sign_in_through_idp(browser_page, printed["login_url"], "jane", "idp-pass-1", lands)

    # The IdP now says another address, even a colleague's: the subject decides.
    oidc_idp.put_account(
        "jane", "idp-pass-1", "00u-jane", email="bob@acme.example", email_verified=True
    )
    page = browser_page.context.browser.new_page()
    sign_in_through_idp(page, printed["login_url"], "jane", "idp-pass-1", lands)
    assert signed_in_as(page, product, "acme") == JANE
    assert SsoIdentity.objects.count() == 1


def test_entra_pairs_its_oid_claim_with_the_scim_external_id(
    product, org, provisioning, oidc_idp, browser_page
):
    """Entra's OIDC ``sub`` is pairwise per application; its ``oid`` is what Entra's SCIM
    sends as externalId (mapped from objectId): the connection names ``oid``."""
    provisioning(org).create_user(JANE, externalId="5f1e-object-id")
    printed = oidc_connection(oidc_idp, "acme", "--claim", "oid", name="Entra")
    oidc_idp.put_account("jane", "idp-pass-1", "pairwise-9c2a", oid="5f1e-object-id")
    lands = f"{product.url}/orgs/acme/"
    sign_in_through_idp(browser_page, printed["login_url"], "jane", "idp-pass-1", lands)
    assert signed_in_as(browser_page, product, "acme") == JANE
    assert SsoIdentity.objects.get().subject == "5f1e-object-id"


def test_a_person_scim_never_provisioned_is_refused_and_nothing_is_created(
    product, org, provisioning, oidc_idp, browser_page, screenshot
):
    provisioning(org).create_user(JANE, externalId="00u-jane")
    printed = oidc_connection(oidc_idp, "acme")
    oidc_idp.put_account(
        "eve", "idp-pass-2", "00u-eve", email="eve@acme.example", email_verified=True
    )
    people = get_user_model()._default_manager
    before = (people.count(), SsoIdentity.objects.count())
    page = browser_page
    sign_in_through_idp(page, printed["login_url"], "eve", "idp-pass-2")
    page.wait_for_selector("#sso-title")
    screenshot(page, "refused")

    title, message = refusal(page)
    assert title == "You could not be signed in to Acme Inc."
    assert "ask your administrator to assign you" in message
    assert (people.count(), SsoIdentity.objects.count()) == before
    assert reasons(org) == ["not_provisioned"]
    assert signed_in_as(page, product, "acme") is None


def test_bs_idp_asserting_as_members_subject_and_address_never_enters_a(
    product, org, other_org, provisioning, make_oidc_idp, browser_page
):
    provisioning(org).create_user(JANE, externalId="00u-jane")
    a_idp, b_idp = make_oidc_idp(), make_oidc_idp()
    oidc_connection(a_idp, "acme")
    b_printed = oidc_connection(b_idp, "globex")
    # B's IdP is B's to run: it claims A's member's subject and address.
    b_idp.put_account("jane", "b-pass", "00u-jane", email=JANE, email_verified=True)
    page = browser_page
    sign_in_through_idp(page, b_printed["login_url"], "jane", "b-pass")
    page.wait_for_selector("#sso-title")
    assert refusal(page)[0] == "You could not be signed in to Globex"
    assert signed_in_as(page, product, "acme") is None

    # B provisions the address too (its SCIM attaches A's member's account, pending her
    # consent): B's IdP still signs nobody in, in A or in B.
    provisioning(other_org).create_user(JANE, externalId="00u-jane")
    page.goto(b_printed["login_url"])  # B's IdP remembers her: no login form this time
    page.wait_for_selector("#sso-title")
    assert refusal(page)[0] == "You could not be signed in to Globex"
    assert signed_in_as(page, product, "acme") is None
    assert signed_in_as(page, product, "globex") is None
    assert not SsoIdentity.objects.exists()
    assert not reasons(org)  # A's trail is A's: B's refusals are B's
    assert len(reasons(other_org)) == 2


@pytest.mark.parametrize(
    ("replaced", "reason"),
    [
        ({"iss": "http://127.0.0.1:1/attacker"}, "protocol"),
        ({"aud": "another-app"}, "protocol"),
        ({"nonce": "another-sign-in"}, "nonce"),
    ],
    ids=["wrong-iss", "wrong-aud", "wrong-nonce"],
)
def test_an_id_token_with_a_wrong_iss_aud_or_nonce_is_refused(
    product, org, provisioning, oidc_idp, browser_page, replaced, reason
):
    provisioning(org).create_user(JANE, externalId="00u-jane")
    printed = oidc_connection(oidc_idp, "acme")
    oidc_idp.put_account("jane", "idp-pass-1", "00u-jane", email=JANE, email_verified=True)
    oidc_idp.misbehave(**replaced)
    page = browser_page
    sign_in_through_idp(page, printed["login_url"], "jane", "idp-pass-1")
    page.wait_for_selector("#sso-title")
    assert "could not be verified" in refusal(page)[1]
    assert signed_in_as(page, product, "acme") is None
    assert not SsoIdentity.objects.exists()
    assert reasons(org) == [reason]


def test_a_scim_deactivated_member_loses_the_session_and_is_refused_at_the_next_sign_in(
    product, org, provisioning, oidc_idp, browser_page, screenshot
):
    scim = provisioning(org)
    jane = scim.create_user(JANE, externalId="00u-jane")
    printed = oidc_connection(oidc_idp, "acme")
    oidc_idp.put_account("jane", "idp-pass-1", "00u-jane", email=JANE, email_verified=True)
    page = browser_page
    sign_in_through_idp(page, printed["login_url"], "jane", "idp-pass-1", "**/orgs/acme/")

    scim.deactivate(jane["id"])
    page.reload()  # the next request: the session is over
    assert "/accounts/login/" in page.url

    # The IdP still says yes (its session is alive): the door says no.
    page.goto(printed["login_url"])
    page.wait_for_selector("#sso-title")
    screenshot(page, "deactivated")
    assert "has been deactivated" in refusal(page)[1]
    assert signed_in_as(page, product, "acme") is None
    assert reasons(org) == ["deactivated"]


def test_an_unreachable_idp_is_a_503_page_that_says_to_try_again(
    product, org, oidc_idp, browser_page, screenshot
):
    printed = oidc_connection(oidc_idp, "acme")
    oidc_idp.stop()
    page = browser_page
    answer = page.goto(printed["login_url"])
    screenshot(page, "idp-unreachable")
    assert answer.status == 503 and int(answer.headers["retry-after"]) > 0
    assert "could not be reached" in refusal(page)[1]
    assert reasons(org) == ["idp_unreachable"]
