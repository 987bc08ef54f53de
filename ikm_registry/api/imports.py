"""The staff API's writes of rows: any registered tabular importer (businesses, events, participants, certificates,
product certificates …) takes JSON rows in its file layout and checks and writes them exactly as an uploaded file —
the same columns, parsing, validation, matching by natural key, region scope, all-or-nothing, history and upload
record. There is no second set of rules for the API.

    POST /api/v1/staf/impor/<jenis>/   {"baris": [{"nama_usaha": "…", …}, …], "opsi": {"year": 2025},
                                        "tulis": true, "lewati_tidak_valid": false}

Without `tulis` (or with false) nothing is written: the answer is the preview. Row numbers are those of the
equivalent file (header = row 1, first object = row 2)."""

import csv
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from ikm_registry.api.permissions import RegionStaffTokenPermission
from ikm_registry.tabular import registry
from ikm_registry.tabular.cells import CSV_ENCODING
from ikm_registry.tabular.uploads import upload_record_command

SCALARS = (str, int, float, bool, type(None))


class ImportRequestSerializer(serializers.Serializer):
    baris = serializers.ListField(
        child=serializers.DictField(), allow_empty=False, help_text="Baris dalam tata letak berkas impor jenis ini."
    )
    opsi = serializers.DictField(
        required=False, default=dict, help_text='Opsi pengimpor, mis. {"year": 2025} untuk IKM.'
    )
    tulis = serializers.BooleanField(
        required=False, default=False, help_text="Tulis bila semua baris valid; tanpa ini hanya pratinjau."
    )
    lewati_tidak_valid = serializers.BooleanField(
        required=False, default=False, help_text="Tulis baris yang valid, lewati yang tidak."
    )

    def validate_baris(self, rows):
        if len(rows) > settings.API_IMPORT_MAX_ROWS:
            raise serializers.ValidationError(
                _("Paling banyak %(max)s baris per permintaan; unggah berkas yang lebih besar di admin.")
                % {"max": settings.API_IMPORT_MAX_ROWS}
            )
        columns = list(rows[0])
        for number, row in enumerate(rows, start=2):
            if list(row) != columns and set(row) != set(columns):
                raise serializers.ValidationError(
                    _("Baris %(row)s punya kolom lain dari baris pertama; semua baris harus berkolom sama.")
                    % {"row": number}
                )
            for column, value in row.items():
                if "\x00" in column or (isinstance(value, str) and "\x00" in value):
                    raise serializers.ValidationError(
                        _("Baris %(row)s: karakter NUL tidak boleh ada di nama kolom atau isian.") % {"row": number}
                    )
                if not isinstance(value, SCALARS):
                    raise serializers.ValidationError(
                        _("Baris %(row)s, kolom %(column)s: isi berupa teks atau angka, bukan daftar atau objek.")
                        % {"row": number, "column": column}
                    )
        return rows

    def validate_opsi(self, options):
        for name, value in options.items():
            if "\x00" in name or (isinstance(value, str) and "\x00" in value):
                raise serializers.ValidationError(_("Karakter NUL tidak boleh ada di opsi."))
            if not isinstance(value, SCALARS):
                raise serializers.ValidationError(_("Opsi %(name)s harus teks atau angka.") % {"name": name})
        return options


ImportResponse = inline_serializer(
    "HasilImpor",
    {
        "jenis": serializers.CharField(),
        "ditulis": serializers.BooleanField(),
        "jumlah": serializers.DictField(child=serializers.IntegerField()),
        "baris": serializers.ListField(child=serializers.DictField()),
    },
)


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "ya" if value else "tidak"
    return str(value)


def rows_file(rows: list[dict], directory: Path) -> Path:
    """The rows as the CSV file an operator would upload (header = the first row's keys)."""
    path = directory / "api.csv"
    columns = list(rows[0])
    with path.open("w", encoding=CSV_ENCODING, newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        for row in rows:
            writer.writerow([_cell(row.get(column)) for column in columns])
    return path


def outcome_data(outcome) -> dict:
    return {
        "baris": outcome.row,
        "aksi": outcome.action,
        "id": outcome.record_id,
        "nama": outcome.name,
        "perubahan": [{"kolom": column, "lama": old, "baru": new} for column, old, new in outcome.changes],
        "kesalahan": [{"kolom": error.column, "alasan": error.message} for error in outcome.errors],
        "catatan": list(outcome.notes),
    }


class StaffImportView(APIView):
    """Check (and with `tulis`, write) rows of a registered import kind as the token's user."""

    permission_classes = [RegionStaffTokenPermission]

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "jenis", str, OpenApiParameter.PATH, enum=None, description="Jenis impor (GET /api/v1/staf/impor/)."
            )
        ],
        request=ImportRequestSerializer,
        responses={200: ImportResponse, 201: ImportResponse, 400: OpenApiTypes.OBJECT},
    )
    def post(self, request, jenis: str):
        try:
            importer_class = registry.get(jenis)
        except LookupError as error:
            raise NotFound(_("Jenis impor %(kind)s tidak ada.") % {"kind": jenis}) from error
        given = ImportRequestSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        options = {name: _cell(value) for name, value in data["opsi"].items()}
        importer = importer_class(user=request.user, options=options)
        with tempfile.TemporaryDirectory(prefix="api-import-") as directory:
            path = rows_file(data["baris"], Path(directory))
            try:
                plan = importer.plan(path, "api.csv")
            except DjangoValidationError as error:  # an option or the rows as a whole (PermissionDenied: 403 as it is)
                if hasattr(error, "error_dict"):
                    raise ValidationError({"opsi": error.message_dict}) from error
                raise ValidationError({"baris": error.messages}) from error
            result = None
            if data["tulis"]:
                result = importer.apply(plan, skip_invalid=data["lewati_tidak_valid"])
                upload_record_command(
                    kind=jenis,
                    command="api",
                    actor_label=f"API ({request.auth.prefix}…)",
                    path=path,
                    actor=request.user,
                    options=options,
                    skip_invalid=data["lewati_tidak_valid"],
                    plan=plan,
                    result=result,
                )
        written = result is not None and result.written
        body = {
            "jenis": jenis,
            "ditulis": written,
            "jumlah": dict(plan.counts),
            "baris": [outcome_data(outcome) for outcome in plan.rows],
        }
        if data["tulis"] and not written:
            return Response(body, status=status.HTTP_400_BAD_REQUEST)
        return Response(body, status=status.HTTP_201_CREATED if written else status.HTTP_200_OK)


class StaffImportKindsView(APIView):
    """The import kinds the staff API writes, with their columns (required ones marked)."""

    permission_classes = [RegionStaffTokenPermission]

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request):
        kinds = []
        for kind, label in registry.choices():
            importer_class = registry.get(kind)
            required = set(importer_class.required_names())
            kinds.append(
                {
                    "jenis": kind,
                    "nama": str(label),
                    "kolom": [{"nama": name, "wajib": name in required} for name in importer_class.column_names()],
                }
            )
        return Response({"jenis": kinds})
