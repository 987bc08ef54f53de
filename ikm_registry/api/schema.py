"""What the OpenAPI schema says beyond each view's own answer: the errors every endpoint may give, in one shape.

drf-spectacular documents the successful answer of each operation; this post-processing hook adds the others
(validation 400, 401 without a valid token on staff endpoints, 403, 404, 429 over the rate limit, and 304 for a
conditional GET of a public read), so that clients — and schemathesis in CI — can rely on the documented statuses.
The filter extension below is loaded by importing this module (ikm_registry.api.urls)."""

from django.core.validators import RegexValidator
from drf_spectacular.contrib.django_filters import DjangoFilterExtension

from ikm_registry.api.filters import IdFilter

ERROR = {
    "type": "object",
    "description": "`detail` (a message) or, for invalid input, one list of reasons per field.",
    "additionalProperties": True,
}
ERRORS = {
    "400": "Masukan tidak valid: setiap kolom yang salah dengan alasannya.",
    "403": "Peran Anda tidak boleh melakukan ini.",
    "404": "Tidak ada, atau di luar wilayah Anda.",
    "429": "Terlalu banyak permintaan; lihat header Retry-After.",
}


def add_error_responses(result, generator, request, public):
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["Galat"] = ERROR
    reference = {"application/json": {"schema": {"$ref": "#/components/schemas/Galat"}}}
    for path, operations in result.get("paths", {}).items():
        staff = "/staf/" in path
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            for status, description in ERRORS.items():
                responses.setdefault(status, {"description": description, "content": reference})
            if staff:
                responses.setdefault("401", {"description": "Tanpa token yang berlaku.", "content": reference})
                operation["security"] = [{"tokenAuth": []}]
            elif method == "get":
                responses.setdefault("304", {"description": "Salinan Anda masih berlaku (If-None-Match)."})
                operation["security"] = [{}]
    return result


class FilterParametersExtension(DjangoFilterExtension):
    """drf-spectacular's reading of django-filter parameters, plus what our filters check: a parameter's `maxLength`
    (and a pattern from a RegexValidator), so that the schema says which values are valid before a client tries."""

    priority = 1

    def resolve_filter_field(self, auto_schema, model, filterset_class, field_name, filter_field):
        parameters = super().resolve_filter_field(auto_schema, model, filterset_class, field_name, filter_field)
        max_length = filter_field.extra.get("max_length")
        patterns = [
            validator.regex.pattern
            for validator in filter_field.extra.get("validators", ())
            if isinstance(validator, RegexValidator) and not validator.inverse_match
        ]
        for parameter in parameters:
            schema = parameter.get("schema", {})
            if isinstance(filter_field, IdFilter):
                schema["type"] = "integer"
                schema.pop("format", None)
            for bound, key in (("min_value", "minimum"), ("max_value", "maximum")):
                if filter_field.extra.get(bound) is not None and schema.get("type") in ("number", "integer"):
                    schema[key] = filter_field.extra[bound]
            if schema.get("type") == "string":
                if max_length:
                    schema["maxLength"] = max_length
                if patterns:
                    schema["pattern"] = patterns[0]
        return parameters
