"""API keys get random primary keys (models.keys.new_key_id).

djangorestframework-api-key made a key's primary key ``<prefix>.<hashed key>``, so its
SHA-512 verifier showed in admin URLs, access logs and every row that names the key. Each
existing key gets a random id here, and every foreign key that names it (the audit trail,
the members' IdP links, rotation's ``replaces``, and any other model's, found from the
migration state) is moved to the new id in the same transaction. Only the id changes: the
prefix and hash that authenticate a key stay, so issued keys keep working.

Cost: one indexed UPDATE per referencing table per key, in one transaction; the audit rows
that name a key are rewritten once. PostgreSQL checks the foreign keys at COMMIT (Django
creates them DEFERRABLE INITIALLY DEFERRED), SQLite's are off while a migration runs.
Backwards: nothing to undo — the old code never reads anything from a key's id.
"""

import uuid

from django.db import migrations


def referencing_fields(api_key_model):
    """(model, field name) of every foreign key or one-to-one that points at API keys."""
    return [
        (relation.related_model, relation.field.name)
        for relation in api_key_model._meta.get_fields(include_hidden=True)
        if relation.auto_created and not relation.concrete and relation.field.concrete
    ]


def opaque_ids(apps, schema_editor):
    APIKey = apps.get_model("cosmo_scim", "APIKey")
    using = schema_editor.connection.alias
    references = referencing_fields(APIKey)
    for old in APIKey._base_manager.using(using).filter(id__contains=".").values_list(
        "id", flat=True
    ):
        new = str(uuid.uuid4())
        for model, field in references:
            model._base_manager.using(using).filter(**{f"{field}_id": old}).update(
                **{f"{field}_id": new}
            )
        APIKey._base_manager.using(using).filter(id=old).update(id=new)


class Migration(migrations.Migration):
    dependencies = [("cosmo_scim", "0007_full_user")]

    operations = [migrations.RunPython(opaque_ids, migrations.RunPython.noop)]
