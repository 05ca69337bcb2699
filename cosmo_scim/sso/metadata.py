"""A SAML IdP's metadata XML, read by python3-saml's parser (imported on use: only hosts
that installed ``cosmo-scim[sso]`` have it)."""


class MetadataError(ValueError):
    """The XML is not an IdP's metadata the product can use; the message says what is
    missing."""


def idp_from_xml(xml: str) -> dict[str, str]:
    """allauth's explicit IdP settings (entity id, SSO URL, signing certificate) from the
    metadata XML."""
    from onelogin.saml2.idp_metadata_parser import OneLogin_Saml2_IdPMetadataParser

    try:
        idp = OneLogin_Saml2_IdPMetadataParser.parse(xml).get("idp") or {}
    except Exception as unreadable:  # lxml and the parser raise many kinds
        raise MetadataError(f"This is not readable SAML metadata ({unreadable}).") from None
    certs = (idp.get("x509certMulti") or {}).get("signing") or [idp.get("x509cert")]
    sso_url = (idp.get("singleSignOnService") or {}).get("url")
    if not (idp.get("entityId") and sso_url and certs[0]):
        raise MetadataError(
            "The metadata must name the IdP's entityID, a SingleSignOnService URL and a "
            "signing certificate."
        )
    return {"entity_id": idp["entityId"], "sso_url": sso_url, "x509cert": certs[0]}
