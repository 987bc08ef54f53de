from django.core.management.base import CommandError
from django.db.models import Q

from events.models import Event
from ikm_registry.tabular.command import TabularImportCommand


class Command(TabularImportCommand):
    help = (
        "Import a daftar hadir typed into Excel (CSV or XLSX) into an event: one row per participant with nama, "
        "jenis_kelamin (L/P), kategori, instansi, nib, nik, telepon, email and hadir_1 … hadir_N (the event's "
        "sessions in date order; v, ✓, x, 1, ya or hadir mean present). Every row is checked first; errors name "
        "the row, the column and the reason, and nothing is written unless every row is valid (or --skip-invalid). "
        "Rows match the event's registrations by NIK, else phone, else e-mail, else name: re-importing changes "
        "nothing. --event takes the event's code (kode kegiatan) or id."
    )
    kind = "participants"  # events.importing.ParticipantImporter
    command_name = "import_participants"

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--event", required=True, help="the event: its code (kode kegiatan) or its id")

    def importer_options(self, options) -> dict:
        wanted = options["event"].strip()
        match = Q(code__iexact=wanted) | (Q(pk=int(wanted)) if wanted.isdigit() else Q(pk__in=[]))
        events = list(Event.objects.filter(match).select_related("office")[:3])
        if not events:
            raise CommandError(f"No event with code or id {wanted!r}.")
        if len(events) > 1:
            offices = ", ".join(f"{event.pk} ({event.office})" for event in events)
            raise CommandError(f"Code {wanted!r} is used by several offices' events; give the id: {offices}.")
        return {"event": events[0].pk}
