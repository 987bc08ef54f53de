"""The role × region access matrix (issue 9, acceptance): its data, roles, markers, URL walker and parameter fillers.

tests/core/test_access_matrix.py requests every URL the URL resolver knows — the admin site with every ModelAdmin's URLs
and our own admin views (reports, background reports, import, export, history), and the public site — as every role,
with every object id a URL takes: the role's own region's records, another region's, and an id that does not exist.
It then asserts, per role, that no row of a region (or of a user) the role may not see is in any answer (HTML, JSON,
CSV, XLSX read with openpyxl, PDF read with pdftotext), that other regions' ids answer 404, that officials' writes
answer 403 and change nothing, that anonymous visitors are sent to the login, and that owners' personal fields are
not shown where the role may not see them.

The data is made of *markers*: every record of a region carries that region's token in its name (Badung ``Bdgx``,
Denpasar ``Dpsx``, Nusa Tenggara Barat ``Ntbx``), every upload, background report and export log of a user carries a
token of that user (``Zimpbdg``…), and every owner has a NIK, phone, e-mail and home address found nowhere else. A
token in an answer is a row of that region; its personal values are that person.

A new URL joins the matrix by itself (the resolver is walked at collection time). A URL whose parameters no filler
in FILLERS knows how to fill, and a ModelAdmin whose model has no records in the matrix data, fail the test
(test_every_url_is_filled, test_every_admin_model_has_records), so that a new app (events, certification) cannot
slip past: give its URL a filler and its model records in two regions here.

Events (issue 11): each region has an event of its office (Denpasar's internal, the others on the public agenda) with
a partner and a speaker from the shared address book, a participant's registration (their name, NIK, phone and e-mail
are markers like an owner's) and an MoU with a party. The address book is read by all staff, changed by those who
write, deleted by superusers only (ADDRESS_BOOK). The matrix holds one participant's personal link and certificate
code: their pages may show that participant's own name, nothing of anyone else. An event's venue may be anywhere in
Indonesia: what its autocomplete offers from everywhere, by design, is no foreign row (answer_text).

The API (issue 14): its URLs come from the same resolver, each also as its format-suffix twin (key "….json"). Every
role asks with a personal token of its user (matrix.api_keys), never with a session; anonymous with none, and a staff
endpoint (under /api/v1/staf/) also with the superuser's session, a revoked, an expired, a deactivated account's and
a malformed token, each of which must answer 401. Staff lists and details are read without and with
`?data_pribadi=1`, their filters set to other regions' rows; workflow steps and import rows are POSTed for records and
regions outside the role's reach; public endpoints must answer every role as they answer anonymous visitors.
"""

from __future__ import annotations

import html
import io
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from fnmatch import fnmatchcase
from urllib.parse import unquote

from django.contrib import admin
from django.urls import URLResolver, get_resolver
from django.utils.regex_helper import normalize

from tests.reports import pdf_text

# --- roles --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Role:
    """A kind of user the matrix signs in as. `region` is the region of the role's office (None: no office)."""

    key: str
    staff_role: str | None = None
    region: str | None = None
    everything: bool = False
    superuser: bool = False
    writes: bool = False
    personal: bool = False  # may read owners' NIK (whole), phone, e-mail and home address
    lsp: str | None = None  # an LSP's operator: the key of their LSP (LSP_TOKENS); no office, no region
    # Pages the role may not use at all (globs over Route.key): every request to them answers 403.
    refused: tuple[str, ...] = ()

    @property
    def anonymous(self) -> bool:
        return self.key == "anonymous"


def _roles():
    from ikm_registry.choices import StaffRole

    return [
        Role("anonymous"),
        Role("superuser", everything=True, superuser=True, writes=True, personal=True),
        Role("national", StaffRole.NATIONAL, "51", everything=True, writes=True, personal=True),
        Role("province", StaffRole.PROVINCE, "51", writes=True, personal=True),
        Role("operator_badung", StaffRole.OPERATOR, "51.03", writes=True, personal=True),
        Role("official_badung", StaffRole.OFFICIAL, "51.03"),
        Role("operator_denpasar", StaffRole.OPERATOR, "51.71", writes=True, personal=True),
        Role("lsp", lsp="a", writes=True, refused=LSP_REFUSED),
    ]


# What an LSP's operator may not use at all (ikm_registry.scoping.Scope.reaches_regions): the region's registry
# (businesses, sentra, events and the events' address book), product certificates and targets, reports and imports;
# and enrolling people (offices enrol their IKM's people; the LSP schedules and records results). The background
# reports' pages answer 404 to anyone without a region or not the file's owner, as they always have.
LSP_REFUSED = (
    "admin:businesses_*",
    "admin:events_*",
    "admin:certification_productcertification_*",
    "admin:certification_certificationtarget_*",
    "admin:certification_enrollment_add",
    "admin:reports",
    "admin:report_regions",
    "admin:tabular_upload*",
    # the staff API's endpoints of the same records (a 403 from its permission, before any row is read)
    "staf-usaha-*",
    "staf-kegiatan-*",
    "staf-pendaftaran-*",
    "staf-sertifikat-produk-*",
    "api-import*",
)


ROLES = _roles()
ROLE = {role.key: role for role in ROLES}


# --- who may see a record -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Owned:
    """Who may see a record: those whose region holds `region`; the user `user` (and superusers; national staff too
    when `national_too`); only superusers; every staff user with an office (`staff`: reference data, which only
    superusers change; with `staff_writes` the address book, which staff who write change and only superusers
    delete); nobody (`missing`: an id that does not exist). Who may write to it: may_write()."""

    region: str | None = None
    user: str | None = None
    national_too: bool = False
    superuser_only: bool = False
    staff: bool = False
    staff_writes: bool = False
    public: bool = False
    missing: bool = False
    lsp: str | None = None  # the LSP the record belongs to too: its operator reaches it wherever it is

    def label(self) -> str:
        if self.missing:
            return "no such record"
        if self.public:
            return "public"
        if self.user:
            return f"of {self.user}"
        if self.superuser_only:
            return "superusers only"
        of_lsp = f" of LSP {self.lsp}" if self.lsp else ""
        if self.staff:
            return ("address book" if self.staff_writes else "reference data") + of_lsp
        return f"in {self.region}{of_lsp}"


MISSING = Owned(missing=True)
PUBLIC = Owned(public=True)
STAFF = Owned(staff=True)
SUPERUSER_ONLY = Owned(superuser_only=True)
ADDRESS_BOOK = Owned(staff=True, staff_writes=True)


def sees(role: Role, owned: Owned) -> bool:
    """The rule the matrix checks the registry against (README, Roles and regions)."""
    if owned.missing:
        return False
    if owned.public:
        return True
    if role.anonymous:
        return False
    if role.superuser:
        return True
    if owned.superuser_only:
        return False
    if role.lsp is not None:
        # An LSP's operator: its LSP's rows wherever they are, and the reference data every staff user reads; no
        # region's rows, no office's address book, nobody's uploads.
        if owned.lsp is not None:
            return owned.lsp == role.lsp
        return owned.staff and not owned.staff_writes
    if owned.staff:
        return True
    if owned.user:
        return owned.user == role.key or (owned.national_too and role.everything)
    if role.everything:
        return True
    return owned.region == role.region or owned.region.startswith(f"{role.region}.")


def may_write(role: Role, owned: Owned, action: str = "change") -> bool:
    """Whether `role` may make a write (`action`: "change" or "delete") to a record of `owned`: roles that write, to
    the records they see; but reference data only superusers change or delete, and the address books (events.admin.
    AddressBookAdmin; the LSPs, their schemes, assessors and TUK) every role that writes and sees the entry changes
    while only superusers delete."""
    if not (role.writes and sees(role, owned)):
        return False
    if owned.staff and not role.superuser:
        return owned.staff_writes and action == "change"
    return True


# --- the data -----------------------------------------------------------------------------------------------------

# Region names carry the token too: a kecamatan or desa of another region in an answer is a foreign row.
REGION_TREE = {
    "51": "Bali",
    "51.03": "Kabupaten Bdgxbadung",
    "51.03.01": "Bdgxkuta",
    "51.03.01.1001": "Bdgxtuban",
    "51.71": "Kota Dpsxdenpasar",
    "51.71.01": "Dpsxselatan",
    "51.71.01.1001": "Dpsxserangan",
    # The desa a Badung business was moved away from: its old versions are Badung's history now (point 12), so its
    # name is not a Denpasar marker.
    "51.71.01.2007": "Sidakarya",
    # The kecamatan of each region's TUK (certification): the TUK address book names them to every office, so their
    # names carry no token (a session there is its region's: scoped by its code).
    "51.03.02": "Mengwi",
    "51.71.02": "Denpasar Timur",
    "52": "Ntbxprovinsi",
    "52.01": "Kabupaten Ntbxlombok",
    "52.01.01": "Ntbxgerung",
    "52.01.01.2001": "Ntbxdesa",
}


@dataclass(frozen=True)
class Place:
    key: str
    region: str  # the regency (the scope of its offices)
    token: str
    village: str
    nik_prefix: str  # province, regency and kecamatan digits of its owners' NIKs


PLACES = [
    Place("bdg", "51.03", "Bdgx", "51.03.01.1001", "510301"),
    Place("dps", "51.71", "Dpsx", "51.71.01.1001", "517101"),
    Place("ntb", "52.01", "Ntbx", "52.01.01.2001", "520101"),
]
PLACE = {place.key: place for place in PLACES}
# Province names are tokenised for NTB only (Bali is the province of both regions the brief compares).
REGION_TOKENS = {"51.03": "Bdgx", "51.71": "Dpsx", "52": "Ntbx"}

# Owners: their NIK (birth day + 40: women), phone, old phone (changed, so in history), e-mail and home address.
# Made up, found nowhere else on a page.
PEOPLE = {
    ("bdg", "alfa"): ("4508770417", "0813-7719-4402", "0857-3310-2291"),
    ("bdg", "bravo"): ("5512830528", "0812-6655-0193", None),
    ("bdg", "charlie"): ("4107900639", "0819-4471-2206", None),
    ("bdg", "delta"): ("6302850741", "0878-2290-3317", None),
    ("bdg", "echo"): ("5906790852", "0838-1120-4428", None),
    ("bdg", "impor"): ("4411880963", "0852-9930-5539", None),
    ("bdg", "foxtrot"): ("5601930185", "0896-2468-1357", None),
    ("dps", "alfa"): ("5104860285", "0811-3380-6640", "0856-2219-7751"),
    ("dps", "bravo"): ("4912840396", "0817-5548-8862", None),
    ("dps", "charlie"): ("6011820407", "0821-6637-9973", None),
    ("dps", "delta"): ("4203910518", "0822-7726-0084", None),
    ("dps", "golf"): ("5707870629", "0823-8815-1195", None),
    ("dps", "impor"): ("4806890731", "0831-9904-2206", None),
    ("dps", "foxtrot"): ("4405920296", "0897-3579-2468", None),
    ("ntb", "alfa"): ("4308800842", "0815-1234-9876", "0858-4321-6789"),
    ("ntb", "bravo"): ("4709810953", "0816-2345-8765", None),
    ("ntb", "charlie"): ("5210821064", "0818-3456-7654", None),
    ("ntb", "delta"): ("5311831175", "0814-4567-6543", None),
    ("ntb", "foxtrot"): ("6104910307", "0899-4680-3579", None),
    # Participants of events (a registration has no home address): each region's, and the one whose link the matrix
    # holds (NTB's event).
    ("bdg", "peserta"): ("4709951842", "0813-6021-4455", None),
    ("dps", "peserta"): ("4402983064", "0817-8043-6677", None),
    ("ntb", "peserta"): ("5805963175", "0818-9054-7788", None),
    ("ntb", "tautan"): ("6612972953", "0819-7032-5566", None),
    # Asesi (certification): Badung's of both LSPs, Denpasar's of LSP a. No home address.
    ("bdg", "asesia"): ("4203960174", "0813-5502-7781", None),
    ("bdg", "asesib"): ("5709940285", "0812-4419-6632", None),
    ("dps", "asesia"): ("4810930396", "0819-3328-5543", None),
}
NIB = {"bdg": "9120000001031", "dps": "9120000001711", "ntb": "9120000005201"}
# The only investment reported in each region (by its alfa business, the year before too, less one): a file that
# shows it holds one business's figure, whatever else the file sums.
INVESTMENT = {"bdg": 123_456_789, "dps": 234_567_891, "ntb": 345_678_912}
# Each region's event: on the public agenda or internal (its title then never on a public page).
EVENT_PUBLIC = {"bdg": True, "dps": False, "ntb": True}
# The shared address book: no region's token (every office reads it), a speaker whose contact is for staff only.
INSTITUTION_NAME = "Lembaga Matriks Kriya"
SPEAKER_NAME = "Narasumber Matriks"
# Certification: two LSPs, each with its token on every row of its own (its address book: the LSP, a scheme, an
# assessor, TUK; and its sessions, asesi and certificates). The "lsp" role operates LSP a. Every office reads both
# address books; a row of an LSP's region-scoped records carries its region's token too.
LSP_TOKENS = {"a": "Lsax", "b": "Lsbx"}
# Per region, the asesi of each LSP (at the region's published bravo business), each with a competency certificate,
# in a session at the LSP's TUK in that region; and one asesi of each waiting for a session (the planner's).
ASESI = {"bdg": ("a", "b"), "dps": ("a",)}
# Words of a region's token an LSP's operator sees on its own rows: its asesi's business, its asesi (certified and
# waiting), its sessions and certificates, and the regency's name (the planner groups its waiting asesi by regency).
LSP_REGION_WORDS = ("bravo", "asesi{lsp}", "tunggu{lsp}", "sesi{lsp}", "kompetensi{lsp}", "berkas{lsp}", "badung",
                    "denpasar")  # fmt: skip


@dataclass(frozen=True)
class Person:
    """An owner (or a participant, a speaker) as the markers see them: which record they belong to and their private
    values. A participant has no home address, a speaker no NIK either (empty: no marker)."""

    owned: Owned
    label: str
    nik: str
    phones: tuple[str, ...]
    email: str
    home_word: str

    def patterns(self) -> list[Marker]:
        """How this person's private data could show: the NIK whole or unmasked beyond the mask's first and last
        four digits (in any spacing), the phone in any spacing, the e-mail, the home address (in any case)."""
        nik, what = self.nik, f"NIK of {self.label}"
        # The mask (ikm_registry.personal_data.mask) shows the first and last four digits, nothing else. Unmasked
        # beyond them: the first ten digits (region, then the birth day, which tells the sex, and month) with the rest
        # masked or not; a fifth digit before the last four (the serial, unique per person here); or a fifth digit
        # after the first four in a NIK that ends in this person's last four.
        found = []
        if nik:
            found += [
                Marker(what, nik[:10], nik[:10], digits=True),
                Marker(what, nik[-5:], nik[-5:], digits=True),
                Marker(what, rf"{nik[:5]}[\d*•xX]{{0,7}}?{nik[-4:]}", nik[-4:], digits=True),
            ]
        for phone in self.phones:
            digits = re.sub(r"\D", "", phone).removeprefix("0")
            found.append(Marker(f"phone of {self.label}", digits, digits, digits=True))
        found.append(Marker(f"e-mail of {self.label}", f"(?i:{re.escape(self.email)})", self.email.lower()))
        if self.home_word:
            found.append(Marker(f"home address of {self.label}", words(self.home_word), self.home_word.lower()))
        return found


@dataclass(frozen=True)
class Marker:
    """Something that must not be in an answer. `literal` (lower case) is in every text `regex` matches, so a page
    is searched with the regex only when it holds the literal. With `digits`, the regex is matched against the page
    with spaces, dashes, dots and brackets taken out (a phone number in any spacing)."""

    what: str
    regex: str
    literal: str
    digits: bool = False


def words(name: str) -> str:
    """A regex for `name` in any case and with any white space between its words ("IBU  BDGXALFA")."""
    return "(?i:" + r"\s+".join(re.escape(word) for word in name.split()) + ")"


SEPARATORS = re.compile(r"[\s\-.()]")
# A token starts a word: "Kabupaten Bdgxbadung", "bdgx.a@example.net", never the middle of a random string.
TOKEN_START = r"(?<![A-Za-z0-9])"
# Random values a page carries (CSRF tokens): they can hold a token's letters by chance, so they are not read.
RANDOM_VALUES = re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]*"')


JSON_ESCAPE = re.compile(r'\\(?:u[0-9a-fA-F]{4}|["\\/bfnrt])')
# Between two readings: neither a separator digits markers drop nor a word character, so no match spans two.
READINGS_APART = "\n\x00\n"


def readings(text: str) -> str:
    """`text` as given, and also URL-decoded and with JSON string escapes decoded where that changes it: a value in
    a URL or a file name ("Tenun%20Dpsxalfa", filename*=utf-8''Ukir%20Dpsxbravo.pdf) or after a JSON "\\n" is read
    as a person reads it."""
    found = [text]
    for decoded in (unquote(text), JSON_ESCAPE.sub(lambda match: json.loads(f'"{match.group(0)}"'), text)):
        if decoded not in found:
            found.append(decoded)
    return READINGS_APART.join(found)


def find_markers(markers: list[Marker], text: str) -> list[str]:
    """What of `markers` is in `text` (read as readings() reads it), each with the match and some context."""
    text = readings(RANDOM_VALUES.sub(r'\1"', text))
    low, stripped = text.lower(), None
    found = []
    for marker in markers:
        if marker.digits:
            if stripped is None:
                stripped = SEPARATORS.sub("", text)
            haystack = stripped
        else:
            haystack = text
        if marker.literal not in (stripped if marker.digits else low):
            continue
        match = re.search(marker.regex, haystack)
        if match:
            start = max(match.start() - 40, 0)
            context = " ".join(haystack[start : match.end() + 40].split())
            found.append(f"{marker.what} ({match.group(0)!r} in …{context}…)")
    return found


def person(place: Place, label: str, owned: Owned | None = None) -> Person:
    tail, phone, old_phone = PEOPLE[(place.key, label)]
    return Person(
        owned=owned or Owned(region=place.region),
        label=f"{place.token}{label}",
        nik=f"{place.nik_prefix}{tail}",
        phones=tuple(p for p in (phone, old_phone) if p),
        email=f"{place.token.lower()}.{label}@example.net",
        home_word=f"{place.token}rumah{label}",
    )


def participant(place: Place, label: str) -> Person:
    """A participant registered for the place's event: private NIK, phone and e-mail, no home address."""
    return replace(person(place, label), home_word="")


def asesi(place: Place, lsp: str) -> Person:
    """An asesi of LSP `lsp` at the place's bravo business: private NIK, phone and e-mail, no home address; seen by
    the place's offices and by the LSP's operator. Their e-mail starts with no token: the LSP's operator sees its
    first letters (masked) on its own asesi."""
    who = person(place, f"asesi{lsp}", Owned(region=place.region, lsp=lsp))
    return replace(who, home_word="", email=f"asesi{lsp}.{place.token.lower()}@example.net")


def assessor(lsp: str) -> Person:
    """An LSP's assessor: in the address book of every office and of the LSP's operator, their phone and e-mail for
    staff who may read personal data."""
    token = LSP_TOKENS[lsp]
    phone = {"a": "0821-3076-1144", "b": "0821-4087-2255"}[lsp]
    return Person(Owned(staff=True, staff_writes=True, lsp=lsp), f"{token}asesor", "", (phone,),
                  f"{token.lower()}.asesor@example.net", "")  # fmt: skip


# The address book's speaker: named on public event pages, reached by staff only (Speaker.personal_fields).
SPEAKER = Person(ADDRESS_BOOK, "narasumber", "", ("0821-1065-8899",), "narasumber.matriks@example.net", "")


def owner_fields(who: Person) -> dict:
    return {
        "owner__name": f"Ibu {who.label}",
        "owner__nik": who.nik,
        "owner__phone": who.phones[0],
        "owner__email": who.email,
        "owner__home_address": f"Gang {who.home_word} No. 7",
    }


@dataclass
class Record:
    """One object a URL may take: its primary key and who may see it."""

    label: str
    pk: object
    owned: Owned
    deleted: bool = False


@dataclass
class Matrix:
    """The data the matrix runs against, built once per module."""

    users: dict = field(default_factory=dict)
    records: dict = field(default_factory=dict)  # model → [Record] (live)
    deleted: dict = field(default_factory=dict)  # model → [Record] (deleted; their history remains)
    imports: list = field(default_factory=list)
    jobs: list = field(default_factory=list)
    people: list = field(default_factory=list)
    user_tokens: dict = field(default_factory=dict)  # token → Owned
    nonpublic_words: list = field(default_factory=list)
    officers: list = field(default_factory=list)  # names of sentra officers (people, like owners)
    links: list = field(default_factory=list)  # Record(pk=secret): the participants' personal links the matrix holds
    certificates: list = field(default_factory=list)  # Record(pk=verification code): their certificates
    photos: list = field(default_factory=list)  # Record(pk=(event id, photo id)): each event's documentation photo
    owner_links: list = field(default_factory=list)  # Record(pk=secret): the owner's private link the matrix holds
    proposal_photos: list = field(default_factory=list)  # Record(pk=(proposal id, photo id)): each region's
    api_keys: dict = field(default_factory=dict)  # role key (and CREDENTIALS) → the key of an API token
    event_year: int = 0
    year: int = 0

    def history_records(self, model) -> list[Record]:
        return self.records.get(model, []) + self.deleted.get(model, [])

    # --- markers ------------------------------------------------------------------------------------------------

    def foreign_patterns(self, role: Role) -> list[Marker]:
        """Everything `role` may not see: other regions' tokens, other users' tokens, and the personal values of
        owners the role may not see."""
        found = []
        for code, token in REGION_TOKENS.items():
            if not sees(role, Owned(region=code)):
                found.append(Marker(f"a row of {code}", rf"{TOKEN_START}(?i:{token}{_seen_words(role)})\w*",
                                    token.lower()))  # fmt: skip
        for key, token in LSP_TOKENS.items():
            if not sees(role, Owned(staff=True, staff_writes=True, lsp=key)):
                found.append(Marker(f"an LSP row of {key}", rf"{TOKEN_START}(?i:{token})\w*", token.lower()))
        for token, owned in self.user_tokens.items():
            if not sees(role, owned):
                found.append(Marker(f"a record {owned.label()}", rf"{TOKEN_START}(?i:{token})\w*", token.lower()))
        for who in self.people:
            if not sees(role, who.owned):
                found += who.patterns()
                if role.lsp is not None:
                    # its own rows name its asesi's business (bravo): the owner's name would be a foreign row
                    found.append(Marker(f"name of {who.label}", words(f"Ibu {who.label}"), who.label.lower()))
        return found

    def personal_patterns(self, role: Role) -> list[Marker]:
        """Personal values of the owners `role` sees but may not read in full (none for roles that may)."""
        if role.personal:
            return []
        return [pattern for who in self.people if sees(role, who.owned) for pattern in who.patterns()]

    def figure_patterns(self) -> list[Marker]:
        """One business's own figures: each region's only reported investment, with or without thousands separators
        ("123.456.789" in a PDF, 123456789 in a CSV), not inside a longer number. A file holding one must be in the
        export log as holding individual data."""
        found = []
        for place in PLACES:
            for value in (INVESTMENT[place.key], INVESTMENT[place.key] - 1):
                groups = f"{value:,}".split(",")
                regex = r"(?<![\d.,])" + r"[.,\s]?".join(groups) + r"(?![\d]|[.,]\d)"
                found.append(Marker(f"investment of {place.token}alfa", regex, groups[-1]))
        return found

    def people_patterns(self) -> list[Marker]:
        """Anything that names or identifies a person: owners' names and private values, sentra officers' names. A
        file holding any of them must be in the export log."""
        found = [Marker(f"name of {who.label}", words(f"Ibu {who.label}"), who.label.lower()) for who in self.people]
        found += [Marker(f"officer {name}", words(name), name.split()[-1].lower()) for name in self.officers]
        return found + [pattern for who in self.people for pattern in who.patterns()]

    def public_patterns(self) -> list[Marker]:
        """What never reaches a public page: unpublished records and every owner's private values (no consent)."""
        found = [Marker(f"unpublished {word}", rf"(?i:{word})", word.lower()) for word in self.nonpublic_words]
        return found + [pattern for who in self.people for pattern in who.patterns()]

    def undisclosed_patterns(self) -> list[Marker]:
        """What a staff API answer holds only when asked for (`?data_pribadi=1`), whatever the role: every person's
        NIK, phone, e-mail and home address, and a business's own figures."""
        return [pattern for who in self.people for pattern in who.patterns()] + self.figure_patterns()


def _seen_words(role: Role) -> str:
    """For an LSP's operator, a lookahead leaving out the words of a region's token its own rows carry
    (LSP_REGION_WORDS): its asesi and their business are in regions it has no other row of."""
    if role.lsp is None:
        return ""
    # An autocomplete's term ("a", "e") is taken out of the answer before it is read: those letters may be missing.
    seen = "|".join(re.sub("([ae])", r"\1?", word.format(lsp=role.lsp)) for word in LSP_REGION_WORDS)
    return rf"(?!(?:{seen})\b)"


def _regions():
    from ikm_registry.choices import RegionKind, RegionLevel
    from ikm_registry.models import Region

    levels = {1: RegionLevel.PROVINCE, 2: RegionLevel.REGENCY, 3: RegionLevel.DISTRICT, 4: RegionLevel.VILLAGE}
    for code, name in REGION_TREE.items():
        parts = code.split(".")
        kind = ""
        if len(parts) == 2:
            kind = RegionKind.KOTA if int(parts[1]) >= 71 else RegionKind.KABUPATEN
        elif len(parts) == 4:
            kind = RegionKind.KELURAHAN if parts[3].startswith("1") else RegionKind.DESA
        Region.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "level": levels[len(parts)],
                "kind": kind,
                "parent_id": ".".join(parts[:-1]) or None,
            },
        )


def _csv(rows: list[dict]) -> bytes:
    columns = list(rows[0])
    lines = [",".join(columns)] + [",".join(str(row[c]) for c in columns) for row in rows]
    return ("\n".join(lines) + "\n").encode()


# The operators whose uploads, background reports and export log rows the data holds (their tokens: Zimpbdg, …).
UPLOADERS = {"bdg": "operator_badung", "dps": "operator_denpasar"}


def declared() -> Matrix:
    """The markers of the data build_matrix() makes, known without the database (the checks a role gets are chosen
    from them when the tests are collected): owners, sentra officers, unpublished names, and the tokens of each
    operator's uploads, background reports and export log rows."""
    matrix = Matrix()
    for place in PLACES:
        matrix.officers.append(f"{place.token}pengurus")
        matrix.people += [person(place, label) for label in ("alfa", "bravo", "charlie", "delta", "foxtrot")]
        matrix.nonpublic_words += [
            f"{place.token}{word}" for word in ("lama", "alfa", "charlie", "delta", "foxtrot", "impor", "tolak")
        ]
        matrix.nonpublic_words += [f"{place.token}{word}" for word in ("bantuan", "kendala", "catatan", "produk")]
    # Point 12: created in Denpasar and moved to Badung (Badung's), a Denpasar business in a Badung sentra.
    matrix.people += [person(PLACE["bdg"], "echo"), person(PLACE["dps"], "golf")]
    matrix.nonpublic_words += ["Bdgxecho", "Dpsxgolf"]
    # Events: each region's participant (never named on a public page), its MoU, Denpasar's internal event; the
    # participant whose link the matrix holds (named on their own page only: their name is no public marker); the
    # speaker's contact.
    for place in PLACES:
        matrix.people.append(participant(place, "peserta"))
        matrix.nonpublic_words += [f"{place.token}peserta", f"{place.token}mou"]
        if not EVENT_PUBLIC[place.key]:
            matrix.nonpublic_words.append(f"{place.token}internal")
    matrix.people += [participant(PLACE["ntb"], "tautan"), SPEAKER]
    # Owners' change proposals (issue 13): each region's bravo proposes a new name, never public before approval.
    matrix.nonpublic_words += [f"{place.token}usulan" for place in PLACES]
    # Certification: asesi and assessors; what of a region's certification never reaches a public page (waiting
    # asesi, a revoked product certificate, the private files, sessions' and targets' notes).
    for key, lsps in ASESI.items():
        place = PLACE[key]
        matrix.people += [asesi(place, lsp) for lsp in lsps]
        matrix.nonpublic_words += [f"{place.token}{word}{lsp}" for lsp in lsps for word in ("tunggu", "sesi", "berkas")]
        matrix.nonpublic_words += [f"{place.token}{word}" for word in ("dicabut", "bukti", "target")]
    matrix.people += [assessor(lsp) for lsp in LSP_TOKENS]
    for key, role_key in UPLOADERS.items():
        own = Owned(user=role_key)
        matrix.people.append(person(PLACE[key], "impor", owned=own))
        matrix.user_tokens[f"Zimp{key}"] = own
        matrix.user_tokens[f"Zjob{key}"] = own
        matrix.user_tokens[f"Zlog{key}"] = Owned(user=role_key, national_too=True)
    return matrix


def build_matrix() -> Matrix:
    """Badung, Denpasar and NTB records with markers, the roles' users, uploads, background reports and export logs.

    Per region: a verified business with a history (renamed, owner's phone changed, submitted and verified through
    the workflow with a note), yearly figures, product, assistance and obstacle, in a sentra with officers,
    facilities and revitalisation; a published, a second verified, a submitted and a deleted business. The alfa,
    bravo and foxtrot businesses have figures for the year in the same kecamatan, KBLI class and subsector, but only
    alfa reported its investment: every row of a rekap counts three businesses and prints alfa's investment. Then the cases of point 12: a
    business created in Denpasar, moved to Badung and deleted there, and a Denpasar business in a Badung sentra.
    """
    from django.contrib.auth.models import Group
    from django.core.files.base import ContentFile
    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    from businesses.choices import BusinessStatus
    from businesses.models import Business, BusinessImport, ChangeProposal, ProposedPhoto, Sentra
    from businesses.services.owner_link import owner_link_issue
    from businesses.services.proposals import proposal_submit
    from businesses.services.workflow import business_submit, business_verify
    from ikm_registry.api.tokens import api_token_create
    from ikm_registry.history import attributed
    from ikm_registry.job_kinds import report_job_start
    from ikm_registry.jobs import job_run
    from ikm_registry.models import ApiToken, CreativeSubsector, ExportLog, Job, Kbli, Office, Region, TabularImport
    from ikm_registry.services import export_logged
    from ikm_registry.tasks import run_job
    from tests.factories import (
        AssistanceFactory,
        BusinessFactory,
        BusinessYearFactory,
        ObstacleFactory,
        ProductFactory,
        SentraFacilityFactory,
        SentraFactory,
        SentraOfficerFactory,
        SentraRevitalisationFactory,
        UserFactory,
        make_kbli,
        office_for,
        staff_user,
    )

    matrix = declared()
    matrix.year = timezone.localdate().year - 1
    _regions()
    kbli = make_kbli("13134")
    kriya = CreativeSubsector.objects.get(code="kriya")

    users = matrix.users
    users["superuser"] = UserFactory(username="matriks.admin", is_staff=True, is_superuser=True)
    for role in ROLES:
        if role.staff_role:
            users[role.key] = staff_user(role.staff_role, role.region, username=f"matriks.{role.key}")
        elif role.lsp:
            users[role.key] = UserFactory(username=f"matriks.{role.key}", is_staff=True)  # an LSP's: no office
    operator_ntb = staff_user("operator", "52.01", username="matriks.operator_ntb")
    operators = {"bdg": users["operator_badung"], "dps": users["operator_denpasar"], "ntb": operator_ntb}

    records = matrix.records
    for model in (Business, Sentra, Region, Office):
        records[model] = []
    matrix.deleted[Business] = []
    sentra_of = {}

    def village(place):
        return Region.objects.get(code=place.village)

    for place in PLACES:
        token, owned, actor = place.token, Owned(region=place.region), operators[place.key]
        people = {label: person(place, label) for (key, label) in PEOPLE if key == place.key}
        with attributed(actor, "matriks"):
            sentra = SentraFactory(name=f"Sentra {token}sentra", village=village(place), kbli=kbli)
            SentraOfficerFactory(sentra=sentra, name=f"{token}pengurus")
            SentraFacilityFactory(sentra=sentra, name=f"{token}fasilitas")
            SentraRevitalisationFactory(sentra=sentra, activity=f"{token}revitalisasi")
            sentra_of[place.key] = sentra

            alfa = BusinessFactory(
                name=f"Tenun {token}lama",
                village=village(place),
                kbli=kbli,
                subsector=kriya,
                nib=NIB[place.key],
                status=BusinessStatus.DRAFT,
                sentra=sentra,
                **{**owner_fields(people["alfa"]), "owner__phone": people["alfa"].phones[1]},
            )
            alfa.name = f"Tenun {token}alfa"
            alfa.save()
            alfa.owner.phone = people["alfa"].phones[0]
            alfa.owner.save()
            for year, investment in (
                (matrix.year - 1, INVESTMENT[place.key] - 1),
                (matrix.year, INVESTMENT[place.key]),
            ):
                BusinessYearFactory(business=alfa, year=year, investment=investment)
            ProductFactory(business=alfa, name=f"Kain {token}produk")
            AssistanceFactory(business=alfa, description=f"{token}bantuan")
            ObstacleFactory(business=alfa, description=f"{token}kendala")
        business_submit(business=alfa, actor=actor)
        business_verify(business=alfa, actor=actor, note=f"{token}catatan")

        with attributed(actor, "matriks"):
            bravo = BusinessFactory(
                name=f"Ukir {token}bravo",
                village=village(place),
                kbli=kbli,
                subsector=kriya,
                status=BusinessStatus.PUBLISHED,
                sentra=sentra,
                **owner_fields(people["bravo"]),
            )
            BusinessYearFactory(business=bravo, year=matrix.year, investment=None)
            foxtrot = BusinessFactory(
                name=f"Songket {token}foxtrot",
                village=village(place),
                kbli=kbli,
                subsector=kriya,
                status=BusinessStatus.VERIFIED,
                **owner_fields(people["foxtrot"]),
            )
            BusinessYearFactory(business=foxtrot, year=matrix.year, investment=None)
            ProductFactory(business=bravo, name=f"Ukiran {token}publik")
            BusinessFactory(
                name=f"Perak {token}charlie",
                village=village(place),
                kbli=kbli,
                status=BusinessStatus.SUBMITTED,
                **owner_fields(people["charlie"]),
            )
            delta = BusinessFactory(
                name=f"Batik {token}delta", village=village(place), kbli=kbli, **owner_fields(people["delta"])
            )
            BusinessYearFactory(business=delta, year=matrix.year)
            delta_pk = delta.pk
            delta.delete()
        # The published bravo's owner proposes a new name and a product photo (issue 13).
        proposal = proposal_submit(business=bravo, values={"name": f"Ukir {token}usulan"})
        proposed = ProposedPhoto(proposal=proposal, name=f"Foto {token}usulan")
        proposed.photo.save("usulan.jpg", ContentFile(_small_jpeg()), save=False)
        proposed.save()
        records.setdefault(ChangeProposal, []).append(Record(place.key, proposal.pk, owned))
        matrix.proposal_photos.append(Record(place.key, (proposal.pk, proposed.pk), owned))
        if place.key == "ntb":
            # An owner whose private link the matrix holds: a published business (public), its own page.
            held = BusinessFactory(
                name=f"Anyaman {token}pemilik",
                village=village(place),
                kbli=kbli,
                status=BusinessStatus.PUBLISHED,
                owner__name="Ibu Pemilik Tautan",
                owner__phone="0812-5555-0001",
                owner__email="pemilik.tautan@example.org",
            )
            matrix.owner_links.append(Record("ntb owner", owner_link_issue(held.owner), PUBLIC))
        records[Business].append(Record(place.key, alfa.pk, owned))
        records[Sentra].append(Record(place.key, sentra.pk, owned))
        records[Region].append(Record(place.key, place.village, Owned(region=place.village)))
        records[Office].append(Record(place.key, office_for(place.region).pk, owned))
        matrix.deleted[Business].append(Record(f"{place.key} deleted", delta_pk, owned, deleted=True))

    bdg, dps = PLACE["bdg"], PLACE["dps"]
    # Point 12: created in Denpasar, moved to Badung by province staff, deleted there: its history is Badung's.
    echo_person = person(bdg, "echo")
    with attributed(operators["dps"], "matriks"):
        echo = BusinessFactory(
            name="Batik Bdgxecho",
            village=Region.objects.get(code="51.71.01.2007"),
            kbli=kbli,
            **owner_fields(echo_person),
        )
    with attributed(users["province"], "matriks: pindah"):
        echo.village = village(bdg)
        echo.save()
    with attributed(operators["bdg"], "matriks: hapus"):
        echo_pk = echo.pk
        echo.delete()
    matrix.deleted[Business].append(Record("moved to badung, deleted", echo_pk, Owned(region="51.03"), deleted=True))
    # Point 12: a Denpasar business in a Badung sentra (put there by province staff).
    golf_person = person(dps, "golf")
    with attributed(users["province"], "matriks"):
        golf = BusinessFactory(
            name="Perak Dpsxgolf",
            village=village(dps),
            kbli=kbli,
            sentra=sentra_of["bdg"],
            **owner_fields(golf_person),
        )
    records[Business].append(Record("dps in a badung sentra", golf.pk, Owned(region="51.71")))

    # Per operator: an upload (a valid and an invalid row), a finished background report, an export log row.
    for key, role_key in UPLOADERS.items():
        place, user, own = PLACE[key], users[role_key], Owned(user=role_key)
        imported = person(place, "impor", owned=own)
        upload, job_token, log_token = (f"Z{kind}{place.key}" for kind in ("imp", "job", "log"))
        row = {
            "nama_usaha": f"Tenun {place.token}impor",
            "nama_pemilik": f"Ibu {imported.label}",
            "nik_pemilik": imported.nik,
            "telepon": imported.phones[0],
            "email": imported.email,
            "kode_wilayah": place.village,
            "kbli": "13134",
        }
        rejected = {**row, "nama_usaha": f"Tenun {place.token}tolak", "kbli": "99999"}
        business_import = BusinessImport.objects.create(
            file=ContentFile(_csv([row, rejected]), name=f"{upload}.csv"),
            original_name=f"{upload}.csv",
            uploaded_by=user,
            data_year=matrix.year,
            skip_invalid=True,
        )
        matrix.imports.append(Record(place.key, business_import.pk, own))
        records.setdefault(TabularImport, []).append(Record(place.key, business_import.pk, own))
        job = report_job_start(
            owner=user, report="daftar-ikm", title=f"Daftar IKM {job_token}", data={"region": place.region}
        )
        job_run(job.pk, worker_id="test")
        job.refresh_from_db()
        assert job.status == Job.Status.DONE, job.error
        matrix.jobs.append(Record(place.key, job.pk, own))
        log = export_logged(
            user=user,
            what=Business,
            file_format="csv",
            filter=f"q={log_token}",
            row_count=2,
            personal_data=True,
        )
        records.setdefault(ExportLog, []).append(Record(place.key, log.pk, Owned(user=role_key, national_too=True)))
        token, _key = api_token_create(user=user, name=f"Token {log_token}", created_by=user)
        records.setdefault(ApiToken, []).append(Record(place.key, token.pk, Owned(user=role_key)))

    from django.contrib.auth import get_user_model

    records[Kbli] = [Record("kbli", "13134", STAFF)]
    records[CreativeSubsector] = [Record("subsector", "kriya", STAFF)]
    records[get_user_model()] = [
        Record("operator badung", users["operator_badung"].pk, SUPERUSER_ONLY),
        Record("operator denpasar", users["operator_denpasar"].pk, SUPERUSER_ONLY),
    ]
    records[Group] = [Record("group", Group.objects.create(name="Matriks").pk, SUPERUSER_ONLY)]
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    client = {"user_agent": "matriks", "ip_address": "192.0.2.7", "username": "matriks.operator_badung"}
    request = {**client, "http_accept": "text/html", "path_info": "/admin/login/"}
    records[AccessAttempt] = [
        Record("attempt", AccessAttempt.objects.create(**request, get_data="", post_data="", failures_since_start=1).pk,
               SUPERUSER_ONLY)
    ]  # fmt: skip
    records[AccessLog] = [Record("log", AccessLog.objects.create(**request).pk, SUPERUSER_ONLY)]
    records[AccessFailureLog] = [Record("failure", AccessFailureLog.objects.create(**request).pk, SUPERUSER_ONLY)]
    task = run_job.enqueue(matrix.jobs[0].pk)
    records[DBTaskResult] = [Record("task", DBTaskResult.objects.get(pk=task.id).pk, SUPERUSER_ONLY)]
    _events(matrix, operators)
    _certification(matrix, operators)
    _api_tokens(matrix)
    return matrix


# Credentials of the staff API that must open nothing (each a 401): the superuser's signed-in session without a token,
# a revoked token, a token past its expiry, the token of a deactivated account, a header of the wrong shape.
CREDENTIALS = ("session", "revoked", "expired", "inactive", "malformed")


def _api_tokens(matrix: Matrix) -> None:
    """A personal API token for each role's user (the API is asked with it, never with a session), and the tokens of
    CREDENTIALS: revoked, expired, of an account deactivated after the token was made."""
    from datetime import timedelta

    from django.utils import timezone

    from ikm_registry.api.tokens import api_token_create, api_token_revoke
    from ikm_registry.models import ApiToken
    from tests.factories import staff_user

    users, keys = matrix.users, matrix.api_keys
    for role in ROLES:
        if not role.anonymous:
            _token, keys[role.key] = api_token_create(user=users[role.key], name="Matriks", created_by=users[role.key])
    operator = users["operator_badung"]
    token, keys["revoked"] = api_token_create(user=operator, name="Matriks dicabut", created_by=operator)
    api_token_revoke(token=token, actor=operator)
    token, keys["expired"] = api_token_create(
        user=operator, name="Matriks kedaluwarsa", created_by=operator, expires_at=timezone.now() + timedelta(days=1)
    )
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    leaver = staff_user("operator", "51.03", username="matriks.nonaktif")
    _token, keys["inactive"] = api_token_create(user=leaver, name="Matriks", created_by=leaver)
    leaver.is_active = False
    leaver.save(update_fields=["is_active"])
    keys["malformed"] = keys["operator_badung"]  # sent without the keyword: "Authorization: <key>"


def _events(matrix: Matrix, operators: dict) -> None:
    """Per place: an event of the place's office with a partner and a speaker from the shared address book, a
    participant's registration and an MoU with a party, each carrying the place's token. Badung's event is open for
    registration; Denpasar's is internal and under way; NTB's is under way. Badung's and Denpasar's participants were
    present at the first session (a paper sheet sent empty would remove them; Denpasar's would earn a certificate);
    both work at Badung's alfa business (Denpasar's: an event of one region on another region's business, as in
    point 12). NTB's event also holds the participant whose personal link the matrix holds, with a certificate."""
    import datetime

    from django.core.files.base import ContentFile
    from django.utils import timezone

    from businesses.models import Business
    from events.models import (
        Agreement,
        AgreementParty,
        Attendance,
        Event,
        EventPartner,
        EventPhoto,
        EventSpeaker,
        Institution,
        Registration,
        Speaker,
    )
    from events.services.attendance import certificates_issue
    from ikm_registry.history import attributed
    from tests.factories import SYSTEM, make_event, office_for

    records = matrix.records
    today = timezone.localdate()
    matrix.event_year = today.year
    with attributed(matrix.users["province"], "matriks"):
        institution = Institution.objects.create(name=INSTITUTION_NAME, kind="perguruan_tinggi")
        speaker = Speaker.objects.create(
            name=SPEAKER_NAME,
            position="Ahli pewarnaan alami",
            institution=institution,
            phone=SPEAKER.phones[0],
            email=SPEAKER.email,
        )
    records[Institution] = [Record("institution", institution.pk, ADDRESS_BOOK)]
    records[Speaker] = [Record("speaker", speaker.pk, ADDRESS_BOOK)]
    for model in (Event, Registration, Agreement):
        records[model] = []
    alfa = {record.label: record.pk for record in records[Business]}

    def register(event, who: Person, **fields) -> Registration:
        return Registration.objects.create(
            event=event, name=f"Ibu {who.label}", sex="P", nik=who.nik, phone=who.phones[0], email=who.email, **fields
        )

    # Every event in this year (rekap-kegiatan asks for one), none over: the agenda lists them.
    starts = {"bdg": min(today + datetime.timedelta(days=14), datetime.date(today.year, 12, 31)), "dps": today,
              "ntb": today}  # fmt: skip
    for place in PLACES:
        token, owned = place.token, Owned(region=place.region)
        public = EVENT_PUBLIC[place.key]
        with attributed(operators[place.key], "matriks"):
            event = make_event(
                place.region,
                title=f"Pelatihan {token}agenda" if public else f"Rapat {token}internal",
                code=f"{token}-KEG-01",
                is_public=public,
                status="open" if place.key == "bdg" else "ongoing",
                start_date=starts[place.key],
            )
            session = event.sessions.get()
            EventPartner.objects.create(event=event, institution=institution)
            EventSpeaker.objects.create(event=event, speaker=speaker, topic="Pewarnaan alami")
            business = {"business_id": alfa["bdg"]} if place.key in ("bdg", "dps") else {}
            registration = register(event, participant(place, "peserta"), **business)
            if place.key != "ntb":
                Attendance.objects.create(registration=registration, session=session)
            agreement = Agreement.objects.create(
                office=office_for(place.region),
                title=f"MoU {token}mou",
                signed_on=event.start_date,
                valid_until=event.start_date + datetime.timedelta(days=3 * 365),
                event=event,
                document=ContentFile(f"Nota kesepahaman {token}mou\n".encode(), name=f"{token}mou.txt"),
            )
            AgreementParty.objects.create(agreement=agreement, institution=institution, number=f"{token}/PKS/01")
            photo = EventPhoto(event=event, caption=f"Foto {token}foto")
            photo.photo.save("foto.jpg", ContentFile(_small_jpeg()), save=False)
            photo.save()
            matrix.photos.append(Record(place.key, (event.pk, photo.pk), owned))
            if place.key == "ntb":
                holder = register(event, participant(place, "tautan"))
                Attendance.objects.create(registration=holder, session=session)
                assert certificates_issue(event, actor=SYSTEM) == 1
                holder.refresh_from_db()
                matrix.links.append(Record("ntb participant", holder.secret, PUBLIC))
                matrix.certificates.append(Record("ntb participant", holder.certificate_code, PUBLIC))
        records[Event].append(Record(place.key, event.pk, owned))
        records[Registration].append(Record(place.key, registration.pk, owned))
        records[Agreement].append(Record(place.key, agreement.pk, owned))


# The kecamatan of each region's TUKs (REGION_TREE).
TUK_REGION = {"bdg": "51.03.02", "dps": "51.71.02"}


def _certification(matrix: Matrix, operators: dict) -> None:
    """Two LSPs (the "lsp" role operates a) in Bali, each with a scheme and an assessor living in Bali, and TUK in the
    regions of its asesi. Per region and LSP (ASESI): a session at the LSP's TUK there (starting today, places
    left), an asesi of the region's bravo business enrolled by the office with FR.APL.01/02, scheduled, found
    competent by the LSP and holding a certificate (its verification code held for /verifikasi/), and an asesi
    waiting for a session. Per region: a valid halal certificate of bravo with its evidence (and a revoked one),
    and a target of the region for LSP a's scheme. Through the services and the workflow engine, as in use."""
    from django.core.files.base import ContentFile
    from django.utils import timezone

    from businesses.models import Business
    from certification.choices import AsesiRole, ProductCertificateKind, ProductCertificateStatus, TargetKind
    from certification.models import (
        AssessmentSession,
        Assessor,
        Certificate,
        CertificationTarget,
        Enrollment,
        Lsp,
        ProductCertification,
        Scheme,
        Tuk,
    )
    from certification.services import enrollment as service
    from ikm_registry.history import attributed
    from ikm_registry.models import Region

    records, users = matrix.records, matrix.users
    today = timezone.localdate()
    bali = Region.objects.get(code="51")
    for model in (Lsp, Scheme, Assessor, Tuk, AssessmentSession, Enrollment, Certificate, ProductCertification,
                  CertificationTarget):  # fmt: skip
        records[model] = []
    schemes, assessors = {}, {}
    with attributed(users["province"], "matriks"):
        for key, token in LSP_TOKENS.items():
            book = Owned(staff=True, staff_writes=True, lsp=key)
            lsp = Lsp.objects.create(name=f"LSP {token}lembaga", region=bali, licence_number=f"BNSP-{token}-01")
            schemes[key] = Scheme.objects.create(
                lsp=lsp, code=f"{token.upper()}-SKM-01", name=f"Pemasaran {token}skema"
            )
            who = assessor(key)
            assessors[key] = Assessor.objects.create(lsp=lsp, name=f"Asesor {who.label}", home_region=bali,
                                                     met_number="MET.000.001668 2012", phone=who.phones[0],
                                                     email=who.email)  # fmt: skip
            assessors[key].schemes.add(schemes[key])
            records[Lsp].append(Record(f"LSP {key}", lsp.pk, book))
            records[Scheme].append(Record(f"scheme of LSP {key}", schemes[key].pk, book))
            records[Assessor].append(Record(f"assessor of LSP {key}", assessors[key].pk, book))
    Lsp.objects.get(name="LSP Lsaxlembaga").operators.add(users["lsp"])
    bravo = dict(Business.objects.filter(name__startswith="Ukir ").values_list("village_id", "pk"))
    for place_key, lsps in ASESI.items():
        place = PLACE[place_key]
        operator, owned = operators[place_key], Owned(region=place.region)
        business = Business.objects.get(pk=bravo[place.village])
        for key in lsps:
            token, of_lsp = LSP_TOKENS[key], Owned(region=place.region, lsp=key)
            lsp_user = users["lsp"] if key == "a" else operator
            with attributed(users["province"], "matriks"):
                tuk = Tuk.objects.create(lsp=schemes[key].lsp, name=f"TUK {token}{place_key}",
                                         region=Region.objects.get(code=TUK_REGION[place_key]))  # fmt: skip
            with attributed(operator, "matriks"):
                session = AssessmentSession.objects.create(scheme=schemes[key], tuk=tuk, start_date=today,
                                                           end_date=today, capacity=5,
                                                           notes=f"{place.token}sesi{key}")  # fmt: skip
                session.assessors.add(assessors[key])
            who = asesi(place, key)
            enrollment = service.enrol(actor=operator, business=business, name=f"Ibu {who.label}",
                                       role=AsesiRole.MARKETING, nik=who.nik, phone=who.phones[0], email=who.email,
                                       scheme=schemes[key])  # fmt: skip
            for which in ("apl01", "apl02"):
                text = f"{which.upper()} {token}berkas {place.token}berkas{key}\n".encode()
                getattr(enrollment, which).save(f"{which}.txt", ContentFile(text), save=False)
            enrollment.save(update_fields=["apl01", "apl02"])
            enrollment = service.schedule(enrollment, session, actor=operator)
            enrollment = service.record_result(enrollment, True, actor=lsp_user)
            certificate = service.issue_certificate(
                enrollment, actor=lsp_user, issued_on=today, number=f"{token}/{place.token}kompetensi{key}/{today.year}"
            )
            service.enrol(actor=operator, business=business, name=f"Ibu {place.token}tunggu{key}",
                          scheme=schemes[key])  # fmt: skip
            records[Tuk].append(
                Record(f"TUK of LSP {key} in {place_key}", tuk.pk, Owned(staff=True, staff_writes=True, lsp=key))
            )
            records[AssessmentSession].append(Record(f"{place_key} of LSP {key}", session.pk, of_lsp))
            records[Enrollment].append(Record(f"{place_key} of LSP {key}", enrollment.pk, of_lsp))
            records[Certificate].append(Record(f"{place_key} of LSP {key}", certificate.pk, of_lsp))
            matrix.certificates.append(Record(f"{place_key} asesi of LSP {key}", certificate.code, PUBLIC))
        with attributed(operator, "matriks"):
            halal = ProductCertification(business=business, kind=ProductCertificateKind.HALAL,
                                         number=f"ID51-{place.token}halal", issued_on=today)  # fmt: skip
            halal.evidence.save("bukti.txt", ContentFile(f"Sertifikat halal {place.token}bukti\n".encode()),
                                save=False)  # fmt: skip
            halal.save()
            ProductCertification.objects.create(business=business, kind=ProductCertificateKind.HALAL,
                                                number=f"ID51-{place.token}dicabut", issued_on=today,
                                                status=ProductCertificateStatus.REVOKED)  # fmt: skip
            target = CertificationTarget.objects.create(region=Region.objects.get(code=place.region), year=today.year,
                                                        scheme=schemes["a"], kind=TargetKind.NUMBER, target=10,
                                                        notes=f"{place.token}target")  # fmt: skip
        records[ProductCertification].append(Record(place_key, halal.pk, owned))
        records[CertificationTarget].append(Record(place_key, target.pk, owned))


def _small_jpeg() -> bytes:
    """A small JPEG for the events' documentation photos."""
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (120, 80, 40)).save(buffer, format="JPEG")
    return buffer.getvalue()


def remove_files(matrix: Matrix) -> None:
    """The files the data wrote through their storages: the background reports' PDFs, the uploads, the MoUs."""
    from businesses.models import BusinessImport
    from events.models import Agreement
    from ikm_registry.models import Job

    for job in Job.objects.filter(pk__in=[record.pk for record in matrix.jobs]):
        if job.file:
            job.file.delete(save=False)
    for upload in BusinessImport.objects.filter(pk__in=[record.pk for record in matrix.imports]):
        if upload.file:
            upload.file.delete(save=False)
    for agreement in Agreement.objects.filter(pk__in=[record.pk for record in matrix.records.get(Agreement, [])]):
        if agreement.document:
            agreement.document.delete(save=False)
    from events.models import EventPhoto

    for photo in EventPhoto.objects.filter(pk__in=[record.pk[1] for record in matrix.photos]):
        for stored in (photo.photo, photo.photo_thumbnail):
            if stored:
                stored.delete(save=False)
    from certification.models import Enrollment, ProductCertification

    for enrollment in Enrollment.objects.filter(pk__in=[record.pk for record in matrix.records.get(Enrollment, [])]):
        for stored in (enrollment.apl01, enrollment.apl02):
            if stored:
                stored.delete(save=False)
    products = ProductCertification.objects.filter(pk__in=[r.pk for r in matrix.records.get(ProductCertification, [])])
    for product in products:
        if product.evidence:
            product.evidence.delete(save=False)


# --- the URL resolver ---------------------------------------------------------------------------------------------


# The staff API's URLs (ikm_registry/api/registry.py: every endpoint under staf/ needs a token); the key of an API URL's
# format-suffix twin.
STAFF_API_PREFIX = "api/v1/staf/"
FORMAT_SUFFIX = ".json"


@dataclass(frozen=True)
class Route:
    """One URL pattern of the project: its name (or, unnamed, its regex), its parameters and, for a ModelAdmin's
    URLs, that ModelAdmin."""

    name: str
    regex: str
    callback: Callable
    model_admin: object = None

    @property
    def key(self) -> str:
        return f"{self.base_key}{FORMAT_SUFFIX}" if self.format_suffix else self.base_key

    @property
    def base_key(self) -> str:
        return self.name if self.name and not self.name.endswith(":") else f"{self.name}{self.regex}"

    @property
    def api_view(self) -> type | None:
        """The Django REST framework view class of an API URL (None for any other URL)."""
        from rest_framework.views import APIView

        view = getattr(self.callback, "cls", None)
        return view if isinstance(view, type) and issubclass(view, APIView) else None

    @property
    def format_suffix(self) -> bool:
        """An API URL's twin that takes a format suffix ("/api/v1/usaha/1.json"): the same view, under the same name;
        its key ends in FORMAT_SUFFIX, and its paths are made with the suffix."""
        return self.api_view is not None and "format" in self.params

    @property
    def fill_params(self) -> tuple[str, ...]:
        """The parameters a filler fills (a format suffix is filled by path())."""
        return tuple(param for param in self.params if not (self.format_suffix and param == "format"))

    @property
    def staff_api(self) -> bool:
        """A staff endpoint of the API (under /api/v1/staf/): a token of a staff user, scoped like the admin."""
        return self.api_view is not None and self.regex.startswith(STAFF_API_PREFIX)

    @property
    def template(self) -> tuple[str, list[str]]:
        return normalize(self.regex)[0]

    @property
    def params(self) -> tuple[str, ...]:
        return tuple(self.template[1])

    @property
    def staff_only(self) -> bool:
        """An admin URL that needs a signed-in staff user (not the login page, nor views marked as open)."""
        return self.name.startswith("admin:") and getattr(self.callback, "login_required", True)

    @property
    def public(self) -> bool:
        return not self.name.startswith("admin:") and not self.staff_api

    def path(self, *values, **named) -> str:
        from urllib.parse import quote

        text, params = self.template
        given = dict(zip(params, values, strict=False)) | named
        if self.format_suffix:
            # DRF's suffix of the API root takes its dot in the parameter ("/api/v1/.json"), the others not
            given.setdefault("format", ".json" if r"(?P<format>\." in self.regex else "json")
        return "/" + text % {key: quote(str(value), safe="") for key, value in given.items()}


def walk_urls(patterns=None, regex: str = "", namespace: str = "") -> list[Route]:
    """Every URL pattern of the project, with the ModelAdmin it belongs to (found by its admin path)."""
    if patterns is None:
        patterns = get_resolver().url_patterns
    by_path = {f"admin/{m._meta.app_label}/{m._meta.model_name}/": ma for m, ma in admin.site._registry.items()}
    routes = []
    for pattern in patterns:
        full = regex + pattern.pattern.regex.pattern.removeprefix("^")
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            routes += walk_urls(pattern.url_patterns, full, inner)
            continue
        model_admin = next((ma for prefix, ma in by_path.items() if full.startswith(prefix)), None)
        routes.append(Route(f"{namespace}{pattern.name or ''}", full, pattern.callback, model_admin))
    return routes


ROUTES = walk_urls()


# --- probes: the requests made for a URL --------------------------------------------------------------------------


@dataclass(frozen=True)
class Probe:
    """One request. `owned` says whose object the URL names (None: none); `expect` overrides the default
    expectation ("redirect": any id redirects without reading it; "form": a report form that must refuse;
    "report": a report form that must give the file; "bulk": judged by what it changed: a list's bulk action, or a
    write the role may not make to a record it sees, see _write); `search` marks a list search whose results the role
    must not get ("foreign" or "personal"); `reachable`: a role that sees the object must not get 404."""

    method: str
    path: str
    label: str
    owned: Owned | None = None
    query: tuple = ()
    data: tuple = ()
    expect: str = ""
    search: str = ""
    reachable: bool = False
    writes: bool = False  # a POST that would change something: officials get 403, nothing changes
    watch: tuple = ()  # (model, pk) whose row must be unchanged after the request
    json: str = ""  # the API: a JSON body to POST
    # The API: what authenticates the request instead of the role's own token ("" for that token; CREDENTIALS).
    credential: str = ""


@dataclass(frozen=True)
class Filler:
    """How the parameters of matching URLs are filled (and which extra requests they get)."""

    match: str  # glob over Route.key
    params: tuple[str, ...] | None  # the parameters it fills (None: any, for parameterless extras)
    how: str  # one line for the table in the test's documentation
    fill: Callable
    api: bool = False  # fills API URLs only


def _records(matrix, route) -> list[Record]:
    model = route.model_admin.model
    found = matrix.records.get(model)
    if not found:
        raise LookupError(f"no records of {model._meta.label} in the matrix data (tests/access_matrix.py)")
    return found


def _missing_pk(model=None) -> str:
    """An id no record has, of the right type for `model`'s primary key."""
    from django.db import models

    if model is not None and isinstance(model._meta.pk, models.UUIDField):
        return "00000000-0000-4000-8000-000000000000"
    return "987654321"


def _write(role, owned: Owned, action: str) -> dict:
    """The `owned` and `expect` of a write probe (a POST that would change a record of `owned`). A write the role may
    make is left out by the test (it would change what the other requests read), and one to a record outside its
    reach must answer 404. A write it may not make to a record it sees (reference data; the address book's delete)
    is named a write of superusers only, so that it is tried, and judged by what it changed."""
    if role.writes and sees(role, owned) and not may_write(role, owned, action):
        return {"owned": SUPERUSER_ONLY, "expect": "bulk"}
    return {"owned": owned}


def _object_probes(route, role, matrix, *, history=False, post=None, action="change", reachable=True) -> list[Probe]:
    model = route.model_admin.model
    records = matrix.history_records(model) if history else _records(matrix, route)
    probes = []
    for record in [*records, Record("missing", _missing_pk(model), MISSING)]:
        path = route.path(record.pk)
        if not record.deleted or history:
            probes.append(
                Probe("GET", path, f"{record.label} ({record.owned.label()})", record.owned, reachable=reachable)
            )
        if post is not None and not record.deleted:
            probes.append(
                Probe(
                    "POST",
                    path,
                    f"POST {record.label} ({record.owned.label()})",
                    data=tuple(post.items()),
                    writes=True,
                    watch=((model, record.pk),),
                    **_write(role, record.owned, action),
                )
            )
    return probes


def fill_changelist(route, role, matrix) -> list[Probe]:
    """The list; for a scoped role, searches and filters that would find other regions' records; for a role that
    may not read personal fields, searches for the personal values of owners it sees."""
    from businesses.models import Business

    model_admin = route.model_admin
    model = model_admin.model
    probes = [Probe("GET", route.path(), "list")]
    foreign = [place for place in PLACES if not sees(role, Owned(region=place.region))]
    if model_admin.search_fields:
        for place in foreign:
            probes.append(
                Probe(
                    "GET",
                    route.path(),
                    f"search the NIB of {place.key}",
                    Owned(region=place.region),
                    query=(("q", NIB[place.key]),),
                    search="foreign",
                )
            )
        if not role.personal and not role.anonymous:
            for who in matrix.people:
                if not (sees(role, who.owned) and who.label.endswith(("alfa", "peserta", "asesia", "asesib"))):
                    continue
                for value in filter(None, (who.nik, who.phones[0], who.email, who.home_word)):
                    probes.append(
                        Probe(
                            "GET",
                            route.path(),
                            f"search {value} of {who.label}",
                            who.owned,
                            query=(("q", value),),
                            search="personal",
                        )
                    )
    if model is Business:
        for place in foreign:
            probes.append(
                Probe(
                    "GET",
                    route.path(),
                    f"filter kabupaten {place.region}",
                    Owned(region=place.region),
                    query=(("kabupaten", place.region),),
                    search="foreign",
                )
            )
    # Every bulk action on a record of each region at once: those the role may change (delete, for the admin's delete
    # action) are left out (they would change the data); every record it names must stay as it is.
    for action in _action_names(model_admin):
        kind = "delete" if action == "delete_selected" else "change"
        records = [r for r in matrix.records.get(model, []) if not may_write(role, r.owned, kind)]
        if records:
            selected = [("_selected_action", str(record.pk)) for record in records]
            labels = ", ".join(f"{record.label} ({record.owned.label()})" for record in records)
            probes.append(
                Probe(
                    "POST",
                    route.path(),
                    f"action {action} on {labels}",
                    _write(role, records[0].owned, kind)["owned"],
                    data=(("action", action), *selected, ("index", "0"), ("post", "yes")),
                    expect="bulk",
                    writes=True,
                    watch=tuple((model, record.pk) for record in records),
                )
            )
    return probes


def _action_names(model_admin) -> list[str]:
    """The bulk actions a superuser is offered (others see fewer; each is tried by every role)."""
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    request.user = _superuser_stand_in()
    return [name for name in model_admin.get_actions(request)]


def _superuser_stand_in():
    from django.contrib.auth import get_user_model

    return get_user_model()(username="matriks.stand-in", is_staff=True, is_superuser=True, is_active=True)


def fill_add(route, role, matrix) -> list[Probe]:
    model = route.model_admin.model
    return [
        Probe("GET", route.path(), "add form"),
        Probe("POST", route.path(), "POST empty add form", writes=True, watch=((model, None),)),
    ]


def fill_token_add(route, role, matrix) -> list[Probe]:
    """A staff member's own API token (the admin's Token API): every role that holds one makes it, officials too (the
    token reads as its user does; it is no write to the registry). An empty form makes none."""
    from ikm_registry.models import ApiToken

    return [
        Probe("GET", route.path(), "add form"),
        Probe("POST", route.path(), "POST empty add form", watch=((ApiToken, None),)),
    ]


def fill_change(route, role, matrix) -> list[Probe]:
    return _object_probes(route, role, matrix, post={})


def fill_delete(route, role, matrix) -> list[Probe]:
    return _object_probes(route, role, matrix, post={"post": "yes"}, action="delete")


def fill_history(route, role, matrix) -> list[Probe]:
    return _object_probes(route, role, matrix, history=True)


def fill_object_redirect(route, role, matrix) -> list[Probe]:
    return [
        Probe("GET", route.path(record.pk), f"{record.label}", record.owned, expect="redirect")
        for record in [*_records(matrix, route), Record("missing", _missing_pk(route.model_admin.model), MISSING)]
    ]


def _latest_version(model, **lookup):
    from ikm_registry.history import history_of

    return history_of(model).filter(**lookup).order_by("-history_date", "-history_id").first()


def fill_simple_history(route, role, matrix) -> list[Probe]:
    from ikm_registry.history import has_history

    model = route.model_admin.model
    records = matrix.history_records(model)
    if not has_history(model):
        return [Probe("GET", route.path(r.pk, 1), f"{r.label}: no history kept", MISSING) for r in records[:1]]
    probes = []
    versions = {}
    for record in records:
        version = _latest_version(model, **{model._meta.pk.attname: record.pk})
        versions[record.pk] = version.history_id
        path = route.path(record.pk, version.history_id)
        label = f"{record.label} ({record.owned.label()}) version {version.history_id}"
        probes.append(Probe("GET", path, label, record.owned, reachable=True))
        probes.append(
            Probe(
                "POST",
                path,
                f"POST revert {label}",
                writes=True,
                watch=((model, record.pk),),
                **_write(role, record.owned, "change"),
            )
        )
    # A version of another record under this record's id.
    first, second = records[0], records[1]
    probes.append(
        Probe("GET", route.path(first.pk, versions[second.pk]), f"{first.label} with {second.label}'s version", MISSING)
    )
    probes.append(Probe("GET", route.path(first.pk, _missing_pk()), f"{first.label}, no such version", MISSING))
    return probes


def fill_history_child(route, role, matrix) -> list[Probe]:
    from ikm_registry.history import has_history

    model_admin = route.model_admin
    model = model_admin.model
    records = matrix.history_records(model)
    probes = []
    parts = model_admin.history_inlines() if has_history(model) else []
    for inline, fk in parts:
        part = inline.model._meta.model_name
        for record in records:
            version = _latest_version(inline.model, **{fk.attname: record.pk})
            if version is None:
                continue
            path = route.path(record.pk, part, version.history_id)
            label = f"{record.label} ({record.owned.label()}) {part} version {version.history_id}"
            probes.append(Probe("GET", path, label, record.owned, reachable=True))
            probes.append(
                Probe(
                    "POST",
                    path,
                    f"POST revert {label}",
                    writes=True,
                    watch=((model, record.pk),),
                    **_write(role, record.owned, "change"),
                )
            )
    first = records[0]
    probes.append(Probe("GET", route.path(first.pk, "nopart", 1), f"{first.label}: a part that is not one", MISSING))
    return probes


def _user_records(records) -> list[Record]:
    return [*records, Record("missing", _missing_pk(), MISSING)]


def fill_import_preview(route, role, matrix) -> list[Probe]:
    from businesses.models import BusinessImport

    probes = []
    for record in _user_records(matrix.imports):
        label = f"upload of {record.label} ({record.owned.label()})"
        probes.append(Probe("GET", route.path(record.pk), label, record.owned, reachable=True))
        probes.append(
            Probe(
                "POST",
                route.path(record.pk),
                f"confirm {label}",
                record.owned,
                writes=True,
                watch=((BusinessImport, record.pk),),
            )
        )
    return probes


def fill_import_rejects(route, role, matrix) -> list[Probe]:
    """An upload's rejects file, or the uploaded file itself."""
    return [
        Probe("GET", route.path(r.pk), f"file of {r.label} ({r.owned.label()})", r.owned, reachable=True)
        for r in _user_records(matrix.imports)
    ]


def fill_import_upload(route, role, matrix) -> list[Probe]:
    from businesses.models import BusinessImport

    return [
        Probe("GET", route.path(), "upload form"),
        Probe("POST", route.path(), "POST empty upload", writes=True, watch=((BusinessImport, None),)),
    ]


def fill_tabular_upload(route, role, matrix) -> list[Probe]:
    """The core's upload page of each registered importer: the business import's redirects to its own page; the
    events programme's form and an empty POST, and every other importer's; a daftar hadir for each matrix event (its
    own office's staff only) and an event id that does not exist."""
    from events.models import Event
    from ikm_registry.models import TabularImport

    watch = ((TabularImport, None),)
    probes = [
        Probe("GET", route.path("businesses"), "business import: its own page", expect="redirect"),
        Probe("GET", route.path("events"), "events programme: upload form"),
        Probe("POST", route.path("events"), "events programme: POST empty upload", writes=True, watch=watch),
        Probe("GET", route.path("no-such-kind"), "an importer that does not exist", MISSING),
        Probe("GET", route.path("participants"), "daftar hadir without an event", MISSING),
    ]
    from ikm_registry.tabular import registry

    for kind, _label in registry.choices():  # every other importer (certification's): its form and an empty POST
        if kind not in ("businesses", "events", "participants"):
            probes.append(Probe("GET", route.path(kind), f"{kind}: upload form"))
            probes.append(Probe("POST", route.path(kind), f"{kind}: POST empty upload", writes=True, watch=watch))
    for record in [*matrix.records[Event], Record("missing", _missing_pk(), MISSING)]:
        query = (("event", str(record.pk)),)
        label = f"daftar hadir of {record.label} ({record.owned.label()})"
        probes.append(Probe("GET", route.path("participants"), label, record.owned, query=query, reachable=True))
        probes.append(
            Probe("POST", route.path("participants"), f"POST empty {label}", query=query, writes=True, watch=watch,
                  **_write(role, record.owned, "change"))
        )  # fmt: skip
    return probes


def fill_password_reset_confirm(route, role, matrix) -> list[Probe]:
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    user = matrix.users["operator_badung"]
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    return [
        Probe("GET", route.path(uid, default_token_generator.make_token(user)), "valid token"),
        Probe("GET", route.path(uid, "set-password"), "the set-password step without a session"),
        Probe("GET", route.path(uid, "abc-0123456789abcdef"), "forged token"),
        Probe("GET", route.path(urlsafe_base64_encode(b"987654321"), "abc-0123"), "unknown account"),
    ]


def fill_file_format(route, role, matrix) -> list[Probe]:
    return [Probe("GET", route.path(fmt), fmt) for fmt in ("csv", "xlsx", "pdf")]


def fill_export(route, role, matrix) -> list[Probe]:
    """Every format (the import layout as CSV and XLSX, the readable Daftar workbook): the whole list, and for each
    region the role may not see a search for its NIB and its kabupaten as filter (the file must hold none of its
    rows)."""
    probes = []
    foreign = [place for place in PLACES if not sees(role, Owned(region=place.region))]
    for fmt in ("csv", "xlsx", "daftar", "siinas-xlsx", "siinas-csv"):
        period = (("semester", "1"),) if fmt.startswith("siinas") else ()
        probes.append(Probe("GET", route.path(), f"{fmt}, whole list", query=(("format", fmt), *period)))
        for place in foreign:
            probes.append(
                Probe(
                    "GET",
                    route.path(),
                    f"{fmt}, NIB of {place.key}",
                    query=(("format", fmt), *period, ("q", NIB[place.key])),
                )
            )
            probes.append(
                Probe(
                    "GET",
                    route.path(),
                    f"{fmt}, kabupaten {place.region}",
                    query=(("format", fmt), *period, ("kabupaten", place.region)),
                )
            )
    return probes


def fill_upload_template(route, role, matrix) -> list[Probe]:
    """The XLSX template of every registered importer (404 for one without a template) and of a kind that does not
    exist."""
    from ikm_registry.tabular import registry

    probes = [Probe("GET", route.path(kind), f"{kind}: template") for kind, _label in registry.choices()]
    return [*probes, Probe("GET", route.path("no-such-kind"), "an importer that does not exist", MISSING)]


def fill_sitemap_section(route, role, matrix) -> list[Probe]:
    """Every section of the sitemap, its second page (none in the matrix: 404) and a section that does not exist."""
    from ikm_registry.sitemaps import sitemap_sections

    probes = []
    for name in sitemap_sections.names():
        probes.append(Probe("GET", route.path(name), f"section {name}", PUBLIC))
        probes.append(Probe("GET", route.path(name), f"section {name}, page 2", MISSING, query=(("p", "2"),)))
    return [*probes, Probe("GET", route.path("no-such-section"), "a section that does not exist", MISSING)]


def fill_job_download(route, role, matrix) -> list[Probe]:
    return [
        Probe("GET", route.path(r.pk), f"report of {r.label} ({r.owned.label()})", r.owned, reachable=True)
        for r in _user_records(matrix.jobs)
    ]


def fill_user_password(route, role, matrix) -> list[Probe]:
    from django.contrib.auth import get_user_model

    model = get_user_model()
    probes = []
    for record in [*matrix.records[model], Record("missing", _missing_pk(), MISSING)]:
        probes.append(Probe("GET", route.path(record.pk), record.label, record.owned))
        probes.append(
            Probe(
                "POST",
                route.path(record.pk),
                f"POST {record.label}",
                record.owned,
                writes=True,
                watch=((model, record.pk),),
            )
        )
    return probes


def fill_view_on_site(route, role, matrix) -> list[Probe]:
    from django.contrib.contenttypes.models import ContentType

    probes = []
    for model, records in matrix.records.items():
        content_type = ContentType.objects.get_for_model(model)
        for record in records:
            owned = record.owned
            probes.append(
                Probe("GET", route.path(content_type.pk, record.pk), f"{model.__name__} {record.label}", owned)
            )
    return probes


def fill_app_list(route, role, matrix) -> list[Probe]:
    labels = sorted({model._meta.app_label for model in admin.site._registry})
    return [Probe("GET", route.path(label), label) for label in labels]


def fill_catch_all(route, role, matrix) -> list[Probe]:
    return [Probe("GET", route.path("tidak-ada/"), "an unknown admin page")]


def fill_autocomplete(route, role, matrix) -> list[Probe]:
    probes = [Probe("GET", route.path(), "no parameters")]
    for model, model_admin in admin.site._registry.items():
        for field_name in model_admin.autocomplete_fields:
            query = (
                ("app_label", model._meta.app_label),
                ("model_name", model._meta.model_name),
                ("field_name", field_name),
            )
            for term in ("", "a", "e"):
                probes.append(
                    Probe(
                        "GET", route.path(), f"{model.__name__}.{field_name} '{term}'", query=(*query, ("term", term))
                    )
                )
    return probes


# Report fields with no default whose value the matrix's data decides: (report, field) → value.
REPORT_VALUES = {
    ("rekap-kegiatan", "year"): lambda matrix: matrix.event_year,
    ("progres-sertifikasi", "year"): lambda matrix: matrix.event_year,
}


def _report_variants(report, role: Role, matrix) -> list[tuple[str, dict, str]]:
    """(label, form data, expectation) of a report's form for `role`: everything in the role's own region, then
    each scoped choice (region, or a record of a model with records in the matrix: business, sentra, …) set to a
    record the role may not see. A required field it cannot fill fails the matrix."""
    from django import forms

    from ikm_registry.scoping import SystemActor

    form = report.form_class(user=SystemActor("access-matrix"))
    own_region = role.region if role.region and not role.everything else "51.03"
    own, choices = {}, {}
    for name, form_field in form.fields.items():
        model = getattr(getattr(form_field, "queryset", None), "model", None)
        if name == "region":
            own[name] = own_region
            choices[name] = [(Owned(region=code), code) for code in ("51.03", "51.71", "52.01")]
        elif isinstance(form_field, forms.ModelChoiceField) and hasattr(model.objects.all(), "restrict"):
            records = matrix.records.get(model)
            if not records:
                raise LookupError(f"report {report.name}: no matrix records of {model._meta.label} for {name!r}")
            visible = [r for r in records if sees(role, r.owned) and (r.owned.region or "").startswith(own_region)] or [
                r for r in records if sees(role, r.owned)
            ]
            if form_field.required:
                own[name] = visible[0].pk if visible else records[0].pk
            choices[name] = [(r.owned, r.pk) for r in records]
        elif (report.name, name) in REPORT_VALUES:
            own[name] = REPORT_VALUES[(report.name, name)](matrix)
        elif form_field.initial is not None:
            own[name] = form_field.initial() if callable(form_field.initial) else form_field.initial
        elif form_field.required:
            raise LookupError(f"report {report.name}: no value for its required field {name!r}")
    variants = [(f"{report.name}, own region", own, "report")]
    for name, options in choices.items():
        for owned, value in options:
            if not sees(role, owned):
                variants.append((f"{report.name}, {name} {owned.label()}", {**own, name: value}, "form"))
    return variants


def fill_reports(route, role, matrix) -> list[Probe]:
    from ikm_registry.reports import all_reports

    probes = [Probe("GET", route.path(), "Laporan page")]
    for report in all_reports():
        probes.append(Probe("GET", route.path(), f"{report.name} form", query=(("report", report.name),)))
        for label, data, expect in _report_variants(report, role, matrix):
            # several values (the Daftar's ticked statuses) as one comma-separated value, which the field reads too
            data = {
                "report": report.name,
                **{k: ",".join(map(str, v)) if isinstance(v, list | tuple) else str(v) for k, v in data.items()},
            }
            probes.append(Probe("POST", route.path(), label, data=tuple(data.items()), expect=expect))
    return probes


def fill_report_regions(route, role, matrix) -> list[Probe]:
    """The Laporan page's region search: each report with a few terms (any region; each region's token in lower case,
    which the answer still spells in its own case; a province's code), without a report and with one that does not
    exist."""
    from ikm_registry.reports import all_reports

    probes = [
        Probe("GET", route.path(), "no report"),
        Probe("GET", route.path(), "no such report", query=(("report", "tidak-ada"),)),
    ]
    for report in all_reports():
        for term in ("", "a", "e", "bdgx", "dpsx", "ntbx", "52"):
            probes.append(
                Probe("GET", route.path(), f"{report.name} '{term}'", query=(("report", report.name), ("term", term)))
            )
    return probes


def fill_public_business(route, role, matrix) -> list[Probe]:
    from businesses.choices import BusinessStatus
    from businesses.models import Business

    probes = []
    for business in Business.objects.filter(name__regex=r"(Bdgx|Dpsx|Ntbx)").order_by("pk"):
        published = business.status == BusinessStatus.PUBLISHED
        owned = PUBLIC if published else MISSING
        probes.append(Probe("GET", route.path(business.pk), f"{business.name} ({business.status})", owned))
    return probes


def fill_public_sentra(route, role, matrix) -> list[Probe]:
    from businesses.models import Sentra

    return [
        Probe("GET", route.path(record.pk), f"sentra {record.label}", MISSING if record.owned.missing else PUBLIC)
        for record in [*matrix.records[Sentra], Record("missing", _missing_pk(), MISSING)]
    ]


def fill_public_event(route, role, matrix) -> list[Probe]:
    """Every matrix event: a public one answers, an internal one and a missing id are 404. To the registration form,
    a valid registration POSTed for an internal event and a missing id: 404, and nobody is registered."""
    from events.models import Event, Registration

    probes = []
    events = {event.pk: event for event in Event.objects.filter(pk__in=[r.pk for r in matrix.records[Event]])}
    for record in [*matrix.records[Event], Record("missing", _missing_pk(), MISSING)]:
        event = events.get(record.pk)
        owned = PUBLIC if event is not None and event.is_public else MISSING
        label = f"event {record.label} ({'public' if owned is PUBLIC else 'internal' if event else 'no such event'})"
        probes.append(Probe("GET", route.path(record.pk), label, owned, reachable=owned is PUBLIC))
        if route.name == "events:event_register" and owned is MISSING:
            data = (("name", "Ibu Zdaftar"), ("sex", "P"), ("category", "pelaku_ikm"), ("phone", "0812-0000-0001"),
                    ("consent", "on"))  # fmt: skip
            probes.append(
                Probe("POST", route.path(record.pk), f"register for {label}", owned, data=data,
                      watch=((Registration, None),))
            )  # fmt: skip
    return probes


def fill_registration_page(route, role, matrix) -> list[Probe]:
    """A page of a participant's personal link (their page, their certificate): the link the matrix holds (its
    participant's own name, nothing of anyone else), a secret no registration has, the held secret in the other case;
    to their page, a step POSTed with a wrong secret."""
    from events.models import Registration

    probes = []
    for link in matrix.links:
        probes.append(Probe("GET", route.path(link.pk), f"personal link of {link.label}", link.owned, reachable=True))
        probes.append(Probe("GET", route.path(link.pk.swapcase()), f"{link.label}'s secret in the other case", MISSING))
    wrong = "tidak-ada-0123456789abcdefghijklmn"
    probes.append(Probe("GET", route.path(wrong), "a secret no registration has", MISSING))
    if route.name == "events:registration":
        watch = ((Registration, None), *((Registration, record.pk) for record in matrix.records[Registration]))
        probes.append(
            Probe("POST", route.path(wrong), "withdraw with a wrong secret", MISSING, data=(("action", "withdraw"),),
                  watch=watch)
        )  # fmt: skip
    return probes


def fill_owner_page(route, role, matrix) -> list[Probe]:
    """The owner's private page (issue 13): the link the matrix holds (the owner's own page), its secret in the other
    case, a secret no owner has; a proposal POSTed with a wrong secret creates nothing."""
    from businesses.models import ChangeProposal

    probes = []
    for link in matrix.owner_links:
        probes.append(Probe("GET", route.path(link.pk), f"private link of {link.label}", link.owned, reachable=True))
        probes.append(Probe("GET", route.path(link.pk.swapcase()), f"{link.label}'s secret in the other case", MISSING))
    wrong = "tidak-ada-0123456789abcdefghijklmnopqrstuv"
    probes.append(Probe("GET", route.path(wrong), "a secret no owner has", MISSING))
    probes.append(
        Probe("POST", route.path(wrong), "a proposal with a wrong secret", MISSING,
              data=(("action", "propose"), ("name", "Usulan Palsu")), watch=((ChangeProposal, None),))
    )  # fmt: skip
    return probes


def fill_proposal_photo(route, role, matrix) -> list[Probe]:
    """Each region's proposed product photo (private until approved) by its own proposal, and its thumbnail;
    another region's photo through the role's own proposal; a missing photo."""
    return _photo_probes(route, matrix.proposal_photos, "proposal")


def fill_owner_link_send(route, role, matrix) -> list[Probe]:
    """Sending an owner their private link from the business's page (POST only: a GET answers 404 to anyone): each
    matrix business and a missing id. A role that may not write, or another region's staff, changes no link."""
    from businesses.models import Business, Owner

    probes = []
    for record in [*matrix.records[Business], Record("missing", _missing_pk(Business), MISSING)]:
        owner = Owner.objects.filter(business_id=record.pk).first() if not record.owned.missing else None
        probes.append(Probe("GET", route.path(record.pk), f"GET {record.label}", record.owned))
        probes.append(
            Probe("POST", route.path(record.pk), f"send the link of {record.label} by e-mail",
                  data=(("saluran", "email"),), writes=True, watch=((Owner, owner.pk),) if owner else (),
                  **_write(role, record.owned, "change"))
        )  # fmt: skip
    return probes


def fill_agreement_document(route, role, matrix) -> list[Probe]:
    from events.models import Agreement

    return [
        Probe("GET", route.path(record.pk), f"document of {record.label} ({record.owned.label()})", record.owned,
              reachable=True)
        for record in [*matrix.records[Agreement], Record("missing", _missing_pk(), MISSING)]
    ]  # fmt: skip


def _photo_probes(route, photos: list[Record], parent: str) -> list[Probe]:
    """Each private photo (and its thumbnail) through its own `parent` record; every other photo through that record;
    a missing photo. `photos` hold Record(pk=(parent id, photo id))."""
    probes = []
    for record in photos:
        parent_id, photo_id = record.pk
        label = f"photo of {record.label} ({record.owned.label()})"
        probes.append(Probe("GET", route.path(parent_id, photo_id), label, record.owned, reachable=True))
        probes.append(Probe("GET", route.path(parent_id, photo_id), f"thumbnail, {label}", record.owned,
                            query=(("kecil", "1"),)))  # fmt: skip
        for other in photos:
            if other is not record:
                probes.append(Probe("GET", route.path(parent_id, other.pk[1]),
                                    f"photo of {other.label} through the {parent} of {record.label}", MISSING))  # fmt: skip
    probes.append(Probe("GET", route.path(photos[0].pk[0], _missing_pk()), "a missing photo", MISSING))
    return probes


def fill_event_photo(route, role, matrix) -> list[Probe]:
    """Each event's documentation photo (and its thumbnail) by its own event; another region's photo through an
    event of the role's region; a missing id."""
    return _photo_probes(route, matrix.photos, "event")


def fill_event_desk(route, role, matrix) -> list[Probe]:
    """An event's pages at the door (check-in, paper daftar hadir, certificates): each matrix event and a missing id.
    GET (the check-in page also searched for "Ibu": the event's own participants only); POST, watched: check in the
    event's participant by code, send the paper sheet empty (it would remove who was present), issue certificates.
    And, to the check-in of an event the role may change, another region's participant by id and by code: nobody is
    checked in."""
    from events.models import Attendance, Event, Registration

    page = route.name.removeprefix("admin:events_event_")
    participants = Registration.objects.in_bulk([record.pk for record in matrix.records[Registration]])
    of_event = {registration.event_id: registration for registration in participants.values()}
    probes = []
    for record in [*matrix.records[Event], Record("missing", _missing_pk(), MISSING)]:
        path, label = route.path(record.pk), f"{record.label} ({record.owned.label()})"
        probes.append(Probe("GET", path, label, record.owned, reachable=True))
        watch = [(Attendance, None)]
        data = ()
        if page == "checkin":
            probes.append(Probe("GET", path, f"{label}, search 'Ibu'", record.owned, query=(("q", "Ibu"),)))
            data = (("kode", of_event[record.pk].code if record.pk in of_event else "ABCDEFGH"),)
        elif page == "certificates":
            watch += [(Registration, pk) for pk in participants]
        probes.append(
            Probe("POST", path, f"POST {label}", data=data, writes=True, watch=tuple(watch),
                  **_write(role, record.owned, "change"))
        )  # fmt: skip
        if page != "checkin" or not may_write(role, record.owned, "change"):
            continue
        for other in matrix.records[Registration]:
            if sees(role, other.owned):
                continue
            foreign = participants[other.pk]
            for name, value in (("registration", foreign.pk), ("kode", foreign.code)):
                probes.append(
                    Probe("POST", path, f"POST {label}: the {name} of participant {other.label} "
                          f"({other.owned.label()})", other.owned, data=((name, str(value)),), expect="bulk",
                          writes=True, watch=((Attendance, None),))
                )  # fmt: skip
    return probes


def fill_verify(route, role, matrix) -> list[Probe]:
    """The verification page: empty; the code of a participant's certificate (their own name and event, nothing
    about anyone else); a code no certificate has."""
    probes = [Probe("GET", route.path(), "page")]
    for certificate in matrix.certificates:
        probes.append(
            Probe("GET", route.path(), f"certificate of {certificate.label}", certificate.owned,
                  query=(("kode", certificate.pk),))
        )  # fmt: skip
    probes.append(Probe("GET", route.path(), "a code no certificate has", query=(("kode", "ZZZZZZZZZZ"),)))
    return probes


def fill_enrollment_document(route, role, matrix) -> list[Probe]:
    """Each matrix asesi's FR.APL.01 and FR.APL.02, a document that is not one, and a missing id."""
    from certification.models import Enrollment

    probes = []
    for record in [*matrix.records[Enrollment], Record("missing", _missing_pk(), MISSING)]:
        for which in ("apl01", "apl02"):
            label = f"{which} of {record.label} ({record.owned.label()})"
            probes.append(Probe("GET", route.path(record.pk, which), label, record.owned, reachable=True))
        probes.append(Probe("GET", route.path(record.pk, "ktp"), f"ktp of {record.label}: not a document", MISSING))
    return probes


def fill_product_evidence(route, role, matrix) -> list[Probe]:
    from certification.models import ProductCertification

    return [
        Probe("GET", route.path(record.pk), f"evidence of {record.label} ({record.owned.label()})", record.owned,
              reachable=True)
        for record in [*matrix.records[ProductCertification], Record("missing", _missing_pk(), MISSING)]
    ]  # fmt: skip


def fill_open_dataset(route, role, matrix) -> list[Probe]:
    """Every open-data dataset (its page, CSV or JSON: counts of public rows only) and a slug that names none."""
    from ikm_registry.opendata import datasets

    probes = [Probe("GET", route.path(name), f"dataset {name}", PUBLIC, reachable=True) for name in datasets.names()]
    return [*probes, Probe("GET", route.path("tidak-ada"), "a dataset that does not exist", MISSING)]


def fill_ckan_action(route, role, matrix) -> list[Probe]:
    """Each CKAN action with its parameters: every dataset by name, a name that is none (404), searches, the
    organization (and one that is none), an action that does not exist (400)."""
    from django.utils.text import slugify

    from ikm_registry.opendata import datasets, publisher_name

    def action(name, label="", owned=None, query=()):
        return Probe("GET", route.path(name), label or name, owned, query=query)

    probes = [action("package_list"), action("current_package_list_with_resources"), action("status_show"),
              action("organization_list", "organization_list, all fields", query=(("all_fields", "true"),)),
              action("tag_list"), action("help_show", query=(("name", "package_search"),)),
              action("package_search", "search 'ikm', filtered by date",
                     query=(("q", "ikm"), ("fq", "metadata_modified:[2000-01-01T00:00:00Z TO *]"), ("rows", "100"))),
              action("organization_show", "the publisher", PUBLIC, (("id", slugify(publisher_name())),
                                                                 ("include_datasets", "true"))),
              action("package_show", "a dataset that does not exist", MISSING, (("id", "tidak-ada"),)),
              action("organization_show", "an organization that does not exist", MISSING, (("id", "tidak-ada"),)),
              action("tidak_ada", "an action that does not exist")]  # fmt: skip
    for name in datasets.names():
        probes.append(action("package_show", f"dataset {name}", PUBLIC, (("id", name),)))
    return probes


def fill_planner(route, role, matrix) -> list[Probe]:
    return [
        Probe("GET", route.path(), "plan"),
        Probe("GET", route.path(), "plan, capacity 1", query=(("kapasitas", "1"),)),
    ]


def fill_static(route, role, matrix) -> list[Probe]:
    return [Probe("GET", route.path(), "page")]


# --- the API (/api/, issue 14) ------------------------------------------------------------------------------------
# Every role asks with its user's personal token (matrix.api_keys), anonymous with none; a staff endpoint is also asked
# with each credential of CREDENTIALS, none of which may open it (_credential_probes).

DATA_PRIBADI = ("data_pribadi", "1")


def api_headers(matrix: Matrix, role: Role, probe: Probe) -> dict:
    """The request headers of `probe` as `role`: its user's token, or the credential the probe names."""
    credential = probe.credential
    if credential == "session" or (role.anonymous and not credential):
        return {}
    key = matrix.api_keys[credential or role.key]
    return {"HTTP_AUTHORIZATION": f"Token {key} {key[:8]}" if credential == "malformed" else f"Token {key}"}


def _credential_probes(probe: Probe) -> list[Probe]:
    return [replace(probe, label=f"{probe.label}, {credential}", credential=credential) for credential in CREDENTIALS]


def api_model(route):
    """The model of an API view's rows (its `queryset`), or None."""
    return getattr(getattr(route.api_view, "queryset", None), "model", None)


def discloses(route, probe: Probe) -> bool:
    """Whether `probe` asks a staff endpoint that answers with personal data: with `?data_pribadi=1`, or always where
    every row names a person (participants, certificate holders)."""
    from ikm_registry.api.personal import PersonalDataApiMixin

    view = route.api_view
    return issubclass(view, PersonalDataApiMixin) and (DATA_PRIBADI in probe.query or view.names_people)


def _api_records(route, matrix) -> list[Record]:
    model = api_model(route)
    found = matrix.records.get(model) if model is not None else None
    if not found:
        raise LookupError(f"no records of the model of {route.key} ({model}) in the matrix data")
    return [*found, Record("missing", _missing_pk(model), MISSING)]


def _staff_filter_values(matrix) -> dict[str, list[tuple[object, Owned]]]:
    """Values of the staff endpoints' filters that name another region's (or LSP's) rows."""
    from businesses.models import Business, Sentra
    from certification.models import Scheme
    from events.models import Event

    def of(model):
        return [(record.pk, record.owned) for record in matrix.records.get(model, [])]

    return {
        "kabupaten": [(place.region, Owned(region=place.region)) for place in PLACES],
        "kecamatan": [(place.village[:8], Owned(region=place.region)) for place in PLACES],
        "sentra": of(Sentra),
        "kegiatan": of(Event),
        "ikm": of(Business),
        "skema": of(Scheme),
    }


def fill_api_staff_list(route, role, matrix) -> list[Probe]:
    """The list, and with personal data; each of its filters that names another region's rows set to each of them
    (with personal data asked for): the role gets none of them."""
    probes = [
        Probe("GET", route.path(), "list"),
        Probe("GET", route.path(), "list with personal data", query=(DATA_PRIBADI,)),
    ]
    filterset = getattr(route.api_view, "filterset_class", None)
    filters = filterset.base_filters if filterset is not None else {}
    for name, values in _staff_filter_values(matrix).items():
        if name not in filters:
            continue
        for value, owned in values:
            if not sees(role, owned):
                probes.append(
                    Probe("GET", route.path(), f"filter {name}={value} ({owned.label()})", owned,
                          query=((name, str(value)), DATA_PRIBADI), search="foreign")
                )  # fmt: skip
    return probes


def fill_api_staff_detail(route, role, matrix) -> list[Probe]:
    """Each matrix record of the endpoint's model and a missing id, without and with personal data."""
    probes = []
    for record in _api_records(route, matrix):
        label = f"{record.label} ({record.owned.label()})"
        probes.append(Probe("GET", route.path(record.pk), label, record.owned, reachable=True))
        probes.append(
            Probe("GET", route.path(record.pk), f"{label} with personal data", record.owned, query=(DATA_PRIBADI,),
                  reachable=True)
        )  # fmt: skip
    return probes


def fill_api_staff_action(route, role, matrix) -> list[Probe]:
    """A workflow step POSTed to each matrix record of the endpoint's model and a missing id (a step the role may take
    on a record it sees is not tried): another region's record answers 404, an official's step 403, and neither
    changes the record."""
    from ikm_registry.workflow import workflow_for

    model = api_model(route)
    step = next(iter(workflow_for(model).transitions))
    body = json.dumps({"aksi": step, "catatan": "matriks"})
    return [
        Probe("POST", route.path(record.pk), f"step {step} of {record.label} ({record.owned.label()})", json=body,
              writes=True, watch=((model, record.pk),), **_write(role, record.owned, "change"))
        for record in _api_records(route, matrix)
    ]  # fmt: skip


def _import_body(rows: list[dict], *, write: bool, **options) -> str:
    return json.dumps({"baris": rows, "opsi": options, "tulis": write})


def fill_api_import(route, role, matrix) -> list[Probe]:
    """The staff import: a business row in the role's own region previewed (valid for roles that write) and written
    (tried by roles that may not write: 403, nothing written); written, a row in each region the role may not see
    (refused, naming the row and the column, nothing written); the daftar hadir of each event the role may not see
    (refused); every other kind's preview; a kind that does not exist."""
    from businesses.models import Business, Owner
    from events.models import Event, Registration
    from ikm_registry.tabular import registry

    def business_row(place):
        return {"nama_usaha": f"Tenun Zapi{place.key}", "nama_pemilik": "Ibu Zapi", "kode_wilayah": place.village,
                "kbli": "13134"}  # fmt: skip

    watch = ((Business, None), (Owner, None))
    own = next((p for p in PLACES if role.region and p.region.startswith(role.region)), PLACE["bdg"])
    year = matrix.year
    probes = [
        Probe("POST", route.path("businesses"), f"preview a business in {own.region}", expect="import-accepted",
              json=_import_body([business_row(own)], write=False, year=year), watch=watch)
    ]  # fmt: skip
    for place in PLACES:
        owned = Owned(region=place.region)
        if not sees(role, owned) or place is own:  # the role's own: tried only by roles that may not write
            probes.append(
                Probe("POST", route.path("businesses"), f"write a business in {place.region}", owned,
                      expect="import-refused", json=_import_body([business_row(place)], write=True, year=year),
                      writes=True, watch=watch)
            )  # fmt: skip
    row = {"nama": "Ibu Zapi", "jenis_kelamin": "P"}
    for record in matrix.records[Event]:
        if not sees(role, record.owned):
            probes.append(
                Probe("POST", route.path("participants"), f"write a participant of event {record.label} "
                      f"({record.owned.label()})", record.owned, expect="refused",
                      json=_import_body([row], write=True, event=record.pk), writes=True,
                      watch=((Registration, None),))
            )  # fmt: skip
    for kind, _label in registry.choices():
        if kind not in ("businesses", "participants"):
            empty = dict.fromkeys(registry.get(kind).required_names(), "")
            probes.append(
                Probe("POST", route.path(kind), f"preview {kind}", expect="preview",
                      json=_import_body([empty], write=False), watch=((registry.get(kind).model, None),))
            )  # fmt: skip
    probes.append(Probe("POST", route.path("no-such-kind"), "a kind that does not exist", MISSING,
                        json=_import_body([row], write=False)))  # fmt: skip
    return probes


def fill_api_public_list(route, role, matrix) -> list[Probe]:
    """A public list: its first page, a page of one row (its `next` link), and its filters set to each region, to
    each region's unpublished names (`q`) and to each matrix sentra."""
    from businesses.models import Sentra

    probes = [
        Probe("GET", route.path(), "list"),
        Probe("GET", route.path(), "a page of one", query=(("page_size", "1"),)),
    ]
    filterset = getattr(route.api_view, "filterset_class", None)
    filters = filterset.base_filters if filterset is not None else {}
    for place in PLACES:
        if "wilayah" in filters:
            probes.append(Probe("GET", route.path(), f"wilayah {place.region}", query=(("wilayah", place.region),)))
        if "q" in filters:
            for word in ("alfa", "charlie", "peserta"):
                probes.append(Probe("GET", route.path(), f"q {place.token}{word}", query=(("q", place.token + word),)))
    if "sentra" in filters:
        for record in matrix.records[Sentra]:
            probes.append(Probe("GET", route.path(), f"sentra of {record.label}", query=(("sentra", str(record.pk)),)))
    return probes


def fill_api_codes(route, role, matrix) -> list[Probe]:
    """A reference code of the matrix (regions of each place, its KBLI and subsector) and one that does not exist."""
    codes = {
        "wilayah": [*(place.village for place in PLACES), "51.03", "52"],
        "kbli": ["13134"],
        "subsektor": ["kriya"],
    }[route.base_key.removesuffix("-detail")]
    return [Probe("GET", route.path(code), code, PUBLIC, reachable=True) for code in codes] + [
        Probe("GET", route.path("99999"), "no such code", MISSING)
    ]


def fill_api_statistics(route, role, matrix) -> list[Probe]:
    """The statistics of all Indonesia, of each place's province and regency, and of a code that is no region."""
    probes = [Probe("GET", route.path(), "Indonesia")]
    for code in ("51", "52", *(place.region for place in PLACES)):
        probes.append(Probe("GET", route.path(), f"wilayah {code}", query=(("wilayah", code),)))
    return probes + [Probe("GET", route.path(), "no such region", query=(("wilayah", "99.99"),))]


# The table of how each kind of URL parameter is filled. A URL with parameters that matches no row fails the matrix.
FILLERS = [
    Filler("admin:*_changelist", (), "list; searches for other regions' NIB and owners' personal values; "
           "kabupaten filter of each region; every bulk action on one record of each region", fill_changelist),
    Filler("admin:ikm_registry_apitoken_add", (), "form; POST of an empty form (a token is its user's own: officials "
           "make theirs too)", fill_token_add),
    Filler("admin:*_add", (), "form; POST of an empty form", fill_add),
    Filler("admin:*_change", ("object_id",), "a record of each region, an id that does not exist; GET and POST",
           fill_change),
    Filler("admin:*_delete", ("object_id",), "as change; POST confirms", fill_delete),
    Filler("admin:*_history", ("object_id",), "as change, plus the deleted records", fill_history),
    Filler("admin:*_simple_history", ("_0", "_1"), "each record (deleted too) with its latest version; GET and "
           "POST (revert); a record with another record's version; a version that does not exist",
           fill_simple_history),
    Filler("admin:*_history_child", ("_0", "_1", "_2"), "each record (deleted too) × each inline part with the "
           "part's latest version; GET and POST (revert); a part that does not exist", fill_history_child),
    Filler("admin:*(?P<object_id>.+)/\\Z", ("object_id",), "a record of each region and a missing id: a redirect "
           "to the change page that reads nothing", fill_object_redirect),
    Filler("admin:businesses_business_import", (), "form; POST without a file", fill_import_upload),
    Filler("admin:tabular_upload", ("kind",), "each importer's upload page (a daftar hadir for each matrix event); "
           "POST without a file", fill_tabular_upload),
    Filler("admin:tabular_upload_template", ("kind",), "each importer's XLSX template (404 without one), a kind that "
           "does not exist", fill_upload_template),
    Filler("admin:tabular_upload_preview", ("pk",), "each operator's upload and a missing id; GET and POST (confirm)",
           fill_import_preview),
    Filler("admin:tabular_upload_rejects", ("pk",), "each operator's upload and a missing id", fill_import_rejects),
    Filler("admin:businesses_business_import_preview", ("import_id",), "each operator's upload and a missing id; "
           "GET and POST (confirm)", fill_import_preview),
    Filler("admin:businesses_business_import_rejects", ("import_id",), "each operator's upload and a missing id",
           fill_import_rejects),
    Filler("admin:businesses_business_import_file", ("import_id",), "each operator's upload and a missing id",
           fill_import_rejects),
    Filler("password_reset_confirm", ("uidb64", "token"), "a staff account with a valid and a forged token, an "
           "unknown account", fill_password_reset_confirm),
    Filler("admin:businesses_business_import_template", ("file_format",), "csv, xlsx, pdf", fill_file_format),
    Filler("admin:businesses_business_export", (), "csv, xlsx, daftar and SIINas (xlsx, csv): whole list, each region's "
           "NIB searched, each kabupaten filtered", fill_export),
    Filler("robots_txt", (), "GET", fill_static),
    Filler("sitemap", (), "the sitemap index: GET", fill_static),
    Filler("sitemap_section", ("section",), "each section, its page 2 (none: 404), a section that does not exist",
           fill_sitemap_section),
    Filler("admin:report_job_download", ("pk",), "each operator's finished background report and a missing id",
           fill_job_download),
    Filler("admin:reports", (), "the page; each report's form; each report POSTed for the role's own region and "
           "record and for each region and record the role may not see", fill_reports),
    Filler("admin:report_regions", (), "the Laporan page's region search: each report with a few terms, a region's "
           "token and code among them; no report, a report that does not exist", fill_report_regions),
    Filler("admin:auth_user_password_change", ("id",), "each operator's account and a missing id; GET and POST",
           fill_user_password),
    Filler("admin:view_on_site", ("content_type_id", "object_id"), "every record of the matrix with its content "
           "type", fill_view_on_site),
    Filler("admin:app_list", ("app_label",), "every app of the admin", fill_app_list),
    Filler("admin:admin/(?P<url>.*)$", ("url",), "an unknown page", fill_catch_all),
    Filler("admin:autocomplete", (), "every autocomplete field of every ModelAdmin with a few terms",
           fill_autocomplete),
    Filler("businesses:business_detail", ("pk",), "every matrix business: published ones answer, others 404",
           fill_public_business),
    Filler("businesses:sentra_detail", ("pk",), "every matrix sentra and a missing id", fill_public_sentra),
    Filler("events:event_detail", ("pk",), "every matrix event: public ones answer, internal ones and a missing id "
           "404", fill_public_event),
    Filler("events:event_ics", ("pk",), "as the event's page", fill_public_event),
    Filler("events:event_register", ("pk",), "as the event's page; a valid POST for an internal event and a missing "
           "id registers nobody", fill_public_event),
    Filler("admin:events_event_checkin", ("object_id",), "each matrix event and a missing id: GET, a search, POST "
           "a participant's code; to an event the role may change, other regions' participants by id and code",
           fill_event_desk),
    Filler("admin:events_event_paper", ("object_id",), "each matrix event and a missing id: GET, POST an empty sheet",
           fill_event_desk),
    Filler("admin:events_event_certificates", ("object_id",), "each matrix event and a missing id: GET, POST (issue)",
           fill_event_desk),
    Filler("verify", (), "empty; a participant's certificate code; a code no certificate has", fill_verify),
    Filler("opendata:dataset", ("slug",), "every open-data dataset and a slug that names none", fill_open_dataset),
    Filler("opendata:csv", ("slug",), "as the dataset's page: its CSV", fill_open_dataset),
    Filler("opendata:json", ("slug",), "as the dataset's page: its JSON", fill_open_dataset),
    Filler("opendata:ckan_action*", ("name",), "every CKAN action with its parameters (each dataset by name), a "
           "dataset and an organization that do not exist, an action that does not exist", fill_ckan_action),
    Filler("events:registration", ("secret",), "the personal link the matrix holds (its participant's own name "
           "only), a wrong secret, the secret in the other case; a POST with a wrong secret", fill_registration_page),
    Filler("businesses:owner_page", ("secret",), "the owner's private link the matrix holds (their own page), a "
           "wrong secret, the secret in the other case; a proposal POSTed with a wrong secret", fill_owner_page),
    Filler("admin:businesses_changeproposal_photo", ("object_id", "photo_pk"), "each region's proposed photo and "
           "thumbnail; another region's photo through the role's proposal; a missing photo", fill_proposal_photo),
    Filler("admin:businesses_business_owner_link", ("object_id",), "each matrix business and a missing id: GET "
           "(404 to anyone), POST send by e-mail (writers of other regions and officials change no link)",
           fill_owner_link_send),
    Filler("events:registration_certificate", ("secret",), "as the personal page: the participant's certificate",
           fill_registration_page),
    Filler("admin:events_event_photo", ("object_id", "photo_id"), "each event's photo and thumbnail; another "
           "region's photo through one's own event; a missing id", fill_event_photo),
    Filler("admin:events_agreement_document", ("object_id",), "each matrix MoU's document and a missing id",
           fill_agreement_document),
    Filler("admin:certification_enrollment_document", ("object_id", "which"), "each matrix asesi's FR.APL.01 and "
           "FR.APL.02, a document that is not one, a missing id", fill_enrollment_document),
    Filler("admin:certification_productcertification_evidence", ("object_id",), "each matrix product certificate's "
           "evidence and a missing id", fill_product_evidence),
    Filler("admin:certification_planner", (), "the plan; with a capacity of one", fill_planner),
    # The API (each also with its format suffix, ".json"): staff endpoints with the role's token, public ones too.
    Filler("staf-*-list", (), "the list, with personal data; its filters set to other regions' rows",
           fill_api_staff_list, api=True),
    Filler("staf-*-detail", ("pk",), "each matrix record of the model and a missing id, with and without personal "
           "data", fill_api_staff_detail, api=True),
    Filler("staf-*-aksi", ("pk",), "a workflow step POSTed to each matrix record of the model and a missing id",
           fill_api_staff_action, api=True),
    Filler("api-import", ("jenis",), "a business row of the role's region previewed; rows of other regions written; "
           "other regions' events' participants; every other kind's preview; a missing kind", fill_api_import,
           api=True),
    Filler("*-list", (), "first page, a page of one; its filters set to each region, unpublished names, each sentra",
           fill_api_public_list, api=True),
    Filler("usaha-detail", ("pk",), "every matrix business: published ones answer, others 404", fill_public_business,
           api=True),
    Filler("sentra-detail", ("pk",), "every matrix sentra and a missing id", fill_public_sentra, api=True),
    Filler("kegiatan-detail", ("pk",), "every matrix event: public ones answer, internal ones and a missing id 404",
           fill_public_event, api=True),
    Filler("wilayah-detail", ("kode",), "the places' regions and a missing code", fill_api_codes, api=True),
    Filler("kbli-detail", ("kode",), "the matrix's KBLI and a missing code", fill_api_codes, api=True),
    Filler("subsektor-detail", ("kode",), "the matrix's subsector and a missing code", fill_api_codes, api=True),
    Filler("api-statistics", (), "Indonesia, each place's province and regency, a missing region",
           fill_api_statistics, api=True),
    Filler("api-verify", (), "as /verifikasi/", fill_verify, api=True),
]  # fmt: skip


def filler_for(route: Route) -> Filler | None:
    for filler in FILLERS:
        if filler.api and route.api_view is None:
            continue
        if fnmatchcase(route.base_key, filler.match) and filler.params in (None, route.fill_params):
            return filler
    if not route.fill_params:
        return Filler(route.key, (), "GET", fill_static)
    return None


def probes_for(route: Route, role: Role, matrix: Matrix) -> list[Probe]:
    filler = filler_for(route)
    if filler is None:
        raise LookupError(f"no filler for the parameters {route.params} of {route.key}: add one to FILLERS")
    probes = filler.fill(route, role, matrix)
    if route.staff_api and role.anonymous and probes:
        probes += _credential_probes(probes[0])
    return probes


# --- reading answers ----------------------------------------------------------------------------------------------


def xlsx_text(content: bytes) -> str:
    import openpyxl

    workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    lines = []
    for sheet in workbook.worksheets:
        lines.append(sheet.title)
        for row in sheet.iter_rows(values_only=True):
            lines.append("\t".join("" if value is None else str(value) for value in row))
    workbook.close()
    return "\n".join(lines)


def _without_rows_offered_everywhere(response, text: str) -> str:
    """An autocomplete answer for a foreign key marked `choices_from_everywhere` (ikm_registry.scoping: public
    reference data, e.g. an event's venue, which may be anywhere in Indonesia) offers every row the field's limit
    allows, to everyone, by design: those rows name no record of their region and are left out before the answer is
    searched. Any other row in it (one the limit does not allow) still counts."""
    from django.apps import apps
    from django.core.exceptions import FieldDoesNotExist
    from django.http import QueryDict

    match = getattr(response, "resolver_match", None)
    if match is None or match.view_name != "admin:autocomplete" or response.status_code != 200:
        return text
    query = QueryDict(response.request.get("QUERY_STRING", ""))
    try:
        source = apps.get_model(query["app_label"], query["model_name"])._meta.get_field(query["field_name"])
    except (KeyError, LookupError, FieldDoesNotExist):
        return text
    if not getattr(source, "choices_from_everywhere", False):
        return text
    allowed = source.related_model._default_manager.complex_filter(source.get_limit_choices_to())
    offered = {str(value) for value in allowed.values_list(source.target_field.attname, flat=True)}
    answer = json.loads(text)
    answer["results"] = [row for row in answer.get("results", []) if row.get("id") not in offered]
    return json.dumps(answer)


TIME_ATTRIBUTE = re.compile(r'\sdatetime="[0-9T:.+\-]*"')
# A date or time as a JSON value ("2026-11-30", "2026-11-30T23:22:04.210645+07:00"), the API's: as above.
JSON_TIME = re.compile(r'"\d{4}-\d\d-\d\d(?:T[0-9:.]+(?:Z|[+\-]\d\d:?\d\d)?)?"')


def answer_text(response) -> tuple[str, str]:
    """(kind, text) of a response: its body read as its type is read by people (PDF and XLSX as text), with the
    headers that name things (file name, redirect target)."""
    content = b"".join(response.streaming_content) if response.streaming else response.content
    content_type = response.get("Content-Type", "")
    if content_type.startswith("application/pdf") or content[:5] == b"%PDF-":
        kind, text = "pdf", pdf_text(content, layout=False)
    elif "spreadsheetml" in content_type or content[:2] == b"PK":
        kind, text = "xlsx", xlsx_text(content)
    elif content_type.startswith("text/csv"):
        kind, text = "csv", content.decode("utf-8-sig", errors="replace")
    else:
        kind, text = content_type.split(";")[0] or "empty", content.decode("utf-8", errors="replace")
        # A machine-readable time (`<time datetime="…T23:22:04.210645+07:00">`) is no one's data, but its
        # microseconds can spell five digits of a NIK marker by chance: left out before the answer is searched.
        text = TIME_ATTRIBUTE.sub("", text)
        if kind == "application/json":
            text = JSON_TIME.sub('""', text)
        text = html.unescape(_without_rows_offered_everywhere(response, text))
    headers = " ".join(response.get(name, "") for name in ("Content-Disposition", "Location"))
    return kind, f"{headers}\n{text}"
