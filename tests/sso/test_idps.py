"""The test IdPs themselves, before any product code trusts them: each completes a real
sign-in with a minimal client of its protocol (requests for OpenID Connect, pysaml2's own
SP for SAML) and in headless Chromium, and each switch that makes it misbehave produces what
it says, which an independent client refuses (or, for SHA-1, which it shows it sent)."""

import base64
import hashlib
import json
import re
import secrets
from urllib.parse import parse_qs, urljoin, urlparse

import pytest
import requests
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicNumbers
from idp_browser import sign_in_at_idp
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.client import Saml2Client
from saml2.config import SPConfig
from saml2.metadata import create_metadata_string
from saml2.sigver import SignatureError
from saml2.validate import ResponseLifetimeExceed
from saml_idp import XMLSEC1

pytestmark = pytest.mark.sso

CALLBACK = "http://127.0.0.1:49151/callback"  # never reached: the tests stop at it


def b64url(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


# -- OpenID Connect ----------------------------------------------------------------------------


@pytest.fixture
def provider(oidc_idp):
    oidc_idp.add_client("app", "app-secret", [CALLBACK])
    oidc_idp.put_account(
        "jane",
        "jane-pass",
        "okta-00u1",
        email="jane@acme.example",
        email_verified=True,
        name="Jane Doe",
        oid="entra-oid-1",
    )
    return oidc_idp


def within_provider(provider, session, answer):
    """Follow the provider's redirects to its own pages; stop at one that leaves it."""
    while answer.is_redirect:
        location = urljoin(answer.url, answer.headers["Location"])
        if not location.startswith(provider.issuer):
            break
        answer = session.get(location, allow_redirects=False)
    return answer


def authorization_code(provider, session, verifier, nonce="n-1", login=("jane", "jane-pass")):
    """The front channel as a browser would follow it: the authorization request, the
    provider's login form (unless its session cookie already signed the person in), and the
    redirect back to the client, whose code is returned."""
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    answer = session.get(
        f"{provider.issuer}/auth",
        params={
            "response_type": "code",
            "client_id": "app",
            "redirect_uri": CALLBACK,
            "scope": "openid email profile",
            "state": "s-1",
            "nonce": nonce,
            "code_challenge": challenge.rstrip(b"=").decode(),
            "code_challenge_method": "S256",
        },
        allow_redirects=False,
    )
    answer = within_provider(provider, session, answer)
    if answer.status_code == 200:  # the login form
        action = re.search(r'action="([^"]+)"', answer.text).group(1)
        answer = session.post(
            provider.issuer + action,
            data=dict(zip(("login", "password"), login, strict=True)),
            allow_redirects=False,
        )
        answer = within_provider(provider, session, answer)
    location = answer.headers["Location"]
    assert location.startswith(CALLBACK), location
    query = parse_qs(urlparse(location).query)
    assert query["state"] == ["s-1"] and query["iss"] == [provider.issuer]
    return query["code"][0]


def redeem(provider, code, verifier):
    return requests.post(
        f"{provider.issuer}/token",
        auth=("app", "app-secret"),
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": CALLBACK,
            "code_verifier": verifier,
        },
        timeout=10,
    )


def verified_claims(provider, id_token):
    """The ID token's claims after checking its RS256 signature against the provider's
    published keys (RFC 7515 §5.2), so a test sees what a relying party would accept."""
    header_part, payload_part, signature = id_token.split(".")
    header = json.loads(b64url(header_part))
    jwks = requests.get(f"{provider.issuer}/jwks", timeout=10).json()
    [key] = [key for key in jwks["keys"] if key["kid"] == header["kid"]]
    public_key = RSAPublicNumbers(
        int.from_bytes(b64url(key["e"])), int.from_bytes(b64url(key["n"]))
    ).public_key()
    public_key.verify(
        b64url(signature),
        f"{header_part}.{payload_part}".encode(),
        padding.PKCS1v15(),
        hashes.SHA256(),
    )
    return json.loads(b64url(payload_part))


def test_discovery_document_names_the_issuer_and_its_endpoints(provider):
    document = requests.get(provider.discovery_url, timeout=10).json()
    assert document["issuer"] == provider.issuer
    assert document["authorization_endpoint"] == f"{provider.issuer}/auth"
    assert document["token_endpoint"] == f"{provider.issuer}/token"
    assert document["jwks_uri"] == f"{provider.issuer}/jwks"
    assert document["code_challenge_methods_supported"] == ["S256"]


def test_code_flow_with_pkce_issues_a_signed_id_token_with_the_accounts_claims(provider):
    verifier = secrets.token_urlsafe(48)
    code = authorization_code(provider, requests.Session(), verifier, nonce="n-42")
    tokens = redeem(provider, code, verifier)
    assert tokens.status_code == 200, tokens.text
    claims = verified_claims(provider, tokens.json()["id_token"])
    assert (claims["iss"], claims["aud"], claims["nonce"]) == (provider.issuer, "app", "n-42")
    assert claims["sub"] == "okta-00u1" and claims["oid"] == "entra-oid-1"
    assert (claims["email"], claims["email_verified"]) == ("jane@acme.example", True)

    userinfo = requests.get(
        f"{provider.issuer}/me",
        headers={"Authorization": f"Bearer {tokens.json()['access_token']}"},
        timeout=10,
    ).json()
    assert userinfo["sub"] == "okta-00u1" and userinfo["name"] == "Jane Doe"


def test_a_wrong_pkce_verifier_or_a_reused_code_is_refused(provider):
    verifier = secrets.token_urlsafe(48)
    session = requests.Session()
    code = authorization_code(provider, session, verifier)
    wrong = redeem(provider, code, secrets.token_urlsafe(48))
    assert (wrong.status_code, wrong.json()["error"]) == (400, "invalid_grant")

    code = authorization_code(provider, session, verifier)
    assert redeem(provider, code, verifier).status_code == 200
    reused = redeem(provider, code, verifier)
    assert (reused.status_code, reused.json()["error"]) == (400, "invalid_grant")


def test_a_wrong_password_stays_on_the_login_form(provider):
    session = requests.Session()
    with pytest.raises(KeyError):  # no redirect back: still the form
        authorization_code(provider, session, "v" * 43, login=("jane", "guess"))


def test_account_changes_show_in_the_next_id_token(provider):
    provider.put_account("jane", "jane-pass", "okta-00u1", email="jane.doe@acme.example")
    verifier = secrets.token_urlsafe(48)
    code = authorization_code(provider, requests.Session(), verifier)
    claims = verified_claims(provider, redeem(provider, code, verifier).json()["id_token"])
    assert (claims["sub"], claims["email"]) == ("okta-00u1", "jane.doe@acme.example")


@pytest.mark.parametrize(
    "replaced",
    [{"iss": "https://attacker.example"}, {"aud": "another-app"}, {"nonce": "not-yours"}],
)
def test_misbehaving_replaces_a_claim_under_a_valid_signature(provider, replaced):
    provider.misbehave(**replaced)
    verifier = secrets.token_urlsafe(48)
    code = authorization_code(provider, requests.Session(), verifier)
    claims = verified_claims(provider, redeem(provider, code, verifier).json()["id_token"])
    assert {name: claims[name] for name in replaced} == replaced
    assert claims["sub"] == "okta-00u1"

    provider.behave()
    code = authorization_code(provider, requests.Session(), verifier)
    claims = verified_claims(provider, redeem(provider, code, verifier).json()["id_token"])
    assert (claims["iss"], claims["aud"], claims["nonce"]) == (provider.issuer, "app", "n-1")


@pytest.mark.browser
def test_chromium_signs_in_at_the_providers_login_page(provider, browser_page):
    page = browser_page
    page.route(f"{CALLBACK}*", lambda route: route.fulfill(status=200, body="back"))
    page.goto(
        f"{provider.issuer}/auth?response_type=code&client_id=app&scope=openid"
        f"&redirect_uri={CALLBACK}&state=s-1&nonce=n-1"
    )
    sign_in_at_idp(page, "jane", "wrong")
    assert page.inner_text("#idp-error") == "Wrong login or password."
    sign_in_at_idp(page, "jane", "jane-pass")
    page.wait_for_url(f"{CALLBACK}*")
    assert parse_qs(urlparse(page.url).query)["code"]


# -- SAML 2.0 ----------------------------------------------------------------------------------

SP_ENTITY_ID = "http://127.0.0.1:49151/sp"
ACS_URL = "http://127.0.0.1:49151/acs"


def pysaml2_sp(saml_idp, allow_unsolicited=False):
    """pysaml2's own service provider, trusting the IdP from its metadata URL and trusted by
    it from the SP's metadata; it requires signed assertions."""
    config = SPConfig()
    config.load(
        {
            "entityid": SP_ENTITY_ID,
            "xmlsec_binary": XMLSEC1,
            "service": {
                "sp": {
                    "endpoints": {"assertion_consumer_service": [(ACS_URL, BINDING_HTTP_POST)]},
                    "want_assertions_signed": True,
                    "want_response_signed": False,
                    "allow_unsolicited": allow_unsolicited,
                }
            },
            "metadata": {"inline": [requests.get(saml_idp.metadata_url, timeout=10).text]},
        }
    )
    saml_idp.trust_sp(metadata_xml=create_metadata_string(None, config=config).decode())
    return Saml2Client(config)


@pytest.fixture
def idp(saml_idp):
    saml_idp.put_user(
        "jane", "jane-pass", "jane@acme.example", email="jane@acme.example", givenName="Jane"
    )
    return saml_idp


def saml_response(idp, start_url, login=("jane", "jane-pass")):
    """Follow ``start_url`` to the IdP's login form, sign in, and return the SAMLResponse
    (base64) of the form that would auto-post to the SP, and its action."""
    session = requests.Session()
    form = session.get(start_url, timeout=10).text
    action = re.search(r'action="([^"]+)"', form).group(1)
    posted = session.post(
        idp.base_url + action, data=dict(zip(("login", "password"), login, strict=True))
    ).text
    value = re.search(r'name="SAMLResponse" value="([^"]+)"', posted).group(1)
    assert re.search(r'action="([^"]+)"', posted).group(1) == ACS_URL
    return value


def sign_in(idp, sp):
    request_id, request = sp.prepare_for_authenticate(
        entityid=idp.entity_id, relay_state="/after", binding=BINDING_HTTP_REDIRECT
    )
    response = saml_response(idp, dict(request["headers"])["Location"])
    return sp.parse_authn_request_response(
        response, BINDING_HTTP_POST, outstanding={request_id: "/after"}
    )


def test_metadata_names_the_idp_its_sso_endpoint_and_signing_certificate(idp):
    metadata = requests.get(idp.metadata_url, timeout=10)
    assert metadata.headers["Content-Type"] == "application/samlmetadata+xml"
    assert f'entityID="{idp.entity_id}"' in metadata.text
    assert f'Location="{idp.base_url}/sso/redirect"' in metadata.text
    assert 'use="signing"' in metadata.text


def test_a_signed_response_is_validated_by_pysaml2s_own_sp(idp):
    response = sign_in(idp, pysaml2_sp(idp))
    assert response.name_id.text == "jane@acme.example"
    assert response.ava["givenName"] == ["Jane"]
    assert response.assertion.signature.signed_info.signature_method.algorithm.endswith("sha256")


@pytest.mark.parametrize(
    ("switches", "refusal"),
    [
        ({"sign_response": False, "sign_assertion": False}, SignatureError),
        ({"audience": "http://attacker.example/sp"}, Exception),
        ({"expired": True}, ResponseLifetimeExceed),
    ],
    ids=["unsigned", "wrong-audience", "expired"],
)
def test_each_switch_produces_a_response_pysaml2s_sp_refuses(idp, switches, refusal):
    sp = pysaml2_sp(idp)
    idp.misbehave(**switches)
    with pytest.raises(refusal) as refused:
        sign_in(idp, sp)
    if "audience" in switches:
        assert "AudienceRestrictions conditions not satisfied" in str(refused.value)
    idp.behave()
    assert sign_in(idp, sp).name_id.text == "jane@acme.example"


def test_sha1_switch_signs_with_rsa_sha1_and_sha1_digests(idp):
    sp = pysaml2_sp(idp)
    idp.misbehave(sha1=True)
    signature = sign_in(idp, sp).assertion.signature  # a valid signature, of SHA-1
    assert signature.signed_info.signature_method.algorithm.endswith("#rsa-sha1")
    [reference] = signature.signed_info.reference
    assert reference.digest_method.algorithm.endswith("#sha1")


def test_replay_posts_the_same_response_again(idp):
    sp = pysaml2_sp(idp)
    sign_in(idp, sp)
    replayed = requests.get(idp.replay_url, timeout=10).text
    assert re.search(r'name="SAMLResponse" value="([^"]+)"', replayed).group(1) == idp.sent[-1]


def test_an_unsolicited_response_has_no_in_response_to(idp):
    refusing, allowing = pysaml2_sp(idp), pysaml2_sp(idp, allow_unsolicited=True)
    response = saml_response(idp, idp.idp_initiated_url(SP_ENTITY_ID))
    with pytest.raises(Exception, match="Unsolicited response"):
        refusing.parse_authn_request_response(response, BINDING_HTTP_POST, outstanding={})
    accepted = allowing.parse_authn_request_response(response, BINDING_HTTP_POST, outstanding={})
    assert accepted.name_id.text == "jane@acme.example" and accepted.in_response_to is None


@pytest.mark.browser
def test_chromium_signs_in_at_the_idps_login_page_and_posts_to_the_acs(idp, browser_page):
    sp = pysaml2_sp(idp)
    request_id, request = sp.prepare_for_authenticate(
        entityid=idp.entity_id, relay_state="/after", binding=BINDING_HTTP_REDIRECT
    )
    posted = []

    def acs(route):
        posted.append(parse_qs(route.request.post_data))
        route.fulfill(status=200, body="received")

    page = browser_page
    page.route(ACS_URL, acs)
    page.goto(dict(request["headers"])["Location"])
    sign_in_at_idp(page, "jane", "jane-pass")
    page.wait_for_url(ACS_URL)
    [form] = posted
    assert form["RelayState"] == ["/after"]
    response = sp.parse_authn_request_response(
        form["SAMLResponse"][0], BINDING_HTTP_POST, outstanding={request_id: "/after"}
    )
    assert response.name_id.text == "jane@acme.example"
