"""The Python shapes of SCIM's JSON documents, named for annotations.

A SCIM message is JSON (RFC 7644 §3.1) as ``json.loads`` reads it: objects are dicts whose
members may hold any JSON value, and what a member must hold is checked where it is read
(:mod:`.coerce`, :mod:`.limits`, the PATCH engine). These names say which document a
function takes or gives.
"""

from typing import Any, TypeAlias

#: A JSON object: a resource's representation, a PATCH message, a value of a complex
#: attribute, a discovery document.
JsonObject: TypeAlias = dict[str, Any]
#: An attribute definition in RFC 7643 §7 form (``name``, ``type``, ``multiValued``,
#: ``mutability``, ``caseExact``, ``subAttributes``…), as ``/Schemas`` publishes it.
Definition: TypeAlias = dict[str, Any]
#: A schema document (RFC 7643 §7): its ``id`` (URN), ``name`` and ``attributes``.
SchemaDocument: TypeAlias = dict[str, Any]
