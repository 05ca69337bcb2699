"""The SSO connection form: the admin's, and what ``configure_sso`` validates with (one
rule for what a connection needs)."""

from typing import Any

from django import forms

from ..models import SsoConnection
from . import client_secrets
from .metadata import MetadataError, idp_from_xml

OIDC, SAML = SsoConnection.Protocol.OIDC, SsoConnection.Protocol.SAML


class SsoConnectionForm(forms.ModelForm):
    client_secret = forms.CharField(
        required=False,
        strip=True,
        widget=forms.PasswordInput(render_value=False),
        help_text="OpenID Connect only. Stored encrypted and never shown again; leave empty "
        "to keep the stored one.",
    )

    issuer = forms.URLField(
        required=False, max_length=500, assume_scheme="https", help_text="OpenID Connect only."
    )
    metadata_url = forms.URLField(
        required=False, max_length=500, assume_scheme="https", help_text="SAML only."
    )

    class Meta:
        model = SsoConnection
        fields = (
            "organization",
            "name",
            "protocol",
            "enabled",
            "required",
            "issuer",
            "client_id",
            "metadata_url",
            "metadata_xml",
            "allow_idp_initiated",
            "subject_claim",
        )

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data  # what ModelForm.clean() returns
        protocol = cleaned.get("protocol") or self.instance.protocol
        if protocol == OIDC:
            for field in ("issuer", "client_id"):
                if not cleaned.get(field):
                    self.add_error(field, "Required for OpenID Connect.")
            if not cleaned.get("client_secret") and not self.instance.secret_encrypted:
                self.add_error("client_secret", "Required for OpenID Connect.")
        elif protocol == SAML:
            if bool(cleaned.get("metadata_url")) == bool(cleaned.get("metadata_xml")):
                self.add_error("metadata_url", "Give the IdP's metadata URL or its XML (one).")
            elif cleaned.get("metadata_xml"):
                try:
                    idp_from_xml(cleaned["metadata_xml"])
                except MetadataError as invalid:
                    self.add_error("metadata_xml", str(invalid))
        return cleaned

    def save(self, commit: bool = True) -> SsoConnection:
        secret = self.cleaned_data.get("client_secret")
        if secret:
            self.instance.secret_encrypted = client_secrets.seal(secret)
        return super().save(commit)
