"""The product's person: one account per email, whatever organizations it belongs to."""

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.utils import timezone

from cosmo_scim.addresses import AddressKey, validate_address, with_address


class UserManager(BaseUserManager):
    use_in_migrations = True

    def get_by_natural_key(self, email):
        # Logins are case-insensitive: "Jane@Acme.com" and "jane@acme.com" are one account.
        # Compared by cosmo_scim's address key, the one the unique constraint below holds,
        # so a login matches at most one account (never __iexact: PostgreSQL's UPPER maps
        # "ſam" onto "sam").
        return with_address(self.all(), "email", email).get()

    def _create_user(self, email, password, **extra):
        if not email:
            raise ValueError("An email address is required")
        user = self.model(email=self.normalize_email(email), **extra)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email, password=None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    # unique=True satisfies Django's USERNAME_FIELD check; the AddressKey constraint below is
    # the rule that matters: one account per address, whatever its case. validate_address
    # refuses, in forms, a look-alike that another case mapping would make of an address.
    email = models.EmailField(
        "email address", max_length=254, unique=True, validators=[validate_address]
    )
    first_name = models.CharField(max_length=150, blank=True)
    last_name = models.CharField(max_length=150, blank=True)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = []

    class Meta:
        constraints = [
            models.UniqueConstraint(AddressKey("email"), name="accounts_user_email_key_unique"),
        ]

    def __str__(self):
        return self.email

    def get_full_name(self):
        return f"{self.first_name} {self.last_name}".strip() or self.email

    def get_short_name(self):
        return self.first_name or self.email
