"""The real identity providers the SSO tests sign in through, each on a free loopback port:
an OpenID Connect provider (oidc_idp.py: the npm package oidc-provider under node) and a SAML
2.0 IdP (saml_idp.py: pysaml2 with Debian's xmlsec1). A test that needs a second IdP of a
kind (two organizations, two IdPs) asks the ``make_…`` factory again. The end-to-end tests
also use the live product (``product``) and an organization's SCIM over HTTP
(``provisioning``); their steps are in e2ekit.py.

Where node, the npm packages or xmlsec1 are missing these tests skip with the reason; in CI
(``CI`` set; .ci/run installs all three) they fail instead, so a missing install step shows.
"""

import os
import shutil
from pathlib import Path

import pytest
from oidc_idp import NODE, OIDC_DIR, OidcProvider
from saml_idp import XMLSEC1, SamlIdp


def _require(present, reason):
    if not present and not os.environ.get("CI"):
        pytest.skip(reason)


@pytest.fixture
def make_oidc_idp(tmp_path):
    _require(Path(NODE).exists(), "needs node (apt-get install nodejs)")
    _require(
        (OIDC_DIR / "node_modules" / "oidc-provider").is_dir(),
        "needs the OIDC provider's packages (cd tests/sso/oidc && npm ci)",
    )
    started = []

    def make(clients=(), accounts=()):
        directory = tmp_path / f"oidc-{len(started) + 1}"
        directory.mkdir()
        provider = OidcProvider(directory)
        started.append(provider)
        return provider.start(clients, accounts)

    yield make
    for provider in started:
        provider.stop()


@pytest.fixture
def oidc_idp(make_oidc_idp):
    """A running OpenID Connect provider with no clients and no accounts yet."""
    return make_oidc_idp()


@pytest.fixture
def make_saml_idp(tmp_path):
    _require(shutil.which(XMLSEC1), "needs xmlsec1 (apt-get install xmlsec1)")
    started = []

    def make(name="Test SAML IdP"):
        directory = tmp_path / f"saml-{len(started) + 1}"
        directory.mkdir()
        idp = SamlIdp(directory, name)
        started.append(idp)
        return idp.start()

    yield make
    for idp in started:
        idp.stop()


@pytest.fixture
def saml_idp(make_saml_idp):
    """A running SAML IdP that trusts no service provider yet."""
    return make_saml_idp()


# -- the product, live, for the end-to-end tests ------------------------------------------------


@pytest.fixture
def product(live_server, settings):
    """The live product, its printed and mailed URLs (configure_sso's, invitations') on the
    address the browser and the IdPs reach it at."""
    settings.COSMO_SCIM = {**settings.COSMO_SCIM, "PUBLIC_BASE_URL": live_server.url}
    return live_server


@pytest.fixture
def provisioning(product, make_key):
    """``provisioning(org)``: that organization's IdP provisioning over SCIM (HTTP)."""
    from e2ekit import Scim

    def for_org(organization):
        _, key = make_key(organization, scim=True, name="IdP")
        return Scim(product.url, key)

    return for_org
