"""An organization's SSO connections and the IdP identities linked through them.

A connection is one identity provider an organization signs its members in through (OpenID
Connect or SAML 2.0); the protocols themselves are django-allauth's (cosmo_scim/sso/). An
identity is what that IdP calls a person, the subject, bound to one member of that
organization: never a bare email, which another organization's IdP can assert as well
(docs/sso.md, "Linking").
"""

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone

from .columns import organization_key


def new_connection_key() -> str:
    """The connection's name in URLs (login, callback, ACS, metadata): random, so a URL
    says nothing about the organization or how many connections exist."""
    return secrets.token_hex(8)


class SsoConnectionQuerySet(models.QuerySet):
    def enabled(self) -> "SsoConnectionQuerySet":
        return self.filter(enabled=True)


class SsoConnection(models.Model):
    """One organization's identity provider for signing in."""

    class Protocol(models.TextChoices):
        OIDC = "oidc", "OpenID Connect"
        SAML = "saml", "SAML 2.0"

    organization = organization_key("scim_sso")
    name = models.CharField(
        max_length=100, help_text='People read it on the button: "Continue with" this name.'
    )
    key = models.CharField(max_length=32, unique=True, default=new_connection_key, editable=False)
    protocol = models.CharField(max_length=8, choices=Protocol.choices)
    enabled = models.BooleanField(default=True)
    required = models.BooleanField(
        "require SSO",
        default=False,
        help_text="The organization's pages and admin refuse a session that did not sign in "
        "through one of its connections, and its invitations are accepted through SSO.",
    )
    # OpenID Connect: the issuer (its /.well-known/openid-configuration is read), the
    # client id, and the client secret, encrypted (sso/secrets.py) and never shown again.
    issuer = models.URLField(max_length=500, blank=True, default="")
    client_id = models.CharField(max_length=255, blank=True, default="")
    secret_encrypted = models.TextField(blank=True, default="", editable=False)
    # SAML: the IdP's metadata, by URL or pasted.
    metadata_url = models.URLField(max_length=500, blank=True, default="")
    metadata_xml = models.TextField(blank=True, default="")
    allow_idp_initiated = models.BooleanField(
        "allow IdP-initiated sign-in",
        default=False,
        help_text="Accept SAML responses the IdP sends unasked (from its app dashboard). "
        "They are still checked for replay.",
    )
    # Which claim (OIDC) or attribute (SAML) names the person; empty: the OIDC ``sub``, the
    # SAML NameID. Entra's OIDC ``sub`` is pairwise per application: use ``oid``.
    subject_claim = models.CharField(
        "identifying claim",
        max_length=255,
        blank=True,
        default="",
        help_text="Empty: the OIDC sub / the SAML NameID. It must equal the member's SCIM "
        "userName or externalId (docs/sso.md).",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = SsoConnectionQuerySet.as_manager()

    class Meta:
        verbose_name = "SSO connection"
        constraints = [
            models.UniqueConstraint(fields=("organization", "name"), name="cosmo_scim_sso_name"),
        ]

    def __str__(self) -> str:
        return self.name


class SsoIdentity(models.Model):
    """(connection, subject) → the person it signs in, as a member of the connection's
    organization. Made at the first sign-in that resolves to a member (sso/linking.py)."""

    connection = models.ForeignKey(
        SsoConnection, on_delete=models.CASCADE, related_name="identities"
    )
    subject = models.CharField(max_length=255)
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    linked_at = models.DateTimeField(default=timezone.now, editable=False)
    last_sign_in_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "SSO identity"
        verbose_name_plural = "SSO identities"
        constraints = [
            models.UniqueConstraint(
                fields=("connection", "subject"), name="cosmo_scim_sso_subject"
            ),
            # One identity per person and connection: a second subject never adds a way in.
            models.UniqueConstraint(fields=("connection", "person"), name="cosmo_scim_sso_person"),
        ]

    def __str__(self) -> str:
        return f"{self.subject} ({self.connection})"
