"""A real OpenID Connect provider on loopback for the SSO tests: the npm package oidc-provider
(pinned in tests/sso/oidc/package.json, installed by ``npm ci``) run by node from
tests/sso/oidc/provider.js, which says what is ours around the library and why.

The provider listens on a free loopback port and prints its issuer; clients and accounts
are given at start or added while it runs through its loopback admin endpoints, guarded by a
token only this process knows.
"""

import json
import secrets
import subprocess
import time
import urllib.request
from pathlib import Path

OIDC_DIR = Path(__file__).resolve().parent / "oidc"
NODE = "/usr/bin/node"


class OidcProvider:
    """One provider process; ``start()`` before use, ``stop()`` after."""

    def __init__(self, directory: Path):
        self.directory = directory
        self.admin_token = secrets.token_urlsafe(24)
        self.issuer = None
        self._process = None

    def start(self, clients=(), accounts=()):
        config = self.directory / "oidc-provider.json"
        config.write_text(json.dumps({"clients": list(clients), "accounts": list(accounts)}))
        self.log = self.directory / "oidc-provider.log"
        with self.log.open("wb") as log:
            self._process = subprocess.Popen(
                [NODE, str(OIDC_DIR / "provider.js"), str(config)],
                cwd=OIDC_DIR,
                stdout=log,
                stderr=subprocess.STDOUT,
                env={"ADMIN_TOKEN": self.admin_token, "PATH": "/usr/bin:/bin"},
            )
        deadline = time.monotonic() + 30
        while self.issuer is None:
            for line in self.log.read_text().splitlines():
                if line.startswith('{"issuer"'):
                    self.issuer = json.loads(line)["issuer"]
            if self._process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"the OIDC provider did not start:\n{self.log.read_text()}")
            time.sleep(0.05)
        return self

    def stop(self):
        if self._process and self._process.poll() is None:
            self._process.terminate()
            self._process.wait(timeout=10)

    @property
    def discovery_url(self):
        return f"{self.issuer}/.well-known/openid-configuration"

    def _admin(self, path, body):
        request = urllib.request.Request(
            f"{self.issuer}/__admin/{path}",
            data=json.dumps(body).encode(),
            method="POST",
            headers={
                "Authorization": f"Bearer {self.admin_token}",
                "Content-Type": "application/json",
            },
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == 200

    def add_client(
        self, client_id, client_secret, redirect_uris, auth_method="client_secret_basic", **meta
    ):
        """Register a confidential web client (as an admin does in Okta or Entra); ``meta``
        is any other client metadata (RFC 7591 §2), e.g. ``id_token_signed_response_alg``."""
        self._admin(
            "clients",
            {
                "client_id": client_id,
                "client_secret": client_secret,
                "redirect_uris": list(redirect_uris),
                "token_endpoint_auth_method": auth_method,
                **meta,
            },
        )

    def put_account(self, login, password, sub, **claims):
        """Add or change an account: it signs in with ``login``/``password``; its ID token
        carries ``sub`` and the ``claims`` (email, email_verified, name, an Entra-style
        ``oid``...), read afresh at every sign-in."""
        self._admin(
            "accounts", {"login": login, "password": password, "sub": sub, "claims": claims}
        )

    def misbehave(self, **id_token_claims):
        """Token responses from now on carry an ID token with these claims replaced (``iss``,
        ``aud``, ``nonce``), signed again with the provider's key; ``behave()`` ends it."""
        self._admin("misbehave", id_token_claims)

    def behave(self):
        self._admin("misbehave", {})
