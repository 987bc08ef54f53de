"""Personal data in the staff API (UU 27/2022 PDP): asked for, shown by role, and logged.

A staff endpoint leaves people's NIK, phone and e-mail (and, for businesses, the owner and the yearly figures) out
unless the request asks with `?data_pribadi=1`. Then they come as the admin shows them to that role (whole, or
masked for officials: ikm_registry/personal_data.py), and every such answer is one row of the export log, like a file
handed out: who, when, which query, how many rows. Lists whose every row names a person (participants, certificate
holders) are logged whether or not the other personal columns are asked for."""

from operator import attrgetter

from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers

from ikm_registry.personal_data import personal_data_access
from ikm_registry.services import export_logged

PARAMETER = "data_pribadi"
WITH_PERSONAL = OpenApiParameter(
    PARAMETER,
    bool,
    description="1: sertakan data pribadi (NIK, telepon, e-mail; disamarkan menurut peran). Setiap jawaban seperti ini "
    "dicatat di log ekspor.",
)


def wants_personal(request) -> bool:
    return request is not None and request.query_params.get(PARAMETER, "").lower() in ("1", "true", "ya")


def shown(user, field: str, value) -> str:
    """`value` of personal field `field` as `user`'s role may see it ("" when empty)."""
    return personal_data_access(user).display(field, value) if value else ""


class PersonalColumnsSerializer(serializers.Serializer):
    """Adds the view's `personal_columns` ({column: attribute path, e.g. "enrollment.nik"}) to each row when the
    request asks for them."""

    def to_representation(self, instance):
        row = super().to_representation(instance)
        request, view = self.context.get("request"), self.context.get("view")
        if view is not None and wants_personal(request):
            for column, path in view.personal_columns.items():
                row[column] = shown(request.user, path.rpartition(".")[2], attrgetter(path)(instance))
        return row


class PersonalDataApiMixin:
    """For staff viewsets that can answer with personal data: logs each such answer (ExportLog, format "api").
    `names_people`: every row names a person (a participant, a certificate's holder), so every answer with rows is
    logged, asked for personal columns or not. `individual_key`: a row key whose presence means the row holds one
    business's own figures."""

    personal_columns: dict[str, str] = {}
    names_people = False
    individual_key = ""

    def discloses(self, request) -> bool:
        """Whether this answer holds personal data (and is logged when it has rows)."""
        return self.names_people or wants_personal(request)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if request.method == "GET" and response.status_code == 200 and self.discloses(request):
            data = response.data if isinstance(response.data, dict) else {}
            rows = data["results"] if "results" in data else [data]
            if rows:
                export_logged(
                    user=request.user,
                    what=self.get_queryset().model,
                    file_format="api",
                    filter=request.get_full_path(),
                    row_count=len(rows),
                    personal_data=True,
                    individual_data=bool(self.individual_key) and any(row.get(self.individual_key) for row in rows),
                )
        return response
