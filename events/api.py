"""Events in the API (/api/v1/), registered in EventsConfig.ready().

Public: `kegiatan` — the agenda (events marked public; never a participant), filtered by `waktu` (akan/lalu), `jenis`
and `wilayah` (the venue's province or regency), as on /agenda/.

Staff (token): `staf/kegiatan` — the events of the token user's region (`restrict()`), in the import layout of
`import_events`, with the workflow's steps (`…/<id>/aksi/`); `staf/pendaftaran` — registrations (participants) of
those events, filtered by `kegiatan`, the participant's NIK, phone and e-mail only with `?data_pribadi=1` (masked by
role, logged like an export), with the registration workflow's steps. Writes of events and participants go through
their importers (`POST /api/v1/staf/impor/events/`, `…/participants/` with `opsi.event`).
"""

import django_filters
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, viewsets

from events.choices import EventKind
from events.models import Event, Registration
from ikm_registry.api.conditional import ConditionalGetMixin
from ikm_registry.api.filters import ID_PATTERN, IdFilter
from ikm_registry.api.permissions import StaffApiMixin
from ikm_registry.api.personal import WITH_PERSONAL, PersonalColumnsSerializer, PersonalDataApiMixin
from ikm_registry.api.reference import region_trail_names
from ikm_registry.api.workflow import WorkflowActionMixin
from ikm_registry.public_url import public_url
from ikm_registry.scoping import region_q


class EventFieldsSerializer(serializers.Serializer):
    """What the agenda and the staff both read of an event, under the names of the `import_events` layout."""

    id = serializers.IntegerField()
    kode_kegiatan = serializers.CharField(source="code")
    judul = serializers.CharField(source="title")
    jenis = serializers.CharField(source="kind")
    status = serializers.CharField()
    tanggal_mulai = serializers.DateField(source="start_date")
    tanggal_selesai = serializers.DateField(source="end_date")
    tempat = serializers.CharField(source="venue")
    kode_wilayah_tempat = serializers.CharField(source="venue_region_id", allow_null=True)
    kuota = serializers.IntegerField(source="quota", allow_null=True)
    pendaftaran_mulai = serializers.DateTimeField(source="registration_opens", allow_null=True)
    pendaftaran_selesai = serializers.DateTimeField(source="registration_closes", allow_null=True)
    deskripsi = serializers.CharField(source="description")


class EventPublicSerializer(EventFieldsSerializer):
    wilayah_tempat = serializers.SerializerMethodField()
    penyelenggara = serializers.CharField(source="office.name")
    pendaftaran_dibuka = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()
    kalender = serializers.SerializerMethodField(help_text="Berkas iCalendar (.ics) kegiatan.")

    def get_wilayah_tempat(self, event) -> dict[str, str]:
        return region_trail_names(event.venue_region)

    def get_pendaftaran_dibuka(self, event) -> bool:
        return event.registration_is_open(self.context.get("now"))

    def get_url(self, event) -> str:
        return public_url(f"/agenda/{event.pk}/")

    def get_kalender(self, event) -> str:
        return public_url(f"/agenda/{event.pk}/kalender.ics")


class AgendaFilterSet(django_filters.FilterSet):
    waktu = django_filters.ChoiceFilter(
        label=_("Waktu"), choices=[("akan", _("Akan datang")), ("lalu", _("Sudah lewat"))], method="filter_waktu"
    )
    jenis = django_filters.ChoiceFilter(label=_("Jenis"), field_name="kind", choices=EventKind.choices)
    wilayah = django_filters.CharFilter(label=_("Wilayah tempat"), method="filter_wilayah", max_length=13)

    class Meta:
        model = Event
        fields = []

    def filter_waktu(self, queryset, name, value):
        today = timezone.localdate()
        return queryset.filter(end_date__lt=today) if value == "lalu" else queryset.filter(end_date__gte=today)

    def filter_wilayah(self, queryset, name, value):
        return queryset.filter(region_q("venue_region__code", value))


@extend_schema_view(list=extend_schema(summary="Agenda kegiatan"), retrieve=extend_schema(summary="Satu kegiatan"))
class EventPublicViewSet(ConditionalGetMixin, viewsets.ReadOnlyModelViewSet):
    """Public events of the agenda (workshops, pelatihan, bimtek, pameran, temu usaha)."""

    lookup_value_regex = ID_PATTERN
    queryset = Event.objects.none()
    serializer_class = EventPublicSerializer
    filterset_class = AgendaFilterSet

    def get_queryset(self):
        return Event.objects.public().select_related("venue_region__parent__parent__parent", "office")

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "now": timezone.now()}


# --- staff --------------------------------------------------------------------------------------------------------


class EventStaffSerializer(EventFieldsSerializer):
    """An event in the layout of `import_events`, with its id and status."""

    penyelenggara = serializers.CharField(source="office.region_id", help_text="Kode wilayah kantor penyelenggara.")
    publik = serializers.BooleanField(source="is_public")
    sumber_dana = serializers.CharField(source="funding_source")
    anggaran = serializers.DecimalField(
        source="budget_planned", max_digits=15, decimal_places=2, allow_null=True, coerce_to_string=False
    )
    dibuat = serializers.DateTimeField(source="created_at")
    diubah = serializers.DateTimeField(source="updated_at")


class EventStaffFilterSet(django_filters.FilterSet):
    status = django_filters.CharFilter(label=_("Status"), field_name="status", max_length=20)
    jenis = django_filters.ChoiceFilter(label=_("Jenis"), field_name="kind", choices=EventKind.choices)
    tahun = IdFilter(label=_("Tahun mulai"), field_name="start_date__year", min_value=1900, max_value=2200)

    class Meta:
        model = Event
        fields = []


@extend_schema_view(list=extend_schema(summary="Kegiatan wilayah Anda (staf)"))
class EventStaffViewSet(StaffApiMixin, WorkflowActionMixin, viewsets.ReadOnlyModelViewSet):
    queryset = Event.objects.all()
    serializer_class = EventStaffSerializer
    filterset_class = EventStaffFilterSet

    def get_queryset(self):
        return self.restricted(Event.objects.select_related("office"))


class RegistrationStaffSerializer(PersonalColumnsSerializer):
    id = serializers.IntegerField()
    kegiatan = serializers.IntegerField(source="event_id")
    kode_peserta = serializers.CharField(source="code")
    nama = serializers.CharField(source="name")
    jenis_kelamin = serializers.CharField(source="sex")
    kategori = serializers.CharField(source="category")
    instansi = serializers.CharField(source="institution")
    ikm = serializers.IntegerField(source="business_id", allow_null=True)
    status = serializers.CharField()
    mendaftar = serializers.DateTimeField(source="registered_at")


class RegistrationStaffFilterSet(django_filters.FilterSet):
    kegiatan = IdFilter(label=_("ID kegiatan"), field_name="event_id")
    status = django_filters.CharFilter(label=_("Status"), field_name="status", max_length=20)

    class Meta:
        model = Registration
        fields = []


@extend_schema_view(
    list=extend_schema(summary="Pendaftaran peserta kegiatan wilayah Anda (staf)", parameters=[WITH_PERSONAL]),
    retrieve=extend_schema(summary="Satu pendaftaran (staf)", parameters=[WITH_PERSONAL]),
)
class RegistrationStaffViewSet(PersonalDataApiMixin, StaffApiMixin, WorkflowActionMixin, viewsets.ReadOnlyModelViewSet):
    queryset = Registration.objects.all()
    serializer_class = RegistrationStaffSerializer
    filterset_class = RegistrationStaffFilterSet
    names_people = True  # the participant's / holder's name: every answer is logged
    personal_columns = {"nik": "nik", "telepon": "phone", "email": "email"}

    def get_queryset(self):
        return self.restricted(Registration.objects.all())


def register_api_routes() -> None:
    from ikm_registry.api.registry import ApiRoute, api_routes

    for route in (
        ApiRoute(name="kegiatan", prefix="kegiatan", viewset=EventPublicViewSet),
        ApiRoute(name="staf-kegiatan", prefix="staf/kegiatan", viewset=EventStaffViewSet),
        ApiRoute(name="staf-pendaftaran", prefix="staf/pendaftaran", viewset=RegistrationStaffViewSet),
    ):
        api_routes.register(route, replace=True)
