"""The request as the SCIM endpoints see it: what ``ScimView.dispatch`` (base.py) sets on
Django's request before a view or an adapter runs."""

from typing import Any

from django.http import HttpRequest

from ..host import Organization
from ..models import APIKey


class ScimRequest(HttpRequest):
    """For annotations only: the views receive Django's own request, on which dispatch sets
    these attributes."""

    # Always set on a request Django's handler serves (only a bare HttpRequest() has None).
    method: str
    scim_request_id: str
    scim_key: APIKey
    scim_organization: Organization
    # The decoded body (protocol.limits.decode_body): any JSON document, None when empty.
    scim_document: Any
