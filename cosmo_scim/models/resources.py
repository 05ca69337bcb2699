"""The SCIM resources: a member as its organization's IdP describes them (ScimUser, its
emails, the organization's user count) and the IdP's groups (ScimGroup, its members)."""

import uuid

from django.db import models
from django.utils import timezone

from .. import conf, host_fields
from ..addresses import AddressKey, login_address
from .columns import organization_key, resource_indexes, tenant_index, unique_in_tenant
from .keys import APIKey


def new_scim_id() -> str:
    """Opaque, stable, server-issued id (RFC 7643 §3.1): never a database pk."""
    return str(uuid.uuid4())


class ScimResource(models.Model):
    """What every SCIM resource has (RFC 7643 §3.1): its ``id``, the IdP's ``externalId``
    and ``meta``'s ``created``, ``lastModified`` and ``version`` (its ETag's counter)."""

    scim_id = models.CharField(max_length=36, unique=True, default=new_scim_id, editable=False)
    external_id = models.CharField(max_length=255, null=True, blank=True)
    created = models.DateTimeField(default=timezone.now, editable=False)
    last_modified = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        abstract = True


class ScimUser(ScimResource):
    """A person's membership in an organization, as that organization's IdP describes it.

    This is the SCIM User resource. It belongs to the membership, not to the person: one
    person in two organizations has two of these, each owned by its own IdP, so one IdP can
    never rewrite what another sees.
    """

    organization = organization_key("scim_users")
    membership = models.OneToOneField(
        conf.get("MEMBERSHIP_MODEL"), on_delete=models.CASCADE, related_name="scim_user"
    )
    user_name = models.CharField(max_length=255)
    given_name = models.CharField(max_length=255, blank=True, default="")
    family_name = models.CharField(max_length=255, blank=True, default="")
    formatted_name = models.CharField(max_length=255, blank=True, default="")
    display_name = models.CharField(max_length=255, blank=True, default="")
    title = models.CharField(max_length=255, blank=True, default="")
    locale = models.CharField(max_length=64, blank=True, default="")
    preferred_language = models.CharField(max_length=64, blank=True, default="")
    employee_number = models.CharField(max_length=255, blank=True, default="")
    department = models.CharField(max_length=255, blank=True, default="")
    manager_id = models.CharField(max_length=255, blank=True, default="")
    # The rest of RFC 7643 §4.1 and §4.3 (migration 0007); lengths are the attribute
    # table's (cosmo_scim.scim.user_attributes).
    middle_name = models.CharField(max_length=255, blank=True, default="")
    honorific_prefix = models.CharField(max_length=64, blank=True, default="")
    honorific_suffix = models.CharField(max_length=64, blank=True, default="")
    nick_name = models.CharField(max_length=255, blank=True, default="")
    profile_url = models.CharField(max_length=2048, blank=True, default="")
    user_type = models.CharField(max_length=64, blank=True, default="")
    time_zone = models.CharField(max_length=64, blank=True, default="")
    cost_center = models.CharField(max_length=255, blank=True, default="")
    # The enterprise ``organization`` (a name the IdP sends, not the tenant).
    organization_name = models.CharField(max_length=255, blank=True, default="")
    division = models.CharField(max_length=255, blank=True, default="")
    # Multi-valued complex attributes other than emails, as JSON arrays of objects (jsonb
    # on PostgreSQL): always read and written whole with the user, few and bounded
    # (MultiValuedColumn.max_values), never a key. Rows would cost a correlated aggregate
    # per attribute on every read and a DELETE and INSERT per attribute on every change;
    # emails are rows because the login address is looked up and must be one member's.
    phone_numbers = models.JSONField(default=list, blank=True)
    ims = models.JSONField(default=list, blank=True)
    photos = models.JSONField(default=list, blank=True)
    addresses = models.JSONField(default=list, blank=True)
    # The key through which the IdP last provisioned or changed this member: the link that
    # the orphaned access report checks (orphans.py). Null for an unknown key (deleted).
    idp_key = models.ForeignKey(
        APIKey, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # When the person took up this membership (accepted its invitation). Null while an
    # invitation is outstanding; set at provisioning for members the IdP adopted, who were
    # in the organization already.
    accepted_at = models.DateTimeField(null=True, blank=True)
    # The IdP assigned the person (SCIM ``active`` is true) but the membership grants nothing
    # yet: the account existed before this organization's provisioning attached it (another
    # organization made it, or a sign-up did), so the person must consent by accepting the
    # invitation first. Until then the host's membership stays inactive
    # (provisioning/lifecycle.py).
    consent_pending = models.BooleanField(default=False)

    class Meta:
        verbose_name = "SCIM user"
        constraints = [
            # userName is unique per organization and caseExact false (RFC 7643 §4.1.1), by
            # the caseless fold (protocol/caseless.py); the functional index also serves
            # Okta's `userName eq` lookups.
            unique_in_tenant("cosmo_scim_user_name_fold", caseless="user_name"),
        ]
        # Every index starts with the tenant, so that what a filter reads follows the
        # organization, never the table (docs/performance.md, "Rows read"). Migrations 0009
        # and 0019 add two more on PostgreSQL for `sw` (operator classes, so not declared
        # here): (organization, <the folded user_name> text_pattern_ops), (organization,
        # external_id varchar_pattern_ops).
        indexes = [
            *resource_indexes("cosmo_scim_user"),
            # meta.lastModified / meta.created gt, ge, lt, le, eq (incremental syncs).
            tenant_index("cosmo_scim_user_modified", "last_modified"),
            tenant_index("cosmo_scim_user_created", "created"),
            # The organization's members with what the provisioning overview counts and the
            # orphaned access report checks, read from the index alone (no table rows):
            # admin/provisioning.py, provisioning/orphans.py.
            tenant_index("cosmo_scim_user_members", "membership", "consent_pending", "idp_key"),
        ]

    def __str__(self) -> str:
        return self.user_name

    def login_email(self) -> str | None:
        """The address this organization's IdP gives the member (:func:`login_address`);
        prefetch ``emails`` to read many."""
        return login_address(self.emails.all(), self.user_name)

    @property
    def active(self) -> bool:
        """SCIM ``active``: the IdP's assignment. The membership is active, or it awaits the
        person's consent (the name reads carry it under, user_reads.ACTIVE)."""
        return host_fields.is_active(self.membership) or self.consent_pending


class ScimUserCount(models.Model):
    """How many SCIM users an organization has: the ``totalResults`` of an unfiltered
    ``GET /Users`` (RFC 7644 §3.4.2), which Okta reads on every page of every import.

    Counting the rows instead costs a scan of the organization's index entries on each page
    (about 15 ms at 100,000 members). The database keeps the count itself, through the
    triggers migration ``0005_user_count`` installs (``0006`` re-installs them on SQLite,
    ``0009`` makes PostgreSQL's insert-only), in the transaction of every insert and delete
    of a ScimUser: no write path (the lifecycle service, a host deleting a membership, a
    bulk load) can leave it wrong. On PostgreSQL the triggers add a
    :class:`ScimUserCountDelta` row instead of updating this one, which
    :mod:`cosmo_scim.provisioning.user_count` adds up on read and folds in here.
    """

    organization = models.OneToOneField(
        conf.get("ORGANIZATION_MODEL"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="+",
    )
    users = models.BigIntegerField(default=0)
    # Moves with every insert or delete (not with updates): while it stands still, every
    # user is at the position it had, which is what lets a deep page be found from where
    # an earlier request saw it start (cosmo_scim.scim.page_starts).
    changes = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = "SCIM user count"

    def __str__(self) -> str:
        return f"{self.users} SCIM users"


class ScimUserCountDelta(models.Model):
    """A change to an organization's ScimUserCount not folded into it yet: one row per
    statement that inserted (``users`` > 0) or deleted (< 0) its SCIM users.

    Why not update the count row in the trigger: the upsert's row lock is held from the
    ScimUser INSERT to the COMMIT, so concurrent provisioning into one organization (an
    IdP's import with 8 workers) queued on that one row while 8 organizations never waited.
    Inserting a row takes no lock another insert waits for.
    """

    id = models.BigAutoField(primary_key=True)
    # No database constraint: deleting an organization deletes its SCIM users, whose
    # trigger adds a delta for the organization being deleted; a constraint would refuse
    # that deletion at COMMIT. The ORM still deletes the organization's deltas with it.
    organization = models.ForeignKey(
        conf.get("ORGANIZATION_MODEL"),
        on_delete=models.CASCADE,
        related_name="+",
        db_constraint=False,
    )
    users = models.BigIntegerField()
    changes = models.BigIntegerField(default=1)

    class Meta:
        verbose_name = "SCIM user count change"
        indexes = [
            # The read adds the organization's rows up from this index alone (key columns,
            # not INCLUDE: SQLite has no covering indexes).
            tenant_index("cosmo_scim_count_delta_org", "users", "changes"),
        ]

    def __str__(self) -> str:
        return f"{self.users:+d} SCIM users"


class ScimUserEmail(models.Model):
    """One entry of a SCIM User's multi-valued ``emails``."""

    scim_user = models.ForeignKey(ScimUser, on_delete=models.CASCADE, related_name="emails")
    value = models.CharField(max_length=254)
    type = models.CharField(max_length=32, blank=True, default="")
    primary = models.BooleanField(default=False)
    display = models.CharField(max_length=255, blank=True, default="")

    class Meta:
        ordering = ("id",)
        indexes = [
            # The folded address (addresses.py's key, the caseless fold): the filter
            # engine's `emails.value eq`, and which member of the organization has a
            # login email.
            models.Index(AddressKey("value"), name="cosmo_scim_email_value_key"),
        ]

    def __str__(self) -> str:
        return self.value


class ScimGroup(ScimResource):
    """An IdP group (Okta group push, Entra group provisioning): the SCIM Group resource.

    Mirrored into one host team (COSMO_SCIM["TEAM_MODEL"]); deleting that team in the host
    deletes this group too, and the IdP gets a 404 and pushes it again.
    """

    organization = organization_key("scim_groups")
    team = models.OneToOneField(
        conf.get("TEAM_MODEL"), on_delete=models.CASCADE, related_name="scim_group"
    )
    display_name = models.CharField(max_length=255)

    class Meta:
        verbose_name = "SCIM group"
        constraints = [
            # displayName is how Okta and Entra look a group up before pushing it
            # (`displayName eq "..."`); caseExact false (RFC 7643 §4.2, the caseless fold),
            # one per organization.
            unique_in_tenant("cosmo_scim_group_name_fold", caseless="display_name"),
        ]
        indexes = resource_indexes("cosmo_scim_group")

    def __str__(self) -> str:
        return self.display_name


class ScimGroupMember(models.Model):
    """One entry of a SCIM Group's ``members``: a SCIM User of the same organization."""

    group = models.ForeignKey(ScimGroup, on_delete=models.CASCADE, related_name="member_links")
    scim_user = models.ForeignKey(ScimUser, on_delete=models.CASCADE, related_name="group_links")

    class Meta:
        ordering = ("id",)
        constraints = [
            models.UniqueConstraint(
                fields=("group", "scim_user"), name="cosmo_scim_group_member_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.scim_user} in {self.group}"
