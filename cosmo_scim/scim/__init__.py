"""The SCIM protocol layer: it translates SCIM JSON into lifecycle-service calls and back."""
