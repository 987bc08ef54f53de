"""Imports of certification through the core engine (ikm_registry/tabular): an LSP's result sheet
(`import_certificates`, kind "certificates") and the product certificates IKM hold (`import_product_certificates`,
kind "product_certificates"). Layouts: DESIGN §8.

Result sheet: one row per asesi. The business is found by `nib`, else by `nik` as the NIK of a registered owner; it
must be one the importing user may change. A row is the same person as an enrollment of that business in that scheme
with the same NIK (or, without one, the same name as people read it): the latest attempt with a result is updated
(re-importing changes nothing), an attempt waiting in a session gets its result through the workflow, a "belum
kompeten" tested again later (a newer `tanggal_uji`) becomes a new attempt naming it. Otherwise the row creates an
enrollment already "kompeten" or "belum kompeten", with, for K, its certificate, active and valid for the scheme's
months unless `berlaku_sampai` says otherwise. A certificate number used twice in one LSP is refused.

Product certificates: one row per certificate, matched by (business, jenis, nomor) with the number as the model
normalises it (P-IRT 1234567890123-45, BPOM MD123456789012); the model's rules check it and derive its expiry.
"""

from __future__ import annotations

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from businesses.models import Business, Owner, Product
from businesses.services.duplicates import business_match_key
from certification.choices import AsesiRole, CertificateStatus, EnrollmentStatus, ProductCertificateKind
from certification.models import Certificate, Enrollment, Lsp, ProductCertification, Scheme
from certification.services.enrollment import record_result
from certification.services.workflow import CERTIFICATE_WORKFLOW, ENROLLMENT_WORKFLOW
from ikm_registry.models import Region
from ikm_registry.scoping import CHANGE, region_q
from ikm_registry.tabular import registry
from ikm_registry.tabular.cells import cell_text
from ikm_registry.tabular.columns import CellError, Choice, Date, Identifier, NikLike, RegionCode, Text, identifier
from ikm_registry.tabular.engine import Importer, RowError, Write, chunks, keep_registered_text, loose

S = EnrollmentStatus
K = ProductCertificateKind

# Enrollments waiting in a session for the LSP's decision: the sheet records it through the workflow.
AWAITING = (S.SCHEDULED, S.ASSESSED)
RESULTS = (S.COMPETENT, S.NOT_YET_COMPETENT)
RESULT_WORDS = {
    "k": S.COMPETENT,
    "kompeten": S.COMPETENT,
    "competent": S.COMPETENT,
    "bk": S.NOT_YET_COMPETENT,
    "belum kompeten": S.NOT_YET_COMPETENT,
    "belum_kompeten": S.NOT_YET_COMPETENT,
    "not yet competent": S.NOT_YET_COMPETENT,
}
# Ways people write a kind besides its value and label ("halal", "P-IRT", "BPOM MD", …).
KIND_WORDS = {
    "spp-irt": K.PIRT,
    "sppirt": K.PIRT,
    "p irt": K.PIRT,
    "md": K.BPOM_MD,
    "bpom-md": K.BPOM_MD,
    "ml": K.BPOM_ML,
    "bpom-ml": K.BPOM_ML,
    "merk": K.MEREK,
    "lain-lain": K.OTHER,
}


def _user_or_none(user):
    return user if getattr(user, "pk", None) is not None else None


def _model_errors(obj, number: int, outcome, names: dict[str, str], *, also=None, ignore=()) -> None:
    """full_clean of the fields in `names` (model field → column), without unique checks and without the queries of
    foreign keys the importer resolved; each error is put on its column (`also` names the columns of other fields
    the model's clean() may blame), one reason per column. Errors of the fields in `ignore` are dropped (what the
    import itself makes true when it writes)."""
    exclude = [field.name for field in obj._meta.concrete_fields if field.name not in names]
    names = {**(also or {}), **names}
    try:
        obj.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        taken = {e.column for e in outcome.errors}
        for field, messages in error.message_dict.items():
            if field in ignore:
                continue
            column = "" if field == NON_FIELD_ERRORS else names.get(field, field)
            if column not in taken:
                taken.add(column)
                outcome.errors.append(RowError(number, column, messages[0]))


def _record_changes(outcome, columns, before: dict, obj) -> list[str]:
    """The attributes of `obj` that differ from `before`; the columns among them go on the outcome (old → new)."""
    keep_registered_text(obj, before)
    changed = [attname for attname, old in before.items() if getattr(obj, attname) != old]
    for column in columns:
        if column.field in changed:
            outcome.changed.append(column.name)
            outcome.changes.append(
                (column.name, column.shown(before[column.field]), column.shown(getattr(obj, column.field)))
            )
    return changed


class _BusinessFinder:
    """Shared by both importers: registered businesses by NIB, refused when outside what the user may change."""

    def load_businesses(self, ids) -> None:
        ids = set(ids) - set(self.businesses)
        for chunk in chunks(ids):
            self.businesses.update((b.pk, b) for b in Business.objects.filter(pk__in=chunk))
        for chunk in chunks(set(self.businesses) - self.allowed):
            self.allowed |= set(
                Business.objects.restrict(self.user, CHANGE).filter(pk__in=chunk).values_list("pk", flat=True)
            )

    def by_nib(self, rows) -> dict[str, int]:
        nibs = {identifier(row.values.get("nib")) for row in rows} - {""}
        found = {}
        for chunk in chunks(nibs):
            found.update(Business.objects.filter(nib__in=chunk).values_list("nib", "pk"))
        return found

    def allowed_business(self, number: int, column: str, pk: int, outcome):
        if pk not in self.allowed:
            outcome.errors.append(RowError(number, column, _("IKM ini berada di luar wilayah Anda.")))
            return None
        return self.businesses[pk]


# --- the result sheet of an LSP ------------------------------------------------------------------------------------

RESULT_COLUMNS = (
    Text("nama", field="name", required=True),
    NikLike("nik", field="nik"),
    Identifier("nib"),
    Choice("jabatan", field="role", choices=AsesiRole, default=AsesiRole.MANAGER),
    Text("skema", required=True),
    Text("lsp"),
    Date("tanggal_uji", field="assessed_on"),
    Choice(
        "hasil",
        required=True,
        choices=S,
        words=RESULT_WORDS,
        message=lambda: _("Tulis K (kompeten) atau BK (belum kompeten)."),
    ),
    Text("nomor_sertifikat", field="number"),
    Text("nomor_registrasi", field="registration_number"),
    Date("tanggal_terbit", field="issued_on"),
    Date("berlaku_sampai", field="valid_until"),
)
# The columns that are fields of the enrollment, and of the certificate.
ENROLLMENT_COLUMNS = tuple(c for c in RESULT_COLUMNS if c.name in ("nama", "nik", "jabatan", "tanggal_uji"))
CERTIFICATE_COLUMNS = tuple(RESULT_COLUMNS[-4:])


class ResultWrite(Write):
    """A row's enrollment (new or changed), the result to record through the workflow for one waiting in a session,
    and its certificate (new or changed)."""

    def __init__(self, obj, fields=(), *, result=None, certificate=None, certificate_fields=()):
        super().__init__(obj, list(fields))
        self.result = result
        self.certificate = certificate
        self.certificate_fields = list(certificate_fields)

    @property
    def certificate_is_new(self) -> bool:
        return self.certificate is not None and self.certificate.pk is None

    @property
    def has_changes(self) -> bool:
        return bool(self.fields or self.result or self.certificate_is_new or self.certificate_fields)


@registry.register
class CertificateImporter(_BusinessFinder, Importer):
    kind = "certificates"
    record_url_name = "admin:certification_enrollment_change"
    label = gettext_lazy("hasil uji kompetensi (LSP)")
    model = Enrollment
    columns = RESULT_COLUMNS
    write_class = ResultWrite

    @classmethod
    def upload_intro(cls, options: dict) -> str:
        return _(
            "Lembar hasil uji dari LSP: satu baris per asesi dengan skema dan hasil K/BK; asesi kompeten dengan "
            "nomor dan tanggal terbit sertifikatnya. Usaha dikenali dari NIB (atau NIK pemilik). Mengimpor ulang "
            "tidak mengubah apa pun."
        )

    def prepare(self, rows) -> None:
        super().prepare(rows)
        self.schemes: dict[str, list[Scheme]] = {}
        for scheme in Scheme.objects.restrict(self.user).select_related("lsp"):
            self.schemes.setdefault(loose(scheme.code), []).append(scheme)
        self.lsps = {loose(lsp.name): lsp for lsp in Lsp.objects.restrict(self.user)}
        self.businesses: dict[int, Business] = {}
        self.allowed: set[int] = set()
        self.nib_to_business = self.by_nib(rows)
        niks = set()
        for row in rows:
            try:
                niks.add(self.by_name["nik"].parse(row.values.get("nik")))
            except CellError:
                continue
        self.owner_businesses: dict[str, set[int]] = {}
        for chunk in chunks(niks - {""}):
            for nik, business_id in Owner.objects.filter(nik__in=chunk).values_list("nik", "business_id"):
                self.owner_businesses.setdefault(nik, set()).add(business_id)
        self.load_businesses(
            {*self.nib_to_business.values(), *(pk for ids in self.owner_businesses.values() for pk in ids)}
        )
        self.enrollments: dict[tuple[int, int], list[Enrollment]] = {}
        schemes = {scheme.pk: scheme for same_code in self.schemes.values() for scheme in same_code}
        for chunk in chunks(self.allowed):
            enrollments = (
                Enrollment.objects.filter(business_id__in=chunk, scheme_id__in=list(schemes))
                .exclude(status=S.WITHDRAWN)
                .order_by("registered_at", "pk")
            )
            for enrollment in enrollments:
                enrollment.business = self.businesses[enrollment.business_id]
                enrollment.scheme = schemes[enrollment.scheme_id]
                self.enrollments.setdefault((enrollment.business_id, enrollment.scheme_id), []).append(enrollment)
        numbers = set()
        for row in rows:
            numbers.add(cell_text(row.values.get("nomor_sertifikat")))
        # (LSP, number as people read it) → the certificates registered with it
        self.numbers: dict[tuple[int, str], set[int]] = {}
        for chunk in chunks(numbers - {""}):
            registered = Certificate.objects.filter(number__in=chunk).values_list(
                "pk", "number", "enrollment__scheme__lsp_id"
            )
            for pk, number, lsp_id in registered:
                self.numbers.setdefault((lsp_id, loose(number)), set()).add(pk)
        self.numbers_in_file: dict[tuple[int, str], int] = {}

    # -- per row ----------------------------------------------------------------------------------------------

    def resolve(self, row, values, outcome) -> None:
        super().resolve(row, values, outcome)
        values["_scheme"] = self._scheme(row.number, values, outcome)
        values["_business"] = self._business(row.number, values, outcome)

    def _scheme(self, number: int, values: dict, outcome):
        code, lsp_name = values.get("skema"), values.get("lsp")
        if not code:
            return None
        lsp = None
        if lsp_name:
            lsp = self.lsps.get(loose(lsp_name))
            if lsp is None:
                outcome.errors.append(RowError(number, "lsp", _("LSP %(name)s tidak dikenal.") % {"name": lsp_name}))
                return None
        schemes = [s for s in self.schemes.get(loose(code), []) if lsp is None or s.lsp_id == lsp.pk]
        if not schemes:
            message = (
                _("LSP %(lsp)s tidak punya skema %(code)s.") % {"lsp": lsp.name, "code": code}
                if lsp
                else _("Skema %(code)s tidak dikenal.") % {"code": code}
            )
            outcome.errors.append(RowError(number, "skema", message))
            return None
        if len(schemes) > 1:
            outcome.errors.append(
                RowError(
                    number,
                    "lsp",
                    _("Kode skema %(code)s dipakai beberapa LSP (%(lsps)s); isi kolom lsp.")
                    % {"code": code, "lsps": ", ".join(sorted(s.lsp.name for s in schemes))},
                )
            )
            return None
        return schemes[0]

    def _business(self, number: int, values: dict, outcome):
        nib, nik = values.get("nib"), values.get("nik")
        if nib:
            pk = self.nib_to_business.get(nib)
            if pk is None:
                outcome.errors.append(RowError(number, "nib", _("NIB %(nib)s tidak terdaftar.") % {"nib": nib}))
                return None
            return self.allowed_business(number, "nib", pk, outcome)
        if not nik:
            outcome.errors.append(
                RowError(number, "nib", _("Isi NIB usaha tempat asesi bekerja (atau NIK asesi bila ia pemiliknya)."))
            )
            return None
        found = self.owner_businesses.get(nik, set())
        if not found:
            outcome.errors.append(
                RowError(number, "nik", _("Tidak ada IKM terdaftar dengan pemilik ber-NIK ini; isi kolom nib."))
            )
            return None
        if len(found) > 1:
            outcome.errors.append(RowError(number, "nik", _("Pemilik ber-NIK ini punya beberapa IKM; isi kolom nib.")))
            return None
        return self.allowed_business(number, "nik", next(iter(found)), outcome)

    def match(self, row, values, outcome, seen):
        """The registered enrollment of this person in this business and scheme the row updates, if any."""
        business, scheme = values.get("_business"), values.get("_scheme")
        name, nik = values.get("nama"), values.get("nik")
        if business is None or scheme is None or not name:
            return None
        key = (business.pk, scheme.pk, ("nik", nik) if nik else ("name", loose(name)))
        first = seen.setdefault(key, row.number)
        if first != row.number:
            outcome.errors.append(
                RowError(row.number, "nama", _("Asesi yang sama dengan baris %(row)s.") % {"row": first})
            )
            return None
        candidates = self.enrollments.get((business.pk, scheme.pk), [])
        same = [e for e in candidates if nik and e.nik == nik]
        if not same:
            same = [e for e in candidates if loose(e.name) == loose(name) and (not nik or not e.nik)]
        if not same:
            return None
        latest = same[-1]
        if latest.status == S.REGISTERED:
            outcome.errors.append(
                RowError(
                    row.number,
                    "nama",
                    _(
                        "Asesi ini terdaftar menunggu jadwal uji (ID %(id)s): masukkan ke jadwal uji dulu, lalu impor ulang."
                    )
                    % {"id": latest.pk},
                )
            )
            return None
        result, tested = values.get("hasil"), values.get("tanggal_uji")
        if latest.status in AWAITING or result is None:
            return latest
        if latest.status == S.NOT_YET_COMPETENT and tested and latest.assessed_on and tested > latest.assessed_on:
            values["_previous"] = latest  # tested again: a new attempt
            return None
        if latest.status != result:
            recorded = latest.get_status_display().lower()
            if latest.status == S.NOT_YET_COMPETENT:
                message = _("Tercatat %(status)s (uji %(date)s); untuk uji ulang isi tanggal_uji yang lebih baru.") % {
                    "status": recorded,
                    "date": latest.assessed_on.strftime("%d-%m-%Y") if latest.assessed_on else "—",
                }
            else:
                message = _("Tercatat %(status)s; hasil ini hanya dapat dikoreksi lewat admin.") % {"status": recorded}
            outcome.errors.append(RowError(row.number, "hasil", message))
            return None
        return latest

    def matched(self, records) -> None:
        by_pk = {record.pk: record for record in records}
        self.certificates = {}
        for chunk in chunks(by_pk):
            for certificate in Certificate.objects.filter(enrollment_id__in=chunk):
                certificate.enrollment = by_pk[certificate.enrollment_id]
                self.certificates[certificate.enrollment_id] = certificate

    def build(self, row, values, existing, outcome):
        business, scheme = values.pop("_business", None), values.pop("_scheme", None)
        previous = values.pop("_previous", None)
        result = values.get("hasil")
        number = row.number
        self._check_result(number, values, result, outcome)
        person = {
            column.field: values[column.name]
            for column in ENROLLMENT_COLUMNS
            if column.name in values and not (existing is not None and cell_text(row.values[column.name]) == "")
        }
        tested = values.get("tanggal_uji")
        retested = bool(
            existing is not None and existing.assessed_on and tested and tested > existing.assessed_on
        )  # a later assessment of someone already competent: a recertification, not a correction
        if existing is None:
            enrollment = Enrollment(
                business=business, scheme=scheme, previous=previous, created_by=_user_or_none(self.user), **person
            )
            if result:
                ENROLLMENT_WORKFLOW.initial(enrollment, result)
            before = {}
        else:
            enrollment = existing
            before = {field: getattr(enrollment, field) for field in person}
            for field, value in person.items():
                setattr(enrollment, field, value)
        names = {column.field: column.name for column in ENROLLMENT_COLUMNS}
        _model_errors(enrollment, number, outcome, names)
        certificate, certificate_fields = None, []
        if result == S.COMPETENT and business is not None and scheme is not None:
            registered = self.certificates.get(existing.pk) if existing is not None else None
            registered_number = registered.number if registered is not None else ""
            certificate, certificate_fields = self._certificate(row, values, enrollment, existing, scheme, outcome)
            if retested and registered is not None and "number" in certificate_fields:
                outcome.errors.append(
                    RowError(
                        number,
                        "nomor_sertifikat",
                        _(
                            "Asesi ini sudah tercatat kompeten dengan sertifikat %(number)s; sertifikat dari uji "
                            "ulang atau perpanjangan (RCC) dicatat lewat admin."
                        )
                        % {"number": registered_number},
                    )
                )
        if business is None or scheme is None or outcome.errors:
            return None
        outcome.name = f"{enrollment.name} — {scheme.code}"
        awaiting = existing is not None and existing.status in AWAITING
        if existing is None:
            return self.write_class(enrollment, certificate=certificate)
        changed = _record_changes(outcome, ENROLLMENT_COLUMNS, before, enrollment)
        if awaiting:
            outcome.changed.append("hasil")
            outcome.changes.append(("hasil", existing.get_status_display(), str(S(result).label)))
        if certificate is not None and certificate.pk is None:
            outcome.changed.append("nomor_sertifikat")
            outcome.changes.append(("nomor_sertifikat", "", certificate.number))
        return self.write_class(
            enrollment,
            changed,
            result=result if awaiting else None,
            certificate=certificate,
            certificate_fields=certificate_fields,
        )

    def _check_result(self, number: int, values: dict, result, outcome) -> None:
        if result == S.COMPETENT:
            for column in ("nomor_sertifikat", "tanggal_terbit"):
                if not values.get(column):
                    outcome.errors.append(RowError(number, column, _("Wajib diisi untuk asesi kompeten (K).")))
        elif result == S.NOT_YET_COMPETENT and values.get("nomor_sertifikat"):
            outcome.errors.append(
                RowError(
                    number, "nomor_sertifikat", _("Asesi belum kompeten (BK) tidak mendapat sertifikat; kosongkan.")
                )
            )

    def _certificate(self, row, values, enrollment, existing, scheme, outcome):
        """The certificate of a competent row: new, or the registered one with the row's values."""
        number = row.number
        fields = {
            column.field: values[column.name]
            for column in CERTIFICATE_COLUMNS
            if column.name in values and cell_text(row.values[column.name]) != ""
        }
        certificate = self.certificates.get(existing.pk) if existing is not None else None
        before = {}
        if certificate is None:
            certificate = Certificate(enrollment=enrollment, **fields)
            CERTIFICATE_WORKFLOW.initial(certificate, CertificateStatus.ACTIVE)
        else:
            before = {field: getattr(certificate, field) for field in (*fields, "valid_until", "surveillance_due")}
            for field, value in fields.items():
                setattr(certificate, field, value)
            if certificate.issued_on != before.get("issued_on", certificate.issued_on):
                # a corrected issue date moves the dates derived from it (fill_dates, in clean)
                certificate.surveillance_due = None
                if "valid_until" not in fields:
                    certificate.valid_until = None
        names = {column.field: column.name for column in CERTIFICATE_COLUMNS}
        # The enrollment is made competent by this import in the same transaction.
        _model_errors(certificate, number, outcome, names, ignore=("enrollment",))
        if certificate.number:
            key = (scheme.lsp_id, loose(certificate.number))
            first = self.numbers_in_file.setdefault(key, number)
            if first != number:
                outcome.errors.append(
                    RowError(
                        number, "nomor_sertifikat", _("Nomor sertifikat sama dengan baris %(row)s.") % {"row": first}
                    )
                )
            elif self.numbers.get(key, set()) - {certificate.pk}:
                outcome.errors.append(
                    RowError(
                        number,
                        "nomor_sertifikat",
                        _("Nomor sertifikat ini sudah tercatat untuk asesi lain dari LSP yang sama."),
                    )
                )
        if certificate.pk is None:
            return certificate, []
        return certificate, _record_changes(outcome, CERTIFICATE_COLUMNS, before, certificate)

    # -- writing ----------------------------------------------------------------------------------------------

    def write(self, plan, history, progress) -> None:
        new = [write.obj for write in plan.writes if write.is_new]
        history.create(Enrollment, new)
        ENROLLMENT_WORKFLOW.log_created(new, actor=self.user, note=history.reason)
        history.update(
            Enrollment, [(write.obj, write.fields) for write in plan.writes if not write.is_new and write.fields]
        )
        for write in plan.writes:
            if write.result:
                write.obj = record_result(write.obj, write.result == S.COMPETENT, actor=self.user, note=history.reason)
        certificates = []
        for write in plan.writes:
            if write.certificate_is_new:
                write.certificate.enrollment = write.obj  # its id, now that the enrollment is saved
                write.certificate.fill_dates()  # bulk_create does not call save()
                certificates.append(write.certificate)
        history.create(Certificate, certificates)
        CERTIFICATE_WORKFLOW.log_created(certificates, actor=self.user, note=history.reason)
        changed = []
        for write in plan.writes:
            if write.certificate_fields:
                write.certificate.fill_dates()
                changed.append((write.certificate, write.certificate_fields))
        history.update(Certificate, changed)

    def after_write(self, plan) -> None:
        ids = {write.obj.pk for write in plan.writes}
        if Enrollment.objects.restrict(self.user, CHANGE).filter(pk__in=ids).count() != len(ids):
            raise PermissionDenied(_("Sebagian asesi berada di luar wilayah Anda; tidak ada yang ditulis."))


# --- product certificates ------------------------------------------------------------------------------------------


class KindChoice(Choice):
    def parse(self, value):
        found = KIND_WORDS.get(" ".join(cell_text(value).split()).casefold())
        return found if found is not None else super().parse(value)


PRODUCT_CERTIFICATE_COLUMNS = (
    Identifier("nib"),
    Text("nama_usaha"),
    Text("nama_pemilik"),
    RegionCode("kode_wilayah"),
    KindChoice("jenis", field="kind", required=True, choices=K),
    Text("nomor", field="number", required=True),
    Text("produk", field="product_name"),
    Text("penerbit", field="issuer"),
    Date("tanggal_terbit", field="issued_on"),
    Date("berlaku_sampai", field="valid_until"),
    Date("tanggal_permohonan", field="filed_on"),
)
# The columns set on the certificate as they are (the business columns find it; `produk` is matched to a product).
PRODUCT_CERTIFICATE_FIELDS = tuple(c for c in PRODUCT_CERTIFICATE_COLUMNS[4:] if c.name != "produk")
# Model fields whose errors are put on a column the row does not name directly.
PRODUCT_CERTIFICATE_ERRORS = {"product": "produk", "legal_basis": "jenis", "assistance": ""}


def normalised_number(kind: str, number: str) -> str:
    """The number as the model stores it (its own rules: P-IRT printed with its dash, BPOM without spaces)."""
    probe = ProductCertification(kind=kind, number=number)
    probe.apply_rules()
    return probe.number


@registry.register
class ProductCertificateImporter(_BusinessFinder, Importer):
    kind = "product_certificates"
    record_url_name = "admin:certification_productcertification_change"
    label = gettext_lazy("sertifikat produk")
    model = ProductCertification
    columns = PRODUCT_CERTIFICATE_COLUMNS

    @classmethod
    def upload_intro(cls, options: dict) -> str:
        return _(
            "Sertifikat produk IKM (halal, P-IRT, SNI, BPOM, merek): satu baris per sertifikat. Usaha dikenali dari "
            "NIB, atau nama usaha, nama pemilik dan kode wilayah. Masa berlaku P-IRT dihitung dari nomornya, merek "
            "10 tahun sejak permohonan. Mengimpor ulang tidak mengubah apa pun."
        )

    def prepare(self, rows) -> None:
        super().prepare(rows)
        self.businesses: dict[int, Business] = {}
        self.allowed: set[int] = set()
        self.nib_to_business = self.by_nib(rows)
        regions = {}
        for row in rows:
            if identifier(row.values.get("nib")) == "":
                code = self.by_name["kode_wilayah"].parse(row.values.get("kode_wilayah"))
                regions.setdefault(code, []).append(row)
        self.known_regions = set()
        for chunk in chunks(set(regions) - {""}):
            self.known_regions.update(Region.objects.filter(code__in=chunk).values_list("code", flat=True))
        # (region code, name, owner as people read them) → businesses of that region with that name and owner
        self.by_key: dict[tuple, list[int]] = {}
        for code in self.known_regions:
            for pk, name, owner in Business.objects.filter(region_q("village__code", code)).values_list(
                "pk", "name", "owner__name"
            ):
                self.by_key.setdefault(business_match_key(name, owner or "", code), []).append(pk)
        self.load_businesses({*self.nib_to_business.values(), *(pk for pks in self.by_key.values() for pk in pks)})
        self.products: dict[tuple[int, str], Product] = {}
        self.registered_certificates: dict[tuple, ProductCertification] = {}
        for chunk in chunks(self.allowed):
            products = {product.pk: product for product in Product.objects.filter(business_id__in=chunk)}
            for product in sorted(products.values(), key=lambda product: -product.pk):
                self.products[(product.business_id, loose(product.name))] = product  # the oldest wins
            for certificate in ProductCertification.objects.filter(business_id__in=chunk):
                certificate.business = self.businesses[certificate.business_id]
                if certificate.product_id in products:
                    certificate.product = products[certificate.product_id]
                self.registered_certificates[(certificate.business_id, certificate.kind, loose(certificate.number))] = (
                    certificate
                )

    def resolve(self, row, values, outcome) -> None:
        super().resolve(row, values, outcome)
        values["_business"] = self._business(row.number, values, outcome)

    def _business(self, number: int, values: dict, outcome):
        nib = values.get("nib")
        if nib:
            pk = self.nib_to_business.get(nib)
            if pk is None:
                outcome.errors.append(RowError(number, "nib", _("NIB %(nib)s tidak terdaftar.") % {"nib": nib}))
                return None
            return self.allowed_business(number, "nib", pk, outcome)
        missing = [name for name in ("nama_usaha", "nama_pemilik", "kode_wilayah") if not values.get(name)]
        if missing:
            outcome.errors.append(
                RowError(number, missing[0], _("Isi nib, atau nama_usaha, nama_pemilik dan kode_wilayah."))
            )
            return None
        code = values["kode_wilayah"]
        if code not in self.known_regions:
            outcome.errors.append(
                RowError(number, "kode_wilayah", _("Kode wilayah %(code)s tidak dikenal.") % {"code": code})
            )
            return None
        found = self.by_key.get(business_match_key(values["nama_usaha"], values["nama_pemilik"], code), [])
        if not found:
            outcome.errors.append(
                RowError(
                    number,
                    "nama_usaha",
                    _("Tidak ada IKM dengan nama usaha dan nama pemilik ini di wilayah %(code)s.") % {"code": code},
                )
            )
            return None
        if len(found) > 1:
            outcome.errors.append(
                RowError(
                    number,
                    "nama_usaha",
                    _("Ada beberapa IKM dengan nama usaha dan pemilik ini (ID %(ids)s); isi nib.")
                    % {"ids": ", ".join(map(str, sorted(found)))},
                )
            )
            return None
        return self.allowed_business(number, "kode_wilayah", found[0], outcome)

    def match(self, row, values, outcome, seen):
        business, kind, number = values.get("_business"), values.get("jenis"), values.get("nomor")
        if business is None or not kind or not number:
            return None
        key = (business.pk, kind, loose(normalised_number(kind, number)))
        first = seen.setdefault(key, row.number)
        if first != row.number:
            outcome.errors.append(
                RowError(row.number, "nomor", _("Usaha, jenis dan nomor sama dengan baris %(row)s.") % {"row": first})
            )
            return None
        return self.registered_certificates.get(key)

    def build(self, row, values, existing, outcome):
        business = values.pop("_business", None)
        fields = {
            column.field: values[column.name]
            for column in PRODUCT_CERTIFICATE_FIELDS
            if column.name in values and not (existing is not None and cell_text(row.values[column.name]) == "")
        }
        product_name = values.get("produk", "")
        if product_name:
            product = self.products.get((business.pk, loose(product_name))) if business else None
            fields["product"] = product
            fields["product_name"] = "" if product else product_name
        if fields.get("valid_until"):
            fields["valid_until_derived"] = False  # typed: the rules no longer derive it
        if existing is None:
            certificate = ProductCertification(business=business)
            before = {}
        else:
            certificate = existing
            before = {
                f: getattr(certificate, f)
                for f in (
                    "kind",
                    "number",
                    "issuer",
                    "issued_on",
                    "valid_until",
                    "filed_on",
                    "product_id",
                    "product_name",
                    "valid_until_derived",
                    "legal_basis",
                )
            }
        for field, value in fields.items():
            setattr(certificate, field, value)
        names = {column.field: column.name for column in PRODUCT_CERTIFICATE_COLUMNS[4:]}
        _model_errors(certificate, row.number, outcome, names, also=PRODUCT_CERTIFICATE_ERRORS)
        if business is None or outcome.errors:
            return None
        outcome.name = f"{certificate.get_kind_display()} {certificate.number}"
        if existing is None:
            return self.write_class(certificate)
        changed = _record_changes(outcome, PRODUCT_CERTIFICATE_COLUMNS[4:], before, certificate)
        if "product_id" in changed and "produk" not in outcome.changed:
            outcome.changed.append("produk")
            outcome.changes.append(("produk", "", str(certificate.product or "")))
        return self.write_class(certificate, changed)

    def after_write(self, plan) -> None:
        ids = {write.obj.pk for write in plan.writes}
        if ProductCertification.objects.restrict(self.user, CHANGE).filter(pk__in=ids).count() != len(ids):
            raise PermissionDenied(_("Sebagian sertifikat berada di luar wilayah Anda; tidak ada yang ditulis."))
