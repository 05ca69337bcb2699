"""The SCIM PATCH engine (RFC 7644 §3.5.2), pure Python, no database.

- :mod:`.operations`: the PatchOp message into operations, each path into its target;
- :mod:`.patcher`: :func:`~.patcher.apply_patch`, the operations applied to a copy of the
  resource's representation;
- :mod:`.elements`: the values of multi-valued attributes (identity, merging, ``primary``);
- :mod:`.manager`: the enterprise ``manager``, a reference set or removed whole;
- value coercion is :mod:`cosmo_scim.protocol.coerce`, shared with the User translation.

Besides RFC 7644 it accepts every dialect listed in ``docs/idp-dialects.md``:

- Entra (default dialect) capitalises ``op`` ("Replace") and sends booleans as strings
  ("False"); it removes group members with ``path: "members"`` plus a value list; it sends
  ``manager`` as a bare id or ``[{"$ref": null, "value": id}]``; it replaces
  ``emails[type eq "work"].value`` even when the user has no work email yet.
- Entra with ``aadOptscim062020`` sends path-less replaces with dotted keys
  (``{"name.givenName": "A"}``) and removes members with ``members[value eq "id"]``.
- Okta deactivates with ``{"op": "replace", "value": {"active": false}}`` and renames a group
  with ``{"op": "replace", "value": {"id": "<same id>", "displayName": "New"}}``.
"""
