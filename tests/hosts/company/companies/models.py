"""A product's own people and tenancy: an email-login account without a username, and
UUID primary keys everywhere (the ids cosmo_scim stores for it are UUIDs)."""

import uuid

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.utils import timezone


class AccountManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email, password=None, **extra):
        account = self.model(email=self.normalize_email(email), **extra)
        account.set_password(password)
        account.save(using=self._db)
        return account

    def create_superuser(self, email, password=None, **extra):
        return self.create_user(email, password, is_staff=True, is_superuser=True, **extra)


class Account(AbstractBaseUser, PermissionsMixin):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    email = models.EmailField(unique=True)
    given_name = models.CharField(max_length=100, blank=True)
    family_name = models.CharField(max_length=100, blank=True)
    is_staff = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)
    joined_at = models.DateTimeField(default=timezone.now)

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = []

    objects = AccountManager()

    def __str__(self):
        return self.email


class Company(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=200)
    handle = models.SlugField(unique=True)

    class Meta:
        verbose_name_plural = "companies"

    def __str__(self):
        return self.name


class Seat(models.Model):
    class Role(models.TextChoices):
        # Most privileged first: the default adapter ranks a member's roles in this order.
        OWNER = "owner", "Owner"
        EDITOR = "editor", "Editor"
        READER = "reader", "Reader"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    holder = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="seats"
    )
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="seats")
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.READER)
    is_enabled = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=("holder", "company"), name="one_seat_per_company")
        ]

    def __str__(self):
        return f"{self.holder} at {self.company}"


class Crew(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="crews")
    label = models.CharField(max_length=255)
    seats = models.ManyToManyField(Seat, related_name="crews", blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=("company", "label"), name="one_label_per_company")
        ]

    def __str__(self):
        return self.label
