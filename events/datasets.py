"""The open-data dataset of events (ikm_registry/opendata), registered by contributions.register_all():
`kegiatan-peserta`, public events per year, organising office's region and kind, with their confirmed participants
by sex and the distinct IKM they reached — the events counted as the Statistik page's events panel counts them
(public, neither planned nor cancelled). Two grouped queries (events; registrations), whatever the numbers."""

from __future__ import annotations

from django.db.models import Count, Max, Q
from django.utils.translation import gettext_lazy as _

from ikm_registry.opendata import Column, Dataset


def counted_events():
    """The events the public figures count: on the public agenda, announced and not cancelled."""
    from events.choices import EventStatus
    from events.models import Event

    return Event.objects.public().exclude(status__in=(EventStatus.CANCELLED, EventStatus.PLANNED))


def event_rows() -> list[tuple]:
    """(tahun, kode_wilayah, nama_wilayah, jenis_kegiatan, nama_jenis, jumlah_kegiatan, peserta_laki_laki,
    peserta_perempuan, jumlah_peserta, ikm_terjangkau)."""
    from businesses.choices import Sex
    from events.choices import EventKind, RegistrationStatus
    from events.models import Registration
    from ikm_registry.models import Region

    events = counted_events().order_by()
    per_group = events.values_list("start_date__year", "region_code", "kind").annotate(n=Count("pk"))
    people = (
        Registration.objects.filter(event__in=events.values("pk"), status=RegistrationStatus.CONFIRMED)
        .order_by()
        .values_list("event__start_date__year", "event__region_code", "event__kind")
        .annotate(
            male=Count("pk", filter=Q(sex=Sex.MALE)),
            female=Count("pk", filter=Q(sex=Sex.FEMALE)),
            businesses=Count("business", distinct=True),
        )
    )
    reached = {
        (year, region, kind): (male, female, businesses) for year, region, kind, male, female, businesses in people
    }
    groups = sorted(per_group)
    names = Region.objects.names(region for _year, region, *_rest in groups)
    kinds = {value: str(label) for value, label in EventKind.choices}
    rows = []
    for year, region, kind, count in groups:
        male, female, businesses = reached.get((year, region, kind), (0, 0, 0))
        rows.append((year, region, names.get(region, ""), kind, kinds.get(kind, kind), count, male, female,
                     male + female, businesses))  # fmt: skip
    return rows


def event_modified():
    return counted_events().aggregate(at=Max("updated_at"))["at"]


EVENTS_DATASET = Dataset(
    name="kegiatan-peserta",
    order=300,
    title=_("Kegiatan pembinaan IKM dan pesertanya per tahun"),
    description=_(
        "Banyaknya kegiatan pembinaan IKM yang diumumkan di agenda publik (pelatihan, bimtek, pameran, temu usaha, "
        "dan lainnya) per tahun, wilayah Dinas penyelenggara dan jenis kegiatan, dengan peserta terdaftar menurut "
        "jenis kelamin dan banyaknya IKM yang terjangkau."
    ),
    concept=_("Kegiatan pembinaan industri kecil dan menengah oleh Dinas yang membidangi perindustrian."),
    definition=_(
        "Kegiatan: kegiatan pada agenda publik yang pendaftarannya sudah dibuka, sedang berlangsung atau selesai "
        "(tidak termasuk yang direncanakan atau dibatalkan). Peserta: pendaftaran yang dikonfirmasi. IKM terjangkau: "
        "banyaknya IKM berbeda yang pesertanya terdaftar."
    ),
    method=_(
        "Kegiatan dihitung menurut tahun tanggal mulai, wilayah Dinas penyelenggara dan jenis kegiatan; peserta "
        "dihitung per pendaftaran yang dikonfirmasi (jumlah_peserta = peserta_laki_laki + peserta_perempuan)."
    ),
    measure=_("Jumlah"),
    unit=_("Kegiatan; orang; unit usaha"),
    classifications=(_("Tahun"), _("Wilayah Dinas penyelenggara"), _("Jenis kegiatan"), _("Jenis kelamin")),
    estimation_level=_("Wilayah Dinas penyelenggara (provinsi atau kabupaten/kota)"),
    notes=_(
        "Tidak memuat nama atau data pribadi peserta. Kode dan nama wilayah: Kemendagri (idn-area-data, ODbL 1.0)."
    ),
    keywords=("IKM", "pembinaan", "pelatihan", "kegiatan", "peserta"),
    columns=(
        Column("tahun", _("Tahun"), "integer"),
        Column("kode_wilayah", _("Kode wilayah Dinas penyelenggara (Kemendagri)")),
        Column("nama_wilayah", _("Nama wilayah Dinas penyelenggara")),
        Column("jenis_kegiatan", _("Kode jenis kegiatan")),
        Column("nama_jenis", _("Jenis kegiatan")),
        Column("jumlah_kegiatan", _("Jumlah kegiatan"), "integer"),
        Column("peserta_laki_laki", _("Peserta laki-laki"), "integer"),
        Column("peserta_perempuan", _("Peserta perempuan"), "integer"),
        Column("jumlah_peserta", _("Jumlah peserta"), "integer"),
        Column("ikm_terjangkau", _("IKM terjangkau"), "integer"),
    ),
    rows=event_rows,
    modified=event_modified,
)
