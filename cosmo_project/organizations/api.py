"""The product's public API, authenticated by organization API keys.

SCIM is one permission of these keys; any key of the organization may read its members.
"""

from rest_framework import serializers
from rest_framework.generics import ListAPIView

from cosmo_scim.authentication import APIKeyAuthentication, HasOrganizationAPIKey

from .models import Membership


class MemberSerializer(serializers.ModelSerializer):
    email = serializers.EmailField(source="user.email")
    first_name = serializers.CharField(source="user.first_name")
    last_name = serializers.CharField(source="user.last_name")

    class Meta:
        model = Membership
        fields = ("id", "email", "first_name", "last_name", "role", "is_active", "created_at")


class MemberList(ListAPIView):
    authentication_classes = (APIKeyAuthentication,)
    permission_classes = (HasOrganizationAPIKey,)
    serializer_class = MemberSerializer

    def get_queryset(self):
        return (
            Membership.objects.filter(organization=self.request.auth.organization)
            # A membership awaiting its person's consent (an account the organization's
            # IdP attached, cosmo_scim's consent rule) is not the organization's to show:
            # its account's name and login would tell who exists outside it.
            .exclude(scim_user__consent_pending=True)
            .select_related("user")
            .order_by("user__email")
        )
