"""The product's public API, authenticated by organization API keys.

SCIM is one permission of these keys; any key of the organization may read its members.
"""

from rest_framework import serializers
from rest_framework.generics import ListAPIView

from cosmo_scim.authentication import APIKeyAuthentication, HasOrganizationAPIKey

from .models import Membership


class MemberSerializer(serializers.ModelSerializer):
    # The organization's own view of the member (Membership.shown).
    email = serializers.CharField(source="shown.email")
    first_name = serializers.CharField(source="shown.first_name")
    last_name = serializers.CharField(source="shown.last_name")

    class Meta:
        model = Membership
        fields = ("id", "email", "first_name", "last_name", "role", "is_active", "created_at")


class MemberList(ListAPIView):
    authentication_classes = (APIKeyAuthentication,)
    permission_classes = (HasOrganizationAPIKey,)
    serializer_class = MemberSerializer

    def get_queryset(self):
        # Ordered by id: the account's login may be another organization's to set.
        return (
            Membership.objects.filter(organization=self.request.auth.organization)
            .shown_in_organization()
            .order_by("pk")
        )
