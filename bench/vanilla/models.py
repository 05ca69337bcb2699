from django.contrib.auth.models import AbstractUser
from django_scim.models import AbstractSCIMUserMixin


class User(AbstractSCIMUserMixin, AbstractUser):
    """django-scim2's documented user model: Django's user with the SCIM id, externalId and
    userName columns."""

    @property
    def scim_groups(self):
        # django-scim2 asks the model for the user's groups; Django's own, here.
        return self.groups
