"""DRF authentication by organization API key, for the host's own API views."""

from django.contrib.auth.models import AnonymousUser
from rest_framework import authentication, exceptions, permissions
from rest_framework.request import Request
from rest_framework.views import APIView

from . import keys
from .models import APIKey


class APIKeyAuthentication(authentication.BaseAuthentication):
    """``Authorization: Bearer <API_KEY_PREFIX>…`` → ``request.auth`` is the APIKey.

    The key acts for its organization, not for a person, so ``request.user`` stays anonymous
    and views scope their querysets with ``request.auth.organization``.
    """

    def authenticate(self, request: Request) -> tuple[AnonymousUser, APIKey] | None:
        header = request.META.get("HTTP_AUTHORIZATION")
        if not header:
            return None
        try:
            api_key = keys.authenticate(header)
        except keys.KeyRejected as rejected:
            keys.log_rejection(rejected, request.META.get("REMOTE_ADDR"))
            raise exceptions.AuthenticationFailed(rejected.reason) from None
        return AnonymousUser(), api_key

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="cosmo-api"'


class HasOrganizationAPIKey(permissions.BasePermission):
    """Any valid key of an organization, whatever its permissions."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        return isinstance(request.auth, APIKey)
