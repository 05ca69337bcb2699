"""SSO per organization: each organization signs its members in through its own identity
provider (OpenID Connect or SAML), linked to what its SCIM provisioning made (docs/sso.md).

- ``entry.py`` — which organizations a session may enter, given how it signed in; the
  host's one call is :func:`may_enter` (this module imports nothing of django-allauth, so
  a host without SSO can call it too).
- ``linking.py`` — who a sign-in is: (connection, subject) inside the organization.
- ``client_secrets.py`` — OIDC client secrets encrypted at rest.
- ``endpoints.py`` — the URLs an organization pastes into its IdP.
- ``social_apps.py``, ``assertions.py``, ``adapter.py``, ``views.py``, ``urls.py`` — the
  protocols through django-allauth (``pip install cosmo-scim[sso]``).
"""

from .entry import may_enter, requires_sso

__all__ = ["may_enter", "requires_sso"]
