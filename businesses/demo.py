"""The Bali demo data set behind `python manage.py seed_demo`.

What it builds: Bali's regions (from `demo_data/regions/`, ODbL), KBLI section C with the groups, classes and
subclasses the demo uses, three Disperindag offices with their staff accounts, sentra IKM at real Bali clusters,
and a few hundred IKM with owners, products, two data years of figures, assistance and obstacles.

Places (kabupaten, kecamatan, desa) and KBLI codes are real. Every person, business, NIK, NIB, phone number,
decree number and figure is invented; e-mail addresses use the reserved example.* domains.

The data is planned in memory first with a fixed random seed (`random.Random(2026)`), so every run plans the
same rows, for the date of the first load. What was loaded is recorded under a stable key per unit (DemoRecord,
see "writing" below): a run creates only units never loaded and never rewrites a row staff may have changed, and
a run that finds everything recorded writes nothing, which keeps a second `make run` fast.
"""

from __future__ import annotations

import csv
import datetime
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from simple_history.utils import bulk_create_with_history

from businesses.choices import AssistanceKind, BusinessStatus, FundingSource, LegalForm, MarketReach, ObstacleKind, Sex
from businesses.models import (
    Assistance,
    Business,
    BusinessLink,
    BusinessYear,
    DemoRecord,
    FacilityCondition,
    Obstacle,
    Owner,
    Product,
    Sentra,
    SentraFacility,
    SentraOfficer,
    SentraRevitalisation,
)
from businesses.services.workflow import BUSINESS_WORKFLOW
from ikm_registry.choices import KbliLevel, StaffRole
from ikm_registry.demo import demo_sets
from ikm_registry.models import Kbli, Office, Region, StaffMembership
from ikm_registry.public_cache import bump_public_version
from ikm_registry.reference import regions_import
from ikm_registry.scoping import SystemActor

DEMO_PASSWORD = "registri-demo"
# The first version of every demo row in its history (simple-history), so a later edit shows as a change.
HISTORY_REASON = "seed_demo"
DEMO_RETURN_NOTE = "Lengkapi NIB dari OSS dan foto produk; nomor telepon pemilik tidak dapat dihubungi."
DEMO_REJECT_NOTE = "Duplikat: usaha ini sudah terdaftar dengan nama lain di desa yang sama."
SEED_COMMAND = "manage.py seed_demo"
SEED = 2026
REGIONS_DIR = Path(__file__).resolve().parent / "demo_data" / "regions"
PROVINCE = "51"
JUTA = 1_000_000  # Rp 1 juta
MILIAR = 1_000_000_000  # Rp 1 miliar

# --- reference data: KBLI 2020 ------------------------------------------------------------------------------------
# Section C, its 24 divisions, and only the groups, classes and subclasses the demo uses (titles as in KBLI 2020,
# Peraturan BPS 2/2020, in the capitalisation OSS uses). A code's parent is the code without its last digit; a
# division's parent is C.

KBLI_ROWS = [
    ("C", "Industri Pengolahan"),
    ("10", "Industri Makanan"),
    ("11", "Industri Minuman"),
    ("12", "Industri Pengolahan Tembakau"),
    ("13", "Industri tekstil"),
    ("14", "Industri Pakaian Jadi"),
    ("15", "Industri Kulit, Barang dari Kulit dan Alas Kaki"),
    (
        "16",
        "Industri Kayu, Barang dari Kayu dan Gabus (Tidak Termasuk Furnitur) dan Barang Anyaman dari Bambu, Rotan "
        "dan Sejenisnya",
    ),
    ("17", "Industri Kertas dan Barang Dari Kertas"),
    ("18", "Industri Pencetakan dan Reproduksi Media Rekaman"),
    ("19", "Industri Produk Dari Batu Bara dan Pengilangan Minyak Bumi"),
    ("20", "Industri Bahan Kimia Dan Barang Dari Bahan Kimia"),
    ("21", "Industri Farmasi, Produk Obat Kimia Dan Obat Tradisional"),
    ("22", "Industri Karet, Barang Dari Karet Dan Plastik"),
    ("23", "Industri Barang Galian Bukan Logam"),
    ("24", "Industri Logam Dasar"),
    ("25", "Industri Barang Logam, Bukan Mesin Dan Peralatannya"),
    ("26", "Industri Komputer, Barang Elektronik Dan Optik"),
    ("27", "Industri Peralatan Listrik"),
    ("28", "Industri Mesin Dan Perlengkapan ytdl"),
    ("29", "Industri Kendaraan Bermotor, Trailer Dan Semi Trailer"),
    ("30", "Industri Alat Angkutan Lainnya"),
    ("31", "Industri Furnitur"),
    ("32", "Industri pengolahan lainnya"),
    ("33", "Reparasi dan pemasangan mesin dan peralatan"),
    # groups
    ("102", "Industri pengolahan dan pengawetan ikan dan biota air"),
    ("103", "Industri pengolahan dan pengawetan buah-buahan dan sayuran"),
    ("104", "Industri minyak dan lemak nabati dan hewani"),
    ("107", "Industri makanan lainnya"),
    ("110", "Industri Minuman"),
    ("131", "Industri pemintalan, pertenunan dan penyempurnaan tekstil"),
    ("141", "Industri pakaian jadi dan perlengkapannya, bukan pakaian jadi dari kulit berbulu"),
    ("143", "Industri pakaian jadi rajutan dan sulaman/bordir"),
    ("151", "Industri kulit dan barang dari kulit, termasuk kulit buatan"),
    (
        "162",
        "Industri Barang dari Kayu; Industri Barang dari Gabus dan barang anyaman dari jerami, rotan, bambu dan "
        "sejenis lainnya",
    ),
    ("202", "Industri barang kimia lainnya"),
    ("239", "Industri barang galian bukan logam lainnya"),
    ("310", "Industri Furnitur"),
    ("321", "Industri barang perhiasan dan barang berharga"),
    ("322", "Industri alat musik"),
    ("329", "Industri pengolahan lainnya ytdl"),
    # classes
    ("1021", "Industri Pengolahan dan Pengawetan Ikan dan Produk Ikan"),
    ("1022", "Industri Pengolahan dan Pengawetan Ikan dan biota air Dalam Kaleng"),
    ("1029", "Industri Pengolahan dan Pengawetan Biota Air Lainnya"),
    ("1039", "Industri Pengolahan dan Pengawetan Lainnya Buah-buahan dan Sayuran"),
    ("1042", "Industri Kopra, Minyak Mentah dan Minyak Goreng Kelapa, dan Pelet Kelapa"),
    ("1071", "Industri Produk Roti dan Kue"),
    ("1072", "Industri Gula"),
    ("1073", "Industri Kakao, Cokelat dan Kembang gula"),
    ("1076", "Industri Pengolahan Kopi, Teh dan Herbal (Herb infusion)"),
    ("1077", "Industri Bumbu-bumbuan dan Produk Masak Lainnya"),
    ("1079", "Industri Produk Makanan Lainnya"),
    ("1101", "Industri Minuman Beralkohol Hasil Destilasi"),
    ("1312", "Industri Pertenunan Tekstil"),
    ("1313", "Industri Penyempurnaan Tekstil"),
    ("1411", "Industri Pakaian Jadi (Bukan Penjahitan dan Pembuatan Pakaian)"),
    ("1412", "Penjahitan dan Pembuatan Pakaian Sesuai Pesanan"),
    ("1430", "Industri pakaian jadi rajutan dan sulaman/bordir"),
    (
        "1512",
        "Industri Barang dari Kulit dan Kulit Komposisi, Koper, Tas Tangan dan Sejenisnya, Pelana dan Alat "
        "Pengekang (Harness)",
    ),
    (
        "1629",
        "Industri Barang Lainnya dari Kayu; Industri Barang dari Gabus dan Barang Anyaman dari Jerami, Rotan, "
        "Bambu dan Sejenisnya",
    ),
    ("2023", "Industri Sabun dan Deterjen, Bahan Pembersih dan Pengilap, Parfum dan Kosmetik"),
    ("2393", "Industri Barang Tanah Liat/Keramik dan Porselen Bukan Bahan Bangunan"),
    ("2395", "Industri Barang dari Semen, Kapur, Gips dan Asbes"),
    ("2396", "Industri Barang dari Batu"),
    ("3100", "Industri Furnitur"),
    ("3211", "Industri Perhiasan dan Barang Sejenis"),
    ("3212", "Industri Perhiasan Imitasi dan Barang Sejenis"),
    ("3220", "Industri Alat Musik"),
    ("3290", "Industri Pengolahan Lainnya Ytdl"),
    # subclasses
    ("10214", "Industri Pemindangan Ikan"),
    ("10221", "Industri Pengolahan dan Pengawetan Ikan dan Biota Air (Bukan Udang) Dalam Kaleng"),
    ("10298", "Industri pengolahan rumput laut"),
    ("10391", "Industri Tempe Kedelai"),
    ("10423", "Industri Minyak Goreng Kelapa"),
    ("10710", "Industri Produk Roti Dan Kue"),
    ("10722", "Industri Gula Merah"),
    ("10732", "Industri Makanan Dari Cokelat Dan Kembang Gula dari Coklat"),
    ("10761", "Industri Pengolahan Kopi"),
    ("10772", "Industri Bumbu Masak Dan Penyedap Masakan"),
    ("10774", "Industri Pengolahan Garam"),
    ("10792", "Industri Kue Basah"),
    ("10794", "Industri Kerupuk, Keripik, Peyek Dan Sejenisnya"),
    ("10796", "Industri Dodol"),
    ("11010", "Industri Minuman Beralkohol Hasil Destilasi"),
    ("13121", "Industri Pertenunan (Bukan Pertenunan Karung Goni Dan Karung Lainnya)"),
    ("13122", "Industri Kain Tenun Ikat"),
    ("13134", "Industri Batik"),
    ("14111", "Industri Pakaian Jadi (Konveksi) Dari Tekstil"),
    ("14120", "Penjahitan Dan Pembuatan Pakaian Sesuai Pesanan"),
    ("14302", "Industri Pakaian Jadi Sulaman/Bordir"),
    ("15121", "Industri Barang Dari Kulit Dan Kulit Komposisi Untuk Keperluan Pribadi"),
    ("16291", "Industri Barang Anyaman Dari Rotan Dan Bambu"),
    ("16292", "Industri barang Anyaman Dari Tanaman Bukan Rotan Dan Bambu"),
    ("16293", "Industri Kerajinan Ukiran Dari Kayu Bukan Mebeller"),
    ("20232", "Industri Kosmetik Untuk Manusia, Termasuk Pasta Gigi"),
    ("23932", "Industri Perlengkapan Rumah Tangga Dari Tanah Liat/Keramik"),
    ("23939", "Industri Barang Tanah Liat/Keramik dan Porselen Lainnya Bukan Bahan Bangunan"),
    ("23951", "Industri Barang Dari Semen"),
    ("23963", "Industri Barang Dari Batu Untuk Keperluan Rumah Tangga, Pajangan, dan Bahan Bangunan"),
    ("31001", "Industri Furnitur Dari Kayu"),
    ("32112", "Industri Barang Perhiasan Dari Logam Mulia Untuk Keperluan Pribadi"),
    ("32119", "Industri Barang Lainnya Dari Logam Mulia"),
    ("32120", "Industri Perhiasan Imitasi dan Barang Sejenis"),
    ("32201", "Industri Alat Musik Tradisional"),
    ("32903", "Industri Kerajinan YTDL"),
]

KBLI_LEVELS = {
    1: KbliLevel.SECTION,
    2: KbliLevel.DIVISION,
    3: KbliLevel.GROUP,
    4: KbliLevel.CLASS,
    5: KbliLevel.SUBCLASS,
}

# --- offices and staff --------------------------------------------------------------------------------------------

OFFICES = [
    {
        "region": "51",
        "name": "Dinas Perindustrian dan Perdagangan Provinsi Bali",
        "government_name": "PEMERINTAH PROVINSI BALI",
        "address": "Jl. Raya Puputan No. 41, Renon, Denpasar Selatan, Kota Denpasar",
        "postal_code": "80235",
        "phone": "(0361) 226051",
        "email": "disperindag@baliprov.go.id",
        "website": "https://disperindag.baliprov.go.id",
        "head_title": "Kepala Dinas Perindustrian dan Perdagangan Provinsi Bali",
        "head_name": "Ir. I Gusti Ngurah Wiryanata, M.M.",
        "head_nip": "196905121995031002",
    },
    {
        "region": "51.71",
        "name": "Dinas Perindustrian dan Perdagangan Kota Denpasar",
        "government_name": "PEMERINTAH KOTA DENPASAR",
        "address": "Gedung Graha Sewaka Dharma, Jl. Majapahit No. 1, Lumintang, Denpasar Utara",
        "postal_code": "80111",
        "phone": "(0361) 421158",
        "email": "disperindag@denpasarkota.go.id",
        "website": "https://disperindag.denpasarkota.go.id",
        "head_title": "Kepala Dinas Perindustrian dan Perdagangan Kota Denpasar",
        "head_name": "Ni Made Sukarini, S.E., M.Si.",
        "head_nip": "197104231997032005",
    },
    {
        "region": "51.03",
        "name": "Dinas Perindustrian dan Perdagangan Kabupaten Badung",
        "government_name": "PEMERINTAH KABUPATEN BADUNG",
        "address": "Pusat Pemerintahan Mangupraja Mandala, Jl. Raya Sempidi, Mengwi, Kabupaten Badung",
        "postal_code": "80351",
        "phone": "(0361) 9009273",
        "email": "disperindag@badungkab.go.id",
        "website": "https://disperindag.badungkab.go.id",
        "head_title": "Kepala Dinas Perindustrian dan Perdagangan Kabupaten Badung",
        "head_name": "I Made Widiarta, S.T., M.T.",
        "head_nip": "197208171998031007",
    },
]

# username, first name, last name, role (None = superuser), office region
STAFF = [
    ("admin", "Admin", "Registri", None, None),
    ("staf.bali", "Ni Made Sri", "Wahyuni", StaffRole.PROVINCE, "51"),
    ("operator.badung", "Ni Kadek Ayu", "Lestari", StaffRole.OPERATOR, "51.03"),
    ("kabid.badung", "I Gusti Ngurah Putra", "Adnyana", StaffRole.OFFICIAL, "51.03"),
    ("operator.denpasar", "I Putu Gede", "Wiranata", StaffRole.OPERATOR, "51.71"),
]

# --- what the businesses make -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Trade:
    """One kind of IKM: its KBLI subclass, creative subsector, how its businesses are named and what they make."""

    kbli: str
    subsector: str | None
    names: tuple[str, ...]  # templates: {adj} {adj2} {village} {nick}
    products: tuple[tuple[str, str], ...]  # (name, description)
    raw_materials: str
    unit: str  # production capacity unit
    per_worker: int  # yearly capacity per worker, in `unit`
    female_owner: float  # share of owners who are women
    female_workers: float  # share of the workforce that is women
    export: bool = False  # may sell abroad


# fmt: off
TRADES = {
    "perak": Trade(
        "32112", "kriya",
        ("Perak {adj}", "{adj} Silver", "{adj} {adj2} Silver", "Perak {adj} {village}", "{adj} Silver Art"),
        (
            ("Cincin perak 925", "Cincin perak sterling dengan motif jawan dan granulasi khas Celuk."),
            ("Kalung perak", "Kalung rantai perak buatan tangan, liontin motif bunga jepun."),
            ("Gelang perak ukir", "Gelang perak ukir motif patra, finishing oksidasi."),
            ("Anting perak", "Anting perak dengan batu semi mulia."),
            ("Liontin perak filigri", "Liontin teknik filigri (trap-trapan)."),
        ),
        "perak 925, batu semi mulia, tembaga", "buah/tahun", 900, 0.2, 0.3, export=True,
    ),
    "perak_hias": Trade(
        "32119", "kriya",
        ("{adj} Silver Craft", "Kerajinan Perak {adj}", "Perak Hias {adj}"),
        (
            ("Bokor perak", "Bokor perak ukir untuk upacara."),
            ("Sangku perak", "Sangku (wadah tirta) dari perak."),
            ("Miniatur perak", "Miniatur perak untuk cendera mata."),
        ),
        "perak, tembaga, kuningan", "buah/tahun", 250, 0.15, 0.2, export=True,
    ),
    "imitasi": Trade(
        "32120", "fesyen",
        ("Aksesoris {adj}", "{adj} Accessories", "Manik-Manik {adj}", "{adj} Beads"),
        (
            ("Kalung manik-manik", "Kalung manik-manik kaca warna-warni."),
            ("Gelang etnik", "Gelang kuningan dan manik motif etnik."),
            ("Anting kuningan", "Anting kuningan lapis perak."),
        ),
        "kuningan, manik-manik kaca, kulit kerang", "buah/tahun", 3000, 0.6, 0.7, export=True,
    ),
    "ukiran": Trade(
        "16293", "kriya",
        ("Ukiran {adj}", "{adj} Wood Carving", "Ukiran Kayu {adj} {village}", "Patung Kayu {adj}", "Topeng {adj}"),
        (
            ("Patung kayu Garuda", "Patung Garuda Wisnu dari kayu suar, tinggi 60 cm."),
            ("Topeng Bali", "Topeng tari (Rangda, Barong, Sidakarya) dari kayu pule."),
            ("Relief ukiran kayu", "Panel relief ukiran motif patra punggel."),
            ("Patung Buddha kayu", "Patung Buddha dari kayu jempinis."),
            ("Ukiran pintu gebyog", "Daun pintu ukir untuk rumah dan vila."),
        ),
        "kayu suar, kayu pule, kayu jempinis, kayu cempaka", "buah/tahun", 120, 0.1, 0.15, export=True,
    ),
    "patung_batu": Trade(
        "23963", "kriya",
        ("Patung Paras {adj}", "{adj} Stone Carving", "Paras {adj} {village}"),
        (
            ("Patung batu paras", "Patung dewa dan penjaga pura dari batu paras."),
            ("Ornamen paras", "Ornamen dinding dan candi bentar dari batu paras."),
            ("Air mancur batu", "Air mancur taman dari batu paras."),
        ),
        "batu paras, batu candi", "buah/tahun", 60, 0.05, 0.1, export=True,
    ),
    "ornamen_semen": Trade(
        "23951", "kriya",
        ("Ornamen {adj}", "Pelinggih {adj}", "Kerajinan Semen {adj}", "Ornamen Bali {adj} {village}"),
        (
            ("Pelinggih cetak", "Pelinggih (bangunan suci keluarga) dari semen cetak."),
            ("Ornamen bangunan", "Ornamen karang boma dan patra untuk bangunan."),
            ("Patung semen", "Patung taman dari semen dan pasir."),
            ("Candi bentar mini", "Candi bentar ukuran taman."),
        ),
        "semen, pasir, besi beton, batu paras", "buah/tahun", 80, 0.1, 0.1,
    ),
    "endek": Trade(
        "13122", "fesyen",
        ("Tenun Endek {adj}", "Endek {adj} {adj2}", "Tenun Ikat {adj}", "Endek {nick}"),
        (
            ("Kain endek", "Kain tenun ikat pakan (endek) motif patra, 2,25 m."),
            ("Kain endek sutra", "Endek benang sutra untuk busana upacara."),
            ("Selendang endek", "Selendang endek motif cepuk."),
            ("Kemeja endek", "Kemeja seragam kantor dari kain endek."),
        ),
        "benang katun, benang sutra, pewarna", "lembar/tahun", 70, 0.7, 0.85,
    ),
    "songket": Trade(
        "13121", "kriya",
        ("Tenun Songket {adj}", "Songket {adj} {village}", "Tenun {adj} {adj2}"),
        (
            ("Kain songket", "Kain songket benang emas untuk upacara."),
            ("Saput songket", "Saput songket untuk busana adat pria."),
            ("Selendang songket", "Selendang songket motif bunga."),
            ("Kain cepuk", "Kain tenun cepuk motif tradisional."),
        ),
        "benang katun, benang sutra, benang emas (sinjang)", "lembar/tahun", 18, 0.8, 0.9,
    ),
    "batik": Trade(
        "13134", "fesyen",
        ("Batik {adj}", "Batik Bali {adj}", "{adj} Batik"),
        (
            ("Kain batik tulis", "Batik tulis motif Bali (barong, jepun)."),
            ("Kain batik cap", "Batik cap motif patra Bali."),
            ("Kemeja batik", "Kemeja batik Bali lengan pendek."),
            ("Sarung pantai batik", "Sarung pantai batik untuk oleh-oleh."),
        ),
        "kain mori, malam (lilin batik), pewarna", "lembar/tahun", 400, 0.6, 0.7,
    ),
    "konveksi": Trade(
        "14111", "fesyen",
        ("Konveksi {adj}", "{adj} Garment", "{adj} Fashion", "Kaos {adj} Bali"),
        (
            ("Kaos oblong sablon", "Kaos katun sablon motif Bali."),
            ("Kemeja seragam", "Kemeja seragam kantor dan sekolah."),
            ("Pakaian pantai", "Daster dan pakaian pantai rayon."),
            ("Udeng", "Udeng (destar) siap pakai."),
        ),
        "kain katun, rayon, benang, kancing", "potong/tahun", 1500, 0.5, 0.8, export=True,
    ),
    "penjahit": Trade(
        "14120", "fesyen",
        ("Penjahit Kebaya {nick}", "Kebaya {adj}", "Jahit {adj}"),
        (
            ("Kebaya Bali", "Kebaya brokat untuk upacara dan wisuda."),
            ("Kamen dan selendang", "Kamen (kain) dan selendang siap pakai."),
            ("Jahit seragam", "Jahit seragam sesuai pesanan."),
        ),
        "kain brokat, kain katun, benang", "potong/tahun", 400, 0.85, 0.9,
    ),
    "bordir": Trade(
        "14302", "fesyen",
        ("Bordir {adj}", "Bordir Kebaya {adj}", "{adj} Bordir"),
        (
            ("Kebaya bordir", "Kebaya bordir kerancang."),
            ("Taplak bordir", "Taplak meja dan sarung bantal bordir."),
            ("Selendang bordir", "Selendang bordir motif bunga."),
        ),
        "kain, benang bordir", "potong/tahun", 500, 0.75, 0.85,
    ),
    "tas_kulit": Trade(
        "15121", "fesyen",
        ("{adj} Leather", "Tas Kulit {adj}", "{adj} Bag"),
        (
            ("Tas kulit", "Tas tangan kulit sapi."),
            ("Dompet kulit", "Dompet kulit dengan ukiran tatah."),
            ("Ikat pinggang kulit", "Ikat pinggang kulit asli."),
            ("Sandal kulit", "Sandal kulit buatan tangan."),
        ),
        "kulit sapi, kulit kambing, benang, aksesoris logam", "buah/tahun", 700, 0.3, 0.5, export=True,
    ),
    "anyaman_bambu": Trade(
        "16291", "kriya",
        ("Anyaman Bambu {adj}", "Kerajinan Bambu {adj}", "Sokasi {adj}", "Bambu {adj} {village}"),
        (
            ("Sokasi", "Sokasi (wadah sesajen) anyaman bambu."),
            ("Keben", "Keben anyaman bambu bercat."),
            ("Bakul bambu", "Bakul dan tempat nasi anyaman bambu."),
            ("Kap lampu bambu", "Kap lampu anyaman bambu untuk vila."),
        ),
        "bambu tali, bambu santong, pewarna", "buah/tahun", 1200, 0.6, 0.7, export=True,
    ),
    "anyaman_ata": Trade(
        "16292", "kriya",
        ("Kerajinan Ata {adj}", "Ata {adj} {village}", "Anyaman Lontar {adj}"),
        (
            ("Tas ata", "Tas bulat anyaman ata (paku ata), diasap."),
            ("Tempat tisu ata", "Tempat tisu anyaman ata."),
            ("Kotak lontar", "Kotak hias dari daun lontar."),
        ),
        "ata (Lygodium), daun lontar, rotan", "buah/tahun", 250, 0.7, 0.8, export=True,
    ),
    "gerabah": Trade(
        "23932", "kriya",
        ("Gerabah {adj}", "Gerabah {adj} {village}", "Keramik {adj}"),
        (
            ("Pot tanah liat", "Pot bunga tanah liat bakar."),
            ("Coblong", "Coblong dan payuk untuk upacara."),
            ("Celengan tanah liat", "Celengan bentuk babi dan ayam."),
            ("Alat masak tanah liat", "Periuk dan cobek tanah liat."),
        ),
        "tanah liat, pasir, kayu bakar", "buah/tahun", 3000, 0.4, 0.5,
    ),
    "gerabah_hias": Trade(
        "23939", "kriya",
        ("{adj} Ceramic", "Keramik Hias {adj}", "Gerabah Hias {adj}"),
        (
            ("Keramik hias", "Keramik hias glasir untuk hotel dan vila."),
            ("Patung tanah liat", "Patung dan figur tanah liat bakar."),
            ("Lampu gerabah", "Lampu taman dari gerabah."),
        ),
        "tanah liat, glasir, kayu bakar", "buah/tahun", 1500, 0.3, 0.45, export=True,
    ),
    "gamelan": Trade(
        "32201", "musik",
        ("Gamelan {adj}", "Pande Gong {adj}", "Gong {adj} {village}"),
        (
            ("Gamelan gong kebyar", "Perangkat gamelan gong kebyar perunggu."),
            ("Gangsa", "Bilah gangsa perunggu dengan pelawah ukir."),
            ("Rindik bambu", "Rindik (gamelan bambu)."),
        ),
        "perunggu (krawang), kayu nangka, bambu", "unit/tahun", 12, 0.05, 0.05,
    ),
    "furnitur": Trade(
        "31001", "desain-produk",
        ("Mebel {adj}", "{adj} Furniture", "Meubel {adj} {adj2}"),
        (
            ("Kursi kayu", "Kursi kayu jati dan mahoni."),
            ("Meja ukir", "Meja kayu dengan ukiran Bali."),
            ("Lemari kayu", "Lemari kayu finishing natural."),
            ("Bale bengong", "Bale bengong (gazebo) kayu kelapa."),
        ),
        "kayu jati, kayu mahoni, kayu kelapa, bahan finishing", "unit/tahun", 60, 0.1, 0.1, export=True,
    ),
    "kerajinan": Trade(
        "32903", "kriya",
        ("Kerajinan {adj}", "Art Shop {adj}", "{adj} Handicraft"),
        (
            ("Kerajinan uang kepeng", "Hiasan dari uang kepeng (pis bolong)."),
            ("Kerajinan tempurung kelapa", "Mangkuk dan lampu dari tempurung kelapa."),
            ("Kerajinan kerang", "Hiasan dinding dari kulit kerang."),
            ("Wayang kulit", "Wayang kulit tatah sungging."),
        ),
        "uang kepeng, tempurung kelapa, kulit kerang, kulit sapi", "buah/tahun", 800, 0.45, 0.6, export=True,
    ),
    "kopi": Trade(
        "10761", "kuliner",
        ("Kopi {adj}", "Kopi Bali {adj}", "Kopi {village} {adj}"),
        (
            ("Kopi arabika bubuk", "Kopi arabika bubuk, kemasan 250 g."),
            ("Kopi biji sangrai", "Kopi biji sangrai (roasted beans)."),
            ("Green bean arabika", "Kopi beras (green bean) olah basah."),
            ("Kopi robusta bubuk", "Kopi robusta bubuk tradisional."),
        ),
        "kopi gelondong merah, kopi beras", "kg/tahun", 2500, 0.35, 0.5, export=True,
    ),
    "keripik": Trade(
        "10794", "kuliner",
        ("Keripik {adj}", "Keripik {nick}", "Camilan {adj}", "Kacang {adj}"),
        (
            ("Keripik pisang", "Keripik pisang manis dan asin."),
            ("Keripik singkong pedas", "Keripik singkong bumbu pedas."),
            ("Kacang kapri", "Kacang kapri goreng."),
            ("Rengginang", "Rengginang beras ketan."),
            ("Begina", "Begina (rengginang Bali) warna-warni."),
        ),
        "pisang, singkong, kacang, minyak goreng, bumbu", "kg/tahun", 2000, 0.75, 0.8,
    ),
    "dodol": Trade(
        "10796", "kuliner",
        ("Dodol Bali {nick}", "Dodol {adj}", "Dodol {village} {adj}"),
        (
            ("Dodol ketan", "Dodol ketan hitam dan putih."),
            ("Dodol salak", "Dodol dari salak Bali."),
            ("Dodol bulung", "Dodol rumput laut (bulung)."),
        ),
        "ketan, gula merah, santan, salak", "kg/tahun", 1500, 0.8, 0.8,
    ),
    "jaje": Trade(
        "10792", "kuliner",
        ("Jaje Bali {nick}", "Jaje {adj}", "Jaje Bali {adj}"),
        (
            ("Jaje uli", "Jaje uli dan tape ketan untuk upacara."),
            ("Jaje laklak", "Laklak dengan kinca gula merah."),
            ("Jaje bendu", "Jaje bendu isi kelapa."),
            ("Jaje sumping", "Sumping pisang dan waluh."),
            ("Jaje gina", "Jaje gina (opak) untuk banten."),
        ),
        "tepung beras, ketan, gula merah, kelapa", "kg/tahun", 1800, 0.85, 0.85,
    ),
    "roti": Trade(
        "10710", "kuliner",
        ("Roti {adj}", "{adj} Bakery", "Toko Kue {adj}", "Pia {adj}"),
        (
            ("Roti manis", "Roti manis isi cokelat dan kelapa."),
            ("Pia Bali", "Pia kacang hijau khas Bali."),
            ("Kue kering", "Kue kering untuk hari raya."),
            ("Bolu pandan", "Bolu kukus pandan."),
        ),
        "tepung terigu, gula, mentega, telur, kacang hijau", "kg/tahun", 3000, 0.6, 0.65,
    ),
    "bumbu": Trade(
        "10772", "kuliner",
        ("Sambal {nick}", "Base Genep {adj}", "Bumbu Bali {adj}"),
        (
            ("Sambal matah", "Sambal matah dalam botol kaca."),
            ("Base genep", "Bumbu dasar Bali (base genep) siap pakai."),
            ("Sambal embe", "Sambal bawang goreng (embe)."),
        ),
        "cabai, bawang merah, bawang putih, rempah, minyak kelapa", "kg/tahun", 1200, 0.8, 0.8,
    ),
    "minyak_kelapa": Trade(
        "10423", None,
        ("Minyak Kelapa {adj}", "Lengis Tanusan {nick}", "VCO {adj}"),
        (
            ("Minyak kelapa tradisional", "Minyak kelapa (lengis tanusan) dimasak tradisional."),
            ("Virgin coconut oil", "Minyak kelapa murni (VCO)."),
        ),
        "kelapa tua", "liter/tahun", 2500, 0.7, 0.7,
    ),
    "garam": Trade(
        "10774", None,
        ("Garam {village} {adj}", "Garam Tradisional {adj}", "Garam {nick}"),
        (
            ("Garam palung", "Garam tradisional dikeringkan di palung kayu kelapa."),
            ("Garam dapur kemasan", "Garam dapur kemasan 250 g."),
            ("Garam spa", "Garam mandi (bath salt) beraroma."),
        ),
        "air laut, pasir pantai", "kg/tahun", 3000, 0.4, 0.5, export=True,
    ),
    "pindang": Trade(
        "10214", None,
        ("Pindang {adj}", "Pindang {nick}", "Ikan Pindang {adj}"),
        (
            ("Pindang tongkol", "Ikan tongkol pindang garam."),
            ("Pindang lemuru", "Ikan lemuru pindang."),
            ("Sate lilit ikan beku", "Sate lilit ikan siap goreng."),
        ),
        "ikan tongkol, ikan lemuru, garam", "kg/tahun", 6000, 0.55, 0.6,
    ),
    "sarden": Trade(
        "10221", None,
        ("Pengalengan Ikan {adj}",),
        (
            ("Ikan sarden kaleng", "Sarden dalam saus tomat, kaleng 155 g dan 425 g."),
            ("Ikan makerel kaleng", "Makerel dalam saus cabai."),
            ("Tepung ikan", "Tepung ikan untuk pakan."),
        ),
        "ikan lemuru, saus tomat, kaleng", "kaleng/tahun", 60000, 0.1, 0.55, export=True,
    ),
    "arak": Trade(
        "11010", "kuliner",
        ("Arak Bali {adj}", "Arak {village} {adj}"),
        (
            ("Arak Bali", "Arak Bali hasil destilasi tuak kelapa, kadar 40%."),
            ("Arak madu", "Arak Bali dengan madu."),
        ),
        "tuak (nira kelapa/lontar), gula", "liter/tahun", 1500, 0.2, 0.3,
    ),
    "cokelat": Trade(
        "10732", "kuliner",
        ("Cokelat {adj}", "Kakao {adj}", "{adj} Chocolate"),
        (
            ("Cokelat batang", "Cokelat batang 70% dari kakao fermentasi Jembrana."),
            ("Bubuk kakao", "Bubuk kakao murni."),
            ("Cokelat isi", "Praline cokelat isi selai buah."),
        ),
        "biji kakao fermentasi, gula kelapa, susu bubuk", "kg/tahun", 600, 0.5, 0.6, export=True,
    ),
    "kosmetik": Trade(
        "20232", None,
        ("{adj} Spa Product", "Lulur Bali {adj}", "{adj} Natural Spa"),
        (
            ("Lulur Bali", "Lulur tradisional boreh dan kopi."),
            ("Minyak pijat", "Minyak pijat aromaterapi."),
            ("Sabun herbal", "Sabun mandi herbal buatan tangan."),
            ("Body butter", "Body butter kelapa dan cokelat."),
        ),
        "minyak kelapa, rempah, minyak atsiri, beras", "kg/tahun", 900, 0.7, 0.75, export=True,
    ),
    "gula_aren": Trade(
        "10722", None,
        ("Gula Aren {adj}", "Gula Merah {nick}", "Gula Kelapa {adj}"),
        (
            ("Gula aren cetak", "Gula aren cetak batok."),
            ("Gula semut", "Gula semut aren organik."),
            ("Gula kelapa", "Gula kelapa cetak."),
        ),
        "nira aren, nira kelapa", "kg/tahun", 1500, 0.4, 0.5,
    ),
    "tempe": Trade(
        "10391", "kuliner",
        ("Tempe {nick}", "Tempe {adj}", "Tahu Tempe {adj}"),
        (
            ("Tempe kedelai", "Tempe kedelai bungkus daun."),
            ("Keripik tempe", "Keripik tempe sagu."),
        ),
        "kedelai, ragi tempe, daun pisang", "kg/tahun", 7000, 0.5, 0.5,
    ),
    "rumput_laut": Trade(
        "10298", None,
        ("Rumput Laut {adj}", "Olahan Rumput Laut {adj}"),
        (
            ("Rumput laut kering", "Rumput laut Eucheuma kering dari Nusa Penida."),
            ("Stik rumput laut", "Stik rumput laut renyah."),
            ("Agar-agar rumput laut", "Puding dan agar-agar rumput laut."),
        ),
        "rumput laut Eucheuma cottonii, tepung", "kg/tahun", 5000, 0.6, 0.65,
    ),
}
# fmt: on

# --- where: regencies, kecamatan centres, known desa ---------------------------------------------------------------

# fmt: off
# Regency: how many businesses in all (sentra members included) and the weights of the other businesses' trades.
REGENCY_PLAN = {
    "51.71": (72, {"konveksi": 10, "endek": 8, "roti": 7, "jaje": 6, "keripik": 5, "batik": 3, "bumbu": 4,
                   "perak": 4, "imitasi": 3, "tas_kulit": 4, "penjahit": 4, "bordir": 3, "kosmetik": 3,
                   "furnitur": 2, "tempe": 2, "kerajinan": 2, "ukiran": 1}),
    "51.03": (56, {"ornamen_semen": 3, "konveksi": 5, "tas_kulit": 4, "furnitur": 5, "kosmetik": 4, "roti": 4,
                   "jaje": 3, "pindang": 3, "keripik": 3, "imitasi": 3, "perak": 2, "kerajinan": 3, "bumbu": 2,
                   "ukiran": 2, "anyaman_bambu": 1}),
    "51.04": (66, {"perak": 5, "perak_hias": 2, "ukiran": 6, "patung_batu": 5, "endek": 2, "songket": 2,
                   "kerajinan": 4, "anyaman_bambu": 3, "furnitur": 3, "kopi": 2, "jaje": 3, "keripik": 2,
                   "gerabah": 1, "imitasi": 2, "konveksi": 2}),
    "51.02": (26, {"gerabah": 2, "keripik": 3, "kopi": 3, "cokelat": 2, "roti": 2, "tempe": 2, "jaje": 2,
                   "bumbu": 1, "gula_aren": 1, "anyaman_bambu": 1}),
    "51.05": (26, {"endek": 3, "garam": 1, "gamelan": 3, "songket": 2, "rumput_laut": 2, "pindang": 1,
                   "kerajinan": 2, "dodol": 1}),
    "51.06": (20, {"kopi": 2, "anyaman_bambu": 2, "keripik": 2, "jaje": 2, "gula_aren": 1, "dodol": 1}),
    "51.07": (25, {"songket": 2, "anyaman_ata": 4, "arak": 3, "dodol": 3, "garam": 2, "gula_aren": 2,
                   "keripik": 1, "endek": 1}),
    "51.08": (30, {"endek": 4, "kopi": 3, "gula_aren": 3, "garam": 2, "anyaman_bambu": 2, "keripik": 3,
                   "dodol": 2, "jaje": 2, "pindang": 2, "roti": 2, "ukiran": 1, "kosmetik": 1, "cokelat": 1,
                   "minyak_kelapa": 2}),
    "51.01": (16, {"pindang": 3, "cokelat": 2, "kopi": 1, "minyak_kelapa": 2, "anyaman_bambu": 2,
                   "keripik": 2, "jaje": 1, "gula_aren": 1}),
}

# Kecamatan centres (latitude, longitude) and how far (in degrees) points may stray from them.
DISTRICT_CENTRES = {
    "51.01.01": (-8.360, 114.620, 0.02), "51.01.02": (-8.375, 114.700, 0.02), "51.01.03": (-8.420, 114.830, 0.02),
    "51.01.04": (-8.265, 114.500, 0.02), "51.01.05": (-8.330, 114.650, 0.015),
    "51.02.01": (-8.460, 115.030, 0.02), "51.02.02": (-8.520, 115.050, 0.015), "51.02.03": (-8.450, 114.930, 0.02),
    "51.02.04": (-8.560, 115.080, 0.015), "51.02.05": (-8.540, 115.130, 0.012), "51.02.06": (-8.590, 115.120, 0.015),
    "51.02.07": (-8.490, 115.170, 0.015), "51.02.08": (-8.420, 115.130, 0.02), "51.02.09": (-8.330, 115.170, 0.02),
    "51.02.10": (-8.350, 115.000, 0.02),
    "51.03.01": (-8.720, 115.176, 0.006), "51.03.02": (-8.560, 115.170, 0.015), "51.03.03": (-8.500, 115.220, 0.015),
    "51.03.04": (-8.350, 115.220, 0.02), "51.03.05": (-8.800, 115.170, 0.02), "51.03.06": (-8.640, 115.160, 0.01),
    "51.04.01": (-8.595, 115.280, 0.012), "51.04.02": (-8.570, 115.310, 0.012), "51.04.03": (-8.540, 115.330, 0.012),
    "51.04.04": (-8.430, 115.310, 0.015), "51.04.05": (-8.510, 115.260, 0.012), "51.04.06": (-8.440, 115.280, 0.015),
    "51.04.07": (-8.420, 115.240, 0.015),
    "51.05.01": (-8.730, 115.540, 0.02), "51.05.02": (-8.550, 115.370, 0.01), "51.05.03": (-8.540, 115.400, 0.012),
    "51.05.04": (-8.530, 115.450, 0.012),
    "51.06.01": (-8.460, 115.330, 0.012), "51.06.02": (-8.450, 115.355, 0.012), "51.06.03": (-8.440, 115.390, 0.012),
    "51.06.04": (-8.260, 115.330, 0.03),
    "51.07.01": (-8.420, 115.420, 0.015), "51.07.02": (-8.470, 115.440, 0.012), "51.07.03": (-8.500, 115.530, 0.015),
    "51.07.04": (-8.450, 115.610, 0.012), "51.07.05": (-8.370, 115.600, 0.02), "51.07.06": (-8.410, 115.560, 0.015),
    "51.07.07": (-8.430, 115.470, 0.015), "51.07.08": (-8.270, 115.550, 0.02),
    "51.08.01": (-8.170, 114.750, 0.03), "51.08.02": (-8.200, 114.930, 0.015), "51.08.03": (-8.250, 114.970, 0.02),
    "51.08.04": (-8.200, 115.000, 0.02), "51.08.05": (-8.180, 115.100, 0.02), "51.08.06": (-8.120, 115.090, 0.012),
    "51.08.07": (-8.130, 115.160, 0.015), "51.08.08": (-8.100, 115.220, 0.015), "51.08.09": (-8.130, 115.350, 0.02),
    "51.71.01": (-8.690, 115.225, 0.012), "51.71.02": (-8.645, 115.240, 0.01), "51.71.03": (-8.665, 115.200, 0.01),
    "51.71.04": (-8.625, 115.210, 0.01),
}

# Desa whose position we know better than their kecamatan centre (sentra sites and busy places).
VILLAGE_POINTS = {
    "51.04.01.2005": (-8.607, 115.274),  # Celuk
    "51.04.01.2001": (-8.625, 115.265),  # Batubulan
    "51.04.05.2002": (-8.545, 115.264),  # Mas
    "51.05.03.2003": (-8.560, 115.405),  # Gelgel
    "51.05.03.2007": (-8.550, 115.410),  # Kamasan
    "51.05.02.2007": (-8.520, 115.385),  # Tihingan
    "51.07.02.2003": (-8.480, 115.445),  # Sidemen
    "51.07.03.2006": (-8.478, 115.565),  # Tenganan
    "51.02.06.2012": (-8.587, 115.092),  # Pejaten
    "51.06.04.2037": (-8.270, 115.300),  # Catur
    "51.06.02.2007": (-8.420, 115.360),  # Kayubihi
    "51.03.02.1004": (-8.575, 115.172),  # Kapal
    "51.03.01.1003": (-8.760, 115.172),  # Kedonganan
    "51.05.04.2006": (-8.555, 115.467),  # Kusamba
    "51.71.02.1003": (-8.640, 115.250),  # Kesiman
    "51.01.01.2011": (-8.392, 114.575),  # Pengambengan
}

# Desa a trade is known for; a business of that trade in the regency lands there half of the time.
HOTSPOTS = {
    "perak": ("51.04.01.2005", "51.04.01.2006", "51.04.05.2002"),  # Celuk, Singapadu, Mas
    "perak_hias": ("51.04.01.2005",),  # Celuk
    # Mas, Peliatan, Tegallalang, Kemenuh
    "ukiran": ("51.04.05.2002", "51.04.05.2006", "51.04.06.2002", "51.04.01.2008"),
    "patung_batu": ("51.04.01.2001", "51.04.01.2006"),  # Batubulan, Singapadu
    "ornamen_semen": ("51.03.02.1004",),  # Kapal
    "endek": ("51.05.03.2003", "51.71.02.1003", "51.08.02.2009"),  # Gelgel, Kesiman, Kalianget
    "songket": ("51.07.02.2003",),  # Sidemen
    "gamelan": ("51.05.02.2007",),  # Tihingan
    "kerajinan": ("51.05.03.2007", "51.04.01.2004"),  # Kamasan (uang kepeng), Sukawati
    "anyaman_bambu": ("51.06.02.2007", "51.04.02.2004", "51.04.02.2009"),  # Kayubihi, Belega, Bona
    "anyaman_ata": ("51.07.03.2006",),  # Tenganan
    # Kusamba, Purwa Kerthi (Amed), Tejakula, Les
    "garam": ("51.05.04.2006", "51.07.05.2009", "51.08.09.2006", "51.08.09.2007"),
    "pindang": ("51.03.01.1003", "51.01.01.2011", "51.05.04.2006"),  # Kedonganan, Pengambengan, Kusamba
    "rumput_laut": ("51.05.01.2012", "51.05.01.2013", "51.05.01.2007"),  # Lembongan, Jungutbatu, Suana
    "kopi": ("51.06.04.2037", "51.02.10.2001", "51.08.04.2006"),  # Catur, Belimbing, Munduk
    "cokelat": ("51.01.04.2005",),  # Nusasari
    "gerabah": ("51.02.06.2012",),  # Pejaten
    "arak": ("51.07.02.2007",),  # Tri Eka Buana
    "dodol": ("51.07.06.2004",),  # Sibetan (salak)
    "gula_aren": ("51.08.04.2008",),  # Pedawa
}
# fmt: on


# --- sentra -------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SentraSpec:
    """A sentra IKM and who belongs to it: members are (trade, status, how many)."""

    name: str
    village: str
    kbli: str
    main_product: str
    address: str
    decree_number: str
    decree_date: datetime.date
    decree_issuer: str
    institution: str
    year_established: int
    description: str
    members: tuple[tuple[str, str, int], ...]
    neighbours: tuple[str, ...] = ()
    upt_name: str = ""
    facilities: tuple[tuple[str, int, str, int], ...] = ()  # name, quantity, condition, year acquired
    revitalisations: tuple[tuple[int, str, str, int], ...] = ()  # year, activity, funding source, amount (Rp)


P, V, S = BusinessStatus.PUBLISHED, BusinessStatus.VERIFIED, BusinessStatus.SUBMITTED
D, I = BusinessStatus.DRAFT, BusinessStatus.INACTIVE  # noqa: E741 (I = inactive, read next to P, V, S, D)
GOOD, MINOR, MAJOR = FacilityCondition.GOOD, FacilityCondition.MINOR_DAMAGE, FacilityCondition.MAJOR_DAMAGE
DAK, APBD, APBN, CSR = FundingSource.DAK, FundingSource.APBD, FundingSource.APBN, FundingSource.CSR

SENTRA = [
    SentraSpec(
        name="Sentra IKM Kerajinan Perak Celuk",
        village="51.04.01.2005",
        kbli="32112",
        main_product="Perhiasan perak (cincin, kalung, gelang, anting)",
        address="Jl. Raya Celuk, Desa Celuk, Kec. Sukawati",
        decree_number="Keputusan Bupati Gianyar Nomor 530/064/HK/2016",
        decree_date=datetime.date(2016, 3, 14),
        decree_issuer="Bupati Gianyar",
        institution="Koperasi Pengrajin Perak Celuk Mandiri",
        year_established=1976,
        description="Pusat perajin perhiasan perak sejak 1970-an; teknik granulasi (jawan) dan filigri.",
        members=(("perak", P, 8), ("perak", V, 2), ("perak_hias", P, 1), ("perak", S, 1)),
        neighbours=("51.04.01.2006", "51.04.01.2001", "51.04.01.2010"),
        facilities=(
            ("Galeri dan ruang pamer bersama", 1, GOOD, 2017),
            ("Mesin rolling dan tarik kawat perak", 4, GOOD, 2019),
            ("Alat uji kadar logam (XRF)", 1, GOOD, 2021),
            ("Tungku lebur bersama", 2, MINOR, 2012),
        ),
        revitalisations=(
            (2019, "Bimtek desain perhiasan perak dan standar kadar 925", DAK, 185 * JUTA),
            (2021, "Pengadaan alat uji kadar logam untuk sentra", DAK, 420 * JUTA),
            (2023, "Promosi sentra pada pameran Inacraft Jakarta", APBD, 95 * JUTA),
        ),
    ),
    SentraSpec(
        name="Sentra IKM Ukiran Kayu Mas",
        village="51.04.05.2002",
        kbli="16293",
        main_product="Patung dan ukiran kayu, topeng",
        address="Jl. Raya Mas, Desa Mas, Kec. Ubud",
        decree_number="Keputusan Bupati Gianyar Nomor 530/065/HK/2016",
        decree_date=datetime.date(2016, 3, 14),
        decree_issuer="Bupati Gianyar",
        institution="Asosiasi Pengukir Kayu Desa Mas",
        year_established=1980,
        description="Desa pengukir kayu: patung, topeng tari dan ukiran bangunan untuk pasar ekspor.",
        members=(("ukiran", P, 8), ("ukiran", V, 2)),
        neighbours=("51.04.05.2001", "51.04.05.2006"),
        facilities=(
            ("Mesin oven pengering kayu", 1, GOOD, 2018),
            ("Mesin ukir CNC", 1, GOOD, 2022),
            ("Ruang pamer bersama", 1, MINOR, 2009),
        ),
        revitalisations=(
            (2018, "Pengadaan oven pengering kayu (standar SVLK)", DAK, 350 * JUTA),
            (2022, "Bimtek desain produk dan mesin ukir CNC", DAK, 275 * JUTA),
        ),
    ),
    SentraSpec(
        name="Sentra IKM Tenun Endek Gelgel",
        village="51.05.03.2003",
        kbli="13122",
        main_product="Kain tenun endek",
        address="Banjar Jero Kapal, Desa Gelgel, Kec. Klungkung",
        decree_number="Keputusan Bupati Klungkung Nomor 189/03/HK/2018",
        decree_date=datetime.date(2018, 2, 5),
        decree_issuer="Bupati Klungkung",
        institution="Koperasi Tenun Endek Gelgel Sejahtera",
        year_established=1985,
        description="Penenun endek dengan alat tenun bukan mesin (ATBM); motif Gelgel dan pewarna alam.",
        members=(("endek", P, 6), ("endek", V, 1), ("endek", S, 1)),
        neighbours=("51.05.03.2004", "51.05.03.2007", "51.05.03.2006"),
        facilities=(
            ("Alat tenun bukan mesin (ATBM)", 40, GOOD, 2018),
            ("Bak pewarnaan alam", 6, MINOR, 2015),
        ),
        revitalisations=(
            (2018, "Pengadaan ATBM dan alat ikat benang", DAK, 310 * JUTA),
            (2020, "Pelatihan pewarnaan alam", APBN, 120 * JUTA),
            (2024, "Pendampingan merek kolektif Endek Gelgel", APBD, 60 * JUTA),
        ),
    ),
    SentraSpec(
        name="Sentra IKM Tenun Songket Sidemen",
        village="51.07.02.2003",
        kbli="13121",
        main_product="Kain songket dan endek",
        address="Desa Sidemen, Kec. Sidemen",
        decree_number="Keputusan Bupati Karangasem Nomor 302/HK/2019",
        decree_date=datetime.date(2019, 7, 22),
        decree_issuer="Bupati Karangasem",
        institution="Kelompok Usaha Bersama Tenun Sidemen",
        year_established=1990,
        description="Songket dan endek tenun tangan dari lereng Sidemen.",
        members=(("songket", P, 4), ("endek", P, 2), ("songket", V, 1)),
        neighbours=("51.07.02.2004", "51.07.02.2009"),
        facilities=(
            ("Alat tenun cag-cag", 25, GOOD, 2019),
            ("Balai pamer tenun", 1, GOOD, 2021),
        ),
        revitalisations=((2021, "Pembangunan balai pamer dan pelatihan motif", DAK, 240 * JUTA),),
    ),
    SentraSpec(
        name="Sentra IKM Gerabah Pejaten",
        village="51.02.06.2012",
        kbli="23939",
        main_product="Gerabah dan keramik hias",
        address="Desa Pejaten, Kec. Kediri",
        decree_number="Keputusan Bupati Tabanan Nomor 180/327/03/HK/2017",
        decree_date=datetime.date(2017, 9, 11),
        decree_issuer="Bupati Tabanan",
        institution="Paguyuban Perajin Gerabah Pejaten",
        year_established=1960,
        description="Gerabah tradisional dan keramik hias berglasir; tungku bersama di banjar.",
        members=(("gerabah_hias", P, 3), ("gerabah", P, 2), ("gerabah_hias", V, 1)),
        neighbours=("51.02.06.2011", "51.02.06.2004"),
        upt_name="UPT Pengembangan Keramik Pejaten",
        facilities=(
            ("Tungku gas keramik", 2, GOOD, 2020),
            ("Tungku kayu tradisional", 5, MAJOR, 1998),
            ("Mesin putar (pottery wheel)", 10, GOOD, 2020),
        ),
        revitalisations=(
            (2017, "Revitalisasi tungku pembakaran bersama", DAK, 280 * JUTA),
            (2020, "Pengadaan tungku gas dan mesin putar", DAK, 390 * JUTA),
        ),
    ),
    SentraSpec(
        name="Sentra IKM Kopi Arabika Kintamani",
        village="51.06.04.2037",
        kbli="10761",
        main_product="Kopi arabika Kintamani (green bean dan bubuk)",
        address="Desa Catur, Kec. Kintamani",
        decree_number="Keputusan Bupati Bangli Nomor 530/412/2018",
        decree_date=datetime.date(2018, 10, 1),
        decree_issuer="Bupati Bangli",
        institution="Subak Abian dan Koperasi Kopi Catur",
        year_established=2008,
        description="Pengolahan kopi arabika berindikasi geografis Kintamani Bali, olah basah dan sangrai.",
        members=(("kopi", P, 5), ("kopi", V, 1)),
        neighbours=("51.06.04.2036", "51.06.04.2001", "51.06.04.2003"),
        facilities=(
            ("Mesin pulper", 3, GOOD, 2018),
            ("Mesin sangrai (roaster) 5 kg", 1, GOOD, 2021),
            ("Lantai jemur", 4, MINOR, 2010),
        ),
        revitalisations=(
            (2018, "Pengadaan mesin pulper dan huller", DAK, 330 * JUTA),
            (2021, "Pengadaan mesin sangrai dan pelatihan cupping", DAK, 210 * JUTA),
            (2023, "Sertifikasi halal dan P-IRT kolektif", APBD, 45 * JUTA),
        ),
    ),
    SentraSpec(
        name="Sentra IKM Anyaman Bambu Kayubihi",
        village="51.06.02.2007",
        kbli="16291",
        main_product="Anyaman bambu (sokasi, keben, bakul)",
        address="Desa Kayubihi, Kec. Bangli",
        decree_number="Keputusan Bupati Bangli Nomor 530/388/2019",
        decree_date=datetime.date(2019, 8, 19),
        decree_issuer="Bupati Bangli",
        institution="Kelompok Usaha Bersama Anyaman Kayubihi",
        year_established=1995,
        description="Anyaman bambu untuk sarana upacara dan dekorasi vila.",
        members=(("anyaman_bambu", P, 5), ("anyaman_bambu", V, 1)),
        neighbours=("51.06.02.2008", "51.06.02.2009"),
        facilities=(("Mesin pembelah dan penghalus bambu", 3, GOOD, 2019),),
        revitalisations=((2019, "Pengadaan mesin pengolah bambu", DAK, 160 * JUTA),),
    ),
    SentraSpec(
        name="Sentra IKM Ornamen dan Pelinggih Kapal",
        village="51.03.02.1004",
        kbli="23951",
        main_product="Pelinggih dan ornamen bangunan dari semen",
        address="Jl. Raya Kapal, Kelurahan Kapal, Kec. Mengwi",
        decree_number="Keputusan Bupati Badung Nomor 1250/05/HK/2019",
        decree_date=datetime.date(2019, 5, 27),
        decree_issuer="Bupati Badung",
        institution="Asosiasi Perajin Ornamen Kapal",
        year_established=1975,
        description="Deretan bengkel pelinggih dan ornamen semen di sepanjang Jalan Raya Kapal.",
        members=(("ornamen_semen", P, 7), ("ornamen_semen", V, 1)),
        neighbours=("51.03.02.1016", "51.03.02.1014"),
        facilities=(
            ("Cetakan ornamen bersama", 120, GOOD, 2020),
            ("Mesin molen", 4, MINOR, 2016),
        ),
        revitalisations=(
            (2020, "Pengadaan cetakan ornamen dan bimtek desain", DAK, 225 * JUTA),
            (2024, "Penataan kawasan pamer sentra", APBD, 480 * JUTA),
        ),
    ),
    SentraSpec(
        name="Sentra IKM Garam Tradisional Kusamba",
        village="51.05.04.2006",
        kbli="10774",
        main_product="Garam palung tradisional",
        address="Pantai Kusamba, Desa Kusamba, Kec. Dawan",
        decree_number="Keputusan Bupati Klungkung Nomor 214/04/HK/2021",
        decree_date=datetime.date(2021, 4, 12),
        decree_issuer="Bupati Klungkung",
        institution="Kelompok Petani Garam Segara Dewi",
        year_established=1950,
        description="Garam tradisional dengan palung kayu kelapa; indikasi geografis Garam Kusamba.",
        members=(("garam", P, 4), ("garam", V, 1), ("garam", I, 1)),
        neighbours=("51.05.04.2007",),
        facilities=(("Gudang garam", 1, GOOD, 2021), ("Palung pengering", 200, MINOR, 2015)),
        revitalisations=((2021, "Pembangunan gudang dan rumah kemasan garam", DAK, 270 * JUTA),),
    ),
    SentraSpec(
        name="Sentra IKM Batik Bali Kesiman",
        village="51.71.02.1003",
        kbli="13134",
        main_product="Batik tulis dan cap motif Bali",
        address="Jl. Waribang, Kelurahan Kesiman, Kec. Denpasar Timur",
        decree_number="Keputusan Wali Kota Denpasar Nomor 188.45/1024/HK/2023",
        decree_date=datetime.date(2023, 11, 6),
        decree_issuer="Wali Kota Denpasar",
        institution="Kelompok Usaha Bersama Batik Kesiman",
        year_established=2012,
        description="Sentra baru; anggota aktif yang sejenis belum mencapai lima unit usaha.",
        members=(("batik", P, 3), ("konveksi", P, 1), ("batik", D, 1)),
        neighbours=("51.71.02.2004", "51.71.02.2005"),
        facilities=(("Kompor dan canting batik", 20, GOOD, 2023),),
        revitalisations=((2024, "Pelatihan batik tulis motif Bali", APBD, 75 * JUTA),),
    ),
]

# --- people ------------------------------------------------------------------------------------------------------

# fmt: off
ORDER_MALE = ("Wayan", "Putu", "Gede", "Made", "Kadek", "Nengah", "Nyoman", "Komang", "Ketut")
ORDER_FEMALE = ("Wayan", "Putu", "Luh", "Made", "Kadek", "Nengah", "Nyoman", "Komang", "Ketut")
GIVEN_MALE = (
    "Sudarsana", "Suarta", "Sukadana", "Arnawa", "Sutama", "Darmawan", "Adnyana", "Mertayasa", "Widiana", "Parwata",
    "Suardana", "Budiarta", "Wirawan", "Sumerta", "Sukerta", "Astawa", "Suweta", "Kariasa", "Sedana", "Purnama",
    "Agus Suryawan", "Eka Putra", "Wiranata", "Artawan", "Suparta", "Mudana", "Sujana", "Dharma Putra",
    "Arya Wibawa", "Gunarsa", "Sudiarta", "Wisnawa", "Juliarta", "Ardana", "Sumadi", "Karyasa", "Sugiarta",
    "Suamba", "Subagia", "Mahendra", "Yoga Pratama", "Adi Putra", "Suwirya", "Rai Sukarma", "Widnyana",
)
GIVEN_FEMALE = (
    "Sriani", "Sukarmi", "Ariani", "Suartini", "Wartini", "Mariani", "Sumiati", "Puspawati", "Yuliani", "Kartini",
    "Sukerni", "Suwarni", "Wulandari", "Dewi Lestari", "Ayu Suryani", "Ratna Dewi", "Sutarmi", "Astiti",
    "Widiastuti", "Darmayanti", "Candrawati", "Sekarini", "Jayanti", "Suastini", "Murniati", "Sri Utami",
    "Eka Pratiwi", "Ayu Kartika", "Purnamasari", "Sudiartini", "Wiryani", "Suciati", "Rasmini", "Sukasih",
    "Artini", "Diah Paramita", "Merta Sari", "Sri Widari", "Ayu Wulan", "Rai Astuti",
)
# (prefix, share) for men and women of the triwangsa and other naming styles; the rest use "I/Ni <birth order>".
STYLES_MALE = (("I Gusti Ngurah", 0.05), ("I Gusti Bagus", 0.03), ("Ida Bagus", 0.06), ("Anak Agung Gede", 0.04),
               ("Cokorda Gede", 0.01), ("Dewa Gede", 0.03), ("Gede", 0.05), ("Putu", 0.04), ("Kadek", 0.03))
STYLES_FEMALE = (("I Gusti Ayu", 0.06), ("Ida Ayu", 0.06), ("Anak Agung Ayu", 0.04), ("Desak", 0.03),
                 ("Ni Luh", 0.08), ("Putu", 0.04), ("Kadek", 0.03), ("Komang", 0.02))
# Owners who are not Balinese-named (migrants, Muslim kampung in Jembrana and Buleleng, Chinese-Indonesian families).
OTHER_MALE = ("Ahmad Fauzi", "Muhammad Rizal", "Slamet Riyadi", "Hendra Wijaya", "Agus Santoso", "Bambang Sutrisno",
              "Yohanes Kurniawan", "Abdul Rahman", "Haji Muhamad Saleh", "Rudi Hartono")
OTHER_FEMALE = ("Siti Aminah", "Nur Hasanah", "Sri Rahayu", "Linda Wijaya", "Fitri Handayani", "Yuliana Susanti",
                "Siti Khotijah", "Maria Magdalena Dewi", "Lilis Suryani", "Ratna Sari")
OTHER_SHARE = {"51.71": 0.12, "51.03": 0.08, "51.01": 0.30, "51.08": 0.10}

ADJECTIVES = (
    "Sari", "Ayu", "Jaya", "Mertha", "Kencana", "Santhi", "Amertha", "Sedana", "Lestari", "Murni", "Utama", "Dharma",
    "Wangi", "Asri", "Widya", "Sekar", "Manik", "Taksu", "Mandiri", "Abadi", "Nadi", "Giri", "Surya", "Candra",
    "Dewata", "Laksmi", "Saraswati", "Agung", "Sentana", "Cahaya", "Kusuma", "Prima", "Wisesa", "Sanjiwani", "Padma",
    "Wibawa", "Mekar", "Artha", "Bhakti", "Sukma", "Yasa", "Kerthi", "Guna", "Tunjung", "Cempaka", "Jepun", "Tirta",
    "Merta", "Dana", "Sedhana", "Bumi", "Pertiwi", "Kembar", "Mulia", "Nusa", "Lotus", "Karya", "Adi", "Putri",
)
BANJARS = ("Kaja", "Kelod", "Kangin", "Kauh", "Tengah", "Anyar", "Dangin Peken", "Dauh Peken", "Pekandelan",
           "Gede", "Delod Pasar", "Pande", "Tegal", "Sari", "Puseh", "Dalem")
MOBILE_PREFIXES = ("0812", "0813", "0821", "0822", "0852", "0853", "0857", "0878", "0819", "0838", "0895")
ONLINE_CHANNELS = ("WhatsApp Business", "Instagram", "Facebook", "Shopee", "Tokopedia", "TikTok Shop", "Website")
# The channels that get an (invented) account named after the business; the others stay as text.
CHANNEL_PLATFORMS = {
    "Instagram": "instagram",
    "Facebook": "facebook",
    "Shopee": "shopee",
    "Tokopedia": "tokopedia",
    "TikTok Shop": "tiktokshop",
}


def demo_links(name: str, channels: list[str]) -> tuple[list[tuple[str, str]], str]:
    """Links for the channels that name an account (a handle made of the business's name), and the rest as text."""
    from businesses.links import link_url

    handle = "".join(ch for ch in name.lower() if ch.isalnum())[:30] or "ikm"
    links = [(CHANNEL_PLATFORMS[c], link_url(CHANNEL_PLATFORMS[c], handle)) for c in channels if c in CHANNEL_PLATFORMS]
    return links, ", ".join(c for c in channels if c not in CHANNEL_PLATFORMS)

# --- assistance and obstacles -------------------------------------------------------------------------------------

ASSISTANCE = {
    AssistanceKind.EQUIPMENT: (("Bantuan peralatan produksi", "{office}", 5, 45),
                               ("Hibah mesin produksi skala kecil", "Kementerian Perindustrian (Ditjen IKMA)", 15, 80)),
    AssistanceKind.TRAINING: (("Bimtek manajemen usaha dan pembukuan", "{office}", 0, 0),
                              ("Pelatihan desain kemasan", "Disperindag Provinsi Bali", 0, 0),
                              ("Pelatihan pemasaran digital", "Dekranasda Provinsi Bali", 0, 0)),
    AssistanceKind.MARKETING: (("Fasilitasi stan pameran Pesta Kesenian Bali", "Disperindag Provinsi Bali", 3, 8),
                               ("Fasilitasi pameran Bali Bangkit", "Dekranasda Provinsi Bali", 2, 6)),
    AssistanceKind.CAPITAL: (("Akses Kredit Usaha Rakyat (KUR)", "BRI", 10, 200),
                             ("Akses KUR", "BPD Bali", 10, 150)),
    AssistanceKind.IPR: (("Fasilitasi pendaftaran merek", "{office}", 2, 3),),
    AssistanceKind.CERTIFICATION: (("Fasilitasi sertifikasi halal (self declare)", "Kementerian Agama (BPJPH)", 0, 0),
                                   ("Fasilitasi SPP-IRT", "Dinas Kesehatan", 0, 1)),
}
OBSTACLES = {
    ObstacleKind.CAPITAL: ("Modal kerja terbatas untuk pesanan besar", "Belum punya agunan untuk kredit bank"),
    ObstacleKind.MARKETING: ("Penjualan turun saat sepi wisatawan", "Belum menjual secara daring"),
    ObstacleKind.RAW_MATERIAL: ("Harga bahan baku naik", "Pasokan bahan baku tidak menentu"),
    ObstacleKind.HUMAN_RESOURCES: ("Sulit mencari perajin muda", "Tenaga kerja terampil pindah ke pariwisata"),
    ObstacleKind.TECHNOLOGY: ("Peralatan masih manual", "Belum ada mesin pengemas"),
    ObstacleKind.LICENSING: ("Belum memiliki NIB", "Proses sertifikasi halal/P-IRT belum selesai"),
    ObstacleKind.INFRASTRUCTURE: ("Jalan ke lokasi usaha sempit", "Listrik sering padam"),
}
# fmt: on

# Statuses of the businesses outside sentra (the remainder is published).
STATUS_COUNTS = {
    BusinessStatus.DRAFT: 5,
    BusinessStatus.SUBMITTED: 14,
    BusinessStatus.RETURNED: 5,
    BusinessStatus.REJECTED: 4,
    BusinessStatus.INACTIVE: 5,
    BusinessStatus.VERIFIED: 40,
}

# Scale buckets by BPS workforce class: (weight outside sentra, weight in sentra).
SCALE_WEIGHTS = {"mikro": (0.6, 0.45), "kecil": (0.35, 0.5), "sedang": (0.05, 0.05)}

# Two big industries so that every scale class occurs: (trade, regency, desa, name, legal form, workforce).
LARGE_FIRMS = (
    ("sarden", "51.01", "51.01.01.2011", "PT Samudra Lemuru Jembrana", LegalForm.PT, 185),
    ("konveksi", "51.03", "51.03.06.2006", "PT Dewata Busana Ekspor", LegalForm.PT, 122),
)


# --- the plan -----------------------------------------------------------------------------------------------------


@dataclass
class BusinessPlan:
    """One demo business with everything that hangs off it, before it is written."""

    name: str
    village: str
    trade: str
    status: str
    legal_form: str
    nib: str
    address: str
    latitude: Decimal | None
    longitude: Decimal | None
    main_product: str
    year_founded: int
    market_reach: str
    online_channels: str
    sentra: str | None  # sentra name
    owner: dict
    years: list[dict]
    products: list[dict]
    assistance: list[dict] = field(default_factory=list)
    obstacles: list[dict] = field(default_factory=list)
    links: list[tuple[str, str]] = field(default_factory=list)

    @property
    def key(self) -> tuple[str, str]:
        return (self.village, self.name)


@dataclass
class DemoPlan:
    """Everything `seed_demo` writes, computed without touching the database."""

    data_years: tuple[int, int]
    businesses: list[BusinessPlan]
    sentra_officers: dict[str, list[dict]]

    def counts(self) -> dict[str, int]:
        """Row counts the database must hold for the plan to be complete."""
        return {
            "businesses": len(self.businesses),
            "owners": len(self.businesses),
            "years": sum(len(b.years) for b in self.businesses),
            "products": sum(len(b.products) for b in self.businesses),
            "assistance": sum(len(b.assistance) for b in self.businesses),
            "obstacles": sum(len(b.obstacles) for b in self.businesses),
            "sentra": len(SENTRA),
            "officers": sum(len(rows) for rows in self.sentra_officers.values()),
            "facilities": sum(len(spec.facilities) for spec in SENTRA),
            "revitalisations": sum(len(spec.revitalisations) for spec in SENTRA),
        }


@dataclass
class Places:
    """Bali's kecamatan and desa as shipped in demo_data/regions (read from the CSV, not the database)."""

    regencies: dict[str, str]  # code → name
    districts: dict[str, str]  # code → name
    villages: dict[str, tuple[str, str]]  # code → (name, DESA/KELURAHAN)
    by_regency: dict[str, list[str]]  # regency code → village codes

    @classmethod
    def load(cls, directory: Path = REGIONS_DIR) -> Places:
        def rows(name):
            with (directory / name).open(newline="", encoding="utf-8") as handle:
                return list(csv.DictReader(handle))

        regencies = {row["code"]: row["name"] for row in rows("regencies.csv")}
        districts = {row["code"]: row["name"] for row in rows("districts.csv")}
        villages = {row["code"]: (row["name"], row["type"]) for row in rows("villages.csv")}
        by_regency: dict[str, list[str]] = {code: [] for code in regencies}
        for code in villages:
            by_regency[code[:5]].append(code)
        return cls(regencies, districts, villages, by_regency)

    def village_label(self, code: str) -> str:
        name, kind = self.villages[code]
        return f"{'Kelurahan' if kind == 'KELURAHAN' else 'Desa'} {name}"


class Planner:
    """Plans the demo businesses with one seeded random generator; the same input always gives the same plan."""

    def __init__(self, places: Places, today: datetime.date):
        self.rng = random.Random(SEED)
        self.places = places
        self.today = today
        self.data_years = (today.year - 2, today.year - 1)
        self.names: set[str] = set()
        self.nibs: set[str] = set()
        self.niks: set[str] = set()

    # - people -
    def person(self, regency: str, female: bool) -> tuple[str, str]:
        """A plausible owner name and how people call them in a business name ('Bu Komang', 'Pak Made', 'Gus Rai')."""
        rng = self.rng
        title = "Bu" if female else "Pak"
        if rng.random() < OTHER_SHARE.get(regency, 0.02):
            name = rng.choice(OTHER_FEMALE if female else OTHER_MALE)
            return name, f"{title} {name.removeprefix('Haji ').split()[0]}"
        given = rng.choice(GIVEN_FEMALE if female else GIVEN_MALE)
        order = rng.choice(ORDER_FEMALE if female else ORDER_MALE)
        prefix = self.name_style(STYLES_FEMALE if female else STYLES_MALE)
        if prefix and prefix.split()[-1] == given.split()[0]:
            given = given.split(maxsplit=1)[1]  # "Ida Ayu" + "Ayu Wulan" → "Ida Ayu Wulan"
        if prefix is None:
            return f"{'Ni' if female else 'I'} {order} {given}", f"{title} {order}"
        if prefix in ("Ni Luh", "Desak"):
            return f"{prefix} {order} {given}", f"{title} {order}"
        if prefix in ("Ida Bagus", "Ida Ayu"):
            return f"{prefix} {given}", f"{'Dayu' if female else 'Gus'} {given.split()[0]}"
        return f"{prefix} {given}", f"{title} {given.split()[0]}"

    def name_style(self, styles: tuple[tuple[str, float], ...]) -> str | None:
        """A name prefix drawn with the shares in `styles`; None for the common 'I/Ni <birth order>' form."""
        roll = self.rng.random()
        for prefix, share in styles:
            if roll < share:
                return prefix
            roll -= share
        return None

    def nik(self, village: str, female: bool) -> str:
        """A NIK of the owner's kecamatan: 51 RR DD, birth date DDMMYY (day + 40 for women), serial ≠ 0000."""
        rng = self.rng
        while True:
            birth = datetime.date(rng.randint(1958, 2001), rng.randint(1, 12), rng.randint(1, 28))
            day = birth.day + (40 if female else 0)
            value = f"{village[0:2]}{village[3:5]}{village[6:8]}{day:02d}{birth:%m%y}{rng.randint(1, 2999):04d}"
            if value not in self.niks:
                self.niks.add(value)
                return value

    def phone(self) -> str:
        rng = self.rng
        return f"{rng.choice(MOBILE_PREFIXES)}-{rng.randint(1000, 9999)}-{rng.randint(100, 9999):04d}"

    def nib(self) -> str:
        """A 13-digit NIB: 91… for OSS RBA (since 2021), 81… for the older OSS; unique in the plan."""
        while True:
            value = f"{self.rng.choice(('912', '912', '912', '812'))}{self.rng.randrange(10**10):010d}"
            if value not in self.nibs:
                self.nibs.add(value)
                return value

    # - places -
    def point(self, village: str) -> tuple[Decimal, Decimal]:
        """A point near the desa: its known position, or its kecamatan centre, plus jitter."""
        rng = self.rng
        if village in VILLAGE_POINTS:
            lat, lon = VILLAGE_POINTS[village]
            radius = 0.004
        else:
            lat, lon, radius = DISTRICT_CENTRES[village[:8]]
        lat += rng.uniform(-radius, radius)
        lon += rng.uniform(-radius, radius)
        return Decimal(f"{lat:.6f}"), Decimal(f"{lon:.6f}")

    def village_for(self, trade: str, regency: str) -> str:
        hotspots = [code for code in HOTSPOTS.get(trade, ()) if code[:5] == regency]
        if hotspots and self.rng.random() < 0.5:
            return self.rng.choice(hotspots)
        return self.rng.choice(self.places.by_regency[regency])

    def address(self, village: str) -> str:
        rng = self.rng
        name, _kind = self.places.villages[village]
        if rng.random() < 0.4:
            return f"Jl. Raya {name} No. {rng.randint(1, 180)}, {self.places.village_label(village)}"
        return f"Banjar {rng.choice(BANJARS)}, {self.places.village_label(village)}"

    # - names -
    def business_name(self, trade: str, village: str, nick: str, legal_form: str) -> str:
        rng, templates = self.rng, TRADES[trade].names
        village_name = self.places.villages[village][0]
        prefixes = {
            LegalForm.UD: "UD ",
            LegalForm.CV: "CV ",
            LegalForm.PT: "PT ",
            LegalForm.PT_PERORANGAN: "PT ",
            LegalForm.KUB: "KUB ",
        }
        prefix = prefixes.get(legal_form, "")
        for attempt in range(40):
            adj, adj2 = rng.sample(ADJECTIVES, 2)
            base = rng.choice(templates).format(adj=adj, adj2=adj2, village=village_name, nick=nick)
            if attempt > 20:
                base = f"{base} {village_name}"
            name = prefix + base
            if name.lower() not in self.names:
                self.names.add(name.lower())
                return name
        raise RuntimeError(f"no free business name for {trade} in {village}")

    # - figures -
    def figures(self, trade: str, scale: str, founded: int, workforce: int | None = None) -> list[dict]:
        """Figures of the two data years: the first drawn for the scale class, the second grown from it."""
        rng, spec = self.rng, TRADES[trade]
        if workforce is None:
            low, high = {"mikro": (1, 4), "kecil": (5, 19), "sedang": (20, 99)}[scale]
            workforce = int(rng.triangular(low, high + 1, low)) if scale == "sedang" else rng.randint(low, high)
        investment, turnover = self.money(workforce)
        if rng.random() < 0.04:
            investment = None  # not reported
        if rng.random() < 0.04:
            turnover = None
        growth = max(-0.08, min(0.18, rng.gauss(0.065, 0.045)))
        rows = []
        for year, factor in zip(self.data_years, (1.0, 1.0 + growth), strict=True):
            if year < founded:
                continue
            workers = max(1, round(workforce * (1.0 + (factor - 1.0) * 0.6)))
            female = round(workers * min(1.0, max(0.0, rng.gauss(spec.female_workers, 0.1))))
            year_turnover = None if turnover is None else round(turnover * factor, -5)
            value_base = year_turnover if year_turnover is not None else (investment or 0) * 2
            rows.append(
                {
                    "year": year,
                    "workforce_male": workers - female,
                    "workforce_female": female,
                    "investment": None
                    if investment is None
                    else round(investment * (1 + max(0.0, factor - 1) / 2), -5),
                    "turnover": year_turnover,
                    "production_capacity": Decimal(round(workers * spec.per_worker * rng.uniform(0.8, 1.2) * factor)),
                    "capacity_unit": spec.unit,
                    "production_value": round(value_base * rng.uniform(0.65, 0.9), -5) or None,
                }
            )
        return rows

    def money(self, workforce: int) -> tuple[int, int]:
        """Investment (modal usaha) and yearly turnover that fit a workforce size."""
        rng = self.rng
        if workforce <= 4:
            return rng.randint(5, 150) * JUTA, rng.randint(30, 480) * JUTA
        if workforce <= 19:
            # Most small industries stay under Rp1 M of investment; some have more (industri menengah by Permenperin).
            investment = rng.randint(60, 950) * JUTA if rng.random() < 0.85 else rng.randint(10, 25) * MILIAR // 10
            return investment, int(rng.triangular(300, 4000, 900)) * JUTA
        if workforce < 100:
            return int(rng.triangular(800, 12000, 2500)) * JUTA, int(rng.triangular(2500, 40000, 8000)) * JUTA
        return rng.randint(18, 60) * MILIAR, rng.randint(55, 150) * MILIAR

    def market_reach(self, trade: str, workforce: int) -> str:
        rng, export = self.rng, TRADES[trade].export
        if workforce >= 20:
            return MarketReach.EXPORT if export else MarketReach.NATIONAL
        roll = rng.random()
        if export and roll < (0.25 if workforce >= 5 else 0.08):
            return MarketReach.EXPORT
        if roll < 0.55:
            return MarketReach.LOCAL
        return MarketReach.REGIONAL if roll < 0.85 else MarketReach.NATIONAL

    def products(self, trade: str) -> list[dict]:
        choices = self.rng.sample(TRADES[trade].products, k=min(len(TRADES[trade].products), self.rng.randint(1, 3)))
        return [
            {"name": name, "description": description, "is_featured": index == 0}
            for index, (name, description) in enumerate(choices)
        ]

    def assistance(self, regency: str, founded: int) -> list[dict]:
        rng, rows = self.rng, []
        office = "Disperindag " + self.places.regencies[regency]
        for kind in rng.sample(list(ASSISTANCE), k=rng.randint(1, 2)):
            description, provider, low, high = rng.choice(ASSISTANCE[kind])
            year = rng.randint(max(founded, self.data_years[0] - 2), self.data_years[1])
            value = rng.randint(low, high) * JUTA if high else None
            rows.append(
                {
                    "year": year,
                    "kind": kind,
                    "description": description,
                    "provider": provider.format(office=office),
                    "value": value,
                }
            )
        return rows

    def obstacles(self) -> list[dict]:
        rng = self.rng
        return [
            {"kind": kind, "description": rng.choice(OBSTACLES[kind]), "year": self.data_years[1]}
            for kind in rng.sample(list(OBSTACLES), k=rng.randint(1, 2))
        ]

    # - one business -
    def business(
        self,
        trade: str,
        village: str,
        status: str,
        scale: str,
        sentra: str | None = None,
        name: str | None = None,
        legal_form: str | None = None,
        workforce: int | None = None,
    ) -> BusinessPlan:
        rng, spec, regency = self.rng, TRADES[trade], village[:5]
        female = rng.random() < spec.female_owner
        owner_name, nick = self.person(regency, female)
        if legal_form is None:
            legal_form = rng.choices(
                [LegalForm.PERORANGAN, LegalForm.UD, LegalForm.CV, LegalForm.PT_PERORANGAN, LegalForm.KUB],
                weights=[72, 17, 5, 3, 3] if scale == "mikro" else [35, 36, 22, 5, 2],
            )[0]
            if scale == "sedang" and legal_form == LegalForm.PERORANGAN:
                legal_form = LegalForm.CV
        name = name or self.business_name(trade, village, nick, legal_form)
        self.names.add(name.lower())
        first_year = self.data_years[0]
        founded = first_year - min(45, int(rng.expovariate(1 / 11)))
        if rng.random() < 0.03:
            founded = self.data_years[1]  # a new business: one data year only
        years = self.figures(trade, scale, founded, workforce)
        workforce_now = years[-1]["workforce_male"] + years[-1]["workforce_female"]
        active = status in (BusinessStatus.PUBLISHED, BusinessStatus.VERIFIED)
        with_nib = workforce_now >= 20 or rng.random() < (0.64 if active else 0.3)
        with_point = rng.random() < (0.93 if active or status == BusinessStatus.INACTIVE else 0.6)
        latitude, longitude = self.point(village) if with_point else (None, None)
        channels = rng.sample(ONLINE_CHANNELS, k=rng.choice((0, 0, 1, 2, 2, 3)))
        products = self.products(trade)
        plan = BusinessPlan(
            name=name,
            village=village,
            trade=trade,
            status=status,
            legal_form=legal_form,
            nib=self.nib() if with_nib else "",
            address=self.address(village),
            latitude=latitude,
            longitude=longitude,
            main_product=products[0]["name"],
            year_founded=founded,
            market_reach=self.market_reach(trade, workforce_now),
            online_channels=demo_links(name, channels)[1],
            links=demo_links(name, channels)[0],
            sentra=sentra,
            owner=self.owner(owner_name, female, village, status),
            years=years,
            products=products,
        )
        if status not in (BusinessStatus.DRAFT, BusinessStatus.REJECTED) and rng.random() < 0.35:
            plan.assistance = self.assistance(regency, founded)
        if rng.random() < 0.4:
            plan.obstacles = self.obstacles()
        return plan

    def owner(self, name: str, female: bool, village: str, status: str) -> dict:
        rng = self.rng
        phone = self.phone() if rng.random() < 0.9 else ""
        email = ""
        if rng.random() < 0.3:
            local = ".".join(part.lower() for part in name.split()[-2:])
            email = f"{local}{rng.randint(1, 99)}@{rng.choice(('example.com', 'example.net', 'example.org'))}"
        published = status == BusinessStatus.PUBLISHED
        consent = self.today - datetime.timedelta(days=rng.randint(30, 700))
        return {
            "name": name,
            "sex": Sex.FEMALE if female else Sex.MALE,
            "nik": self.nik(village, female) if rng.random() < 0.8 else "",
            "phone": phone,
            "email": email,
            "home_address": self.address(village),
            "phone_public_since": consent if phone and published and rng.random() < 0.05 else None,
            "email_public_since": consent if email and published and rng.random() < 0.1 else None,
        }

    def scale(self, in_sentra: bool) -> str:
        buckets = list(SCALE_WEIGHTS)
        return self.rng.choices(buckets, weights=[SCALE_WEIGHTS[b][1 if in_sentra else 0] for b in buckets])[0]

    # - the whole set -
    def plan(self) -> DemoPlan:
        businesses: list[BusinessPlan] = []
        officers: dict[str, list[dict]] = {}
        per_regency: Counter[str] = Counter()
        for spec in SENTRA:
            members = self.sentra_members(spec)
            businesses.extend(members)
            per_regency[spec.village[:5]] += len(members)
            officers[spec.name] = self.sentra_officers(spec, members)
        for trade, regency, village, name, legal_form, workforce in LARGE_FIRMS:
            businesses.append(
                self.business(
                    trade,
                    village,
                    BusinessStatus.PUBLISHED,
                    "besar",
                    name=name,
                    legal_form=legal_form,
                    workforce=workforce,
                )
            )
            per_regency[regency] += 1
        others: list[tuple[str, str]] = []
        for regency, (total, weights) in REGENCY_PLAN.items():
            trades = self.rng.choices(list(weights), weights=list(weights.values()), k=total - per_regency[regency])
            others.extend((regency, trade) for trade in trades)
        statuses = [status for status, count in STATUS_COUNTS.items() for _ in range(count)]
        statuses += [BusinessStatus.PUBLISHED] * (len(others) - len(statuses))
        self.rng.shuffle(statuses)
        for (regency, trade), status in zip(others, statuses, strict=True):
            village = self.village_for(trade, regency)
            businesses.append(self.business(trade, village, status, self.scale(False)))
        return DemoPlan(data_years=self.data_years, businesses=businesses, sentra_officers=officers)

    def sentra_members(self, spec: SentraSpec) -> list[BusinessPlan]:
        members = []
        for trade, status, count in spec.members:
            for _index in range(count):
                nearby = spec.neighbours and self.rng.random() < 0.3
                village = self.rng.choice(spec.neighbours) if nearby else spec.village
                members.append(self.business(trade, village, status, self.scale(True), sentra=spec.name))
        return members

    def sentra_officers(self, spec: SentraSpec, members: list[BusinessPlan]) -> list[dict]:
        """Ketua, sekretaris and bendahara, chosen among the members' owners."""
        chosen = self.rng.sample(members, k=3)
        return [
            {"position": position, "name": member.owner["name"], "phone": member.owner["phone"] or self.phone()}
            for position, member in zip(("Ketua", "Sekretaris", "Bendahara"), chosen, strict=True)
        ]


def build_plan(today: datetime.date | None = None, places: Places | None = None) -> DemoPlan:
    """Plan the demo data for the two data years before `today`. The businesses, sentra and their keys are the same
    for any date; seed_demo passes the date of its first load, so the figures and years stay those it loaded."""
    return Planner(places or Places.load(), today or timezone.localdate()).plan()


# --- writing ------------------------------------------------------------------------------------------------------
#
# What has been loaded is kept in DemoRecord, one row per unit of the plan under a stable key: the regions, the KBLI
# codes, each office and account, each sentra (with its officers, facilities and revitalisation records) and each
# business (with its owner, yearly figures, products, assistance and obstacles). A run creates only the units that
# have no record yet and never writes to a row it loaded before, so whatever staff did to a demo row since (renamed
# or moved it, changed its status, edited or deleted it or its child rows) stays as they left it. A run that finds
# every unit recorded writes nothing at all: that is the second `make run`.

REGIONS_KEY = "regions"
KBLI_KEY = "kbli"


def office_key(row: dict) -> str:
    return f"office:{row['region']}:{row['name']}"


def user_key(username: str) -> str:
    return f"user:{username}"


def sentra_key(spec: SentraSpec) -> str:
    return f"sentra:{spec.village}:{spec.name}"


def business_key(spec: BusinessPlan) -> str:
    return f"business:{spec.village}:{spec.name}"


def plan_keys(plan: DemoPlan) -> list[str]:
    """The stable key of every unit of the plan, in loading order."""
    return [
        REGIONS_KEY,
        KBLI_KEY,
        *(office_key(row) for row in OFFICES),
        *(user_key(row[0]) for row in STAFF),
        *(sentra_key(spec) for spec in SENTRA),
        *(business_key(spec) for spec in plan.businesses),
    ]


class Ledger:
    """The DemoRecord rows: which units of the plan were loaded (key → id of the row each became) and what this run
    adds. A unit whose row was deleted since stays recorded, so it is not loaded again."""

    def __init__(self, *, read: bool = True):
        rows = DemoRecord.objects.values_list("key", "object_id", "plan_date") if read else []
        self.loaded: dict[str, int | None] = {}
        dates = set()
        for key, object_id, plan_date in rows:
            self.loaded[key] = object_id
            dates.add(plan_date)
        # The plan is made for the date of the first load, so its data years do not move with the calendar.
        self.plan_date: datetime.date | None = min(dates) if dates else None
        self.new: list[DemoRecord] = []
        self.created: Counter[str] = Counter()

    def __contains__(self, key: str) -> bool:
        return key in self.loaded

    def get(self, key: str) -> int | None:
        return self.loaded.get(key)

    def record(self, key: str, object_id: int | None = None) -> None:
        self.loaded[key] = object_id
        self.new.append(DemoRecord(key=key, object_id=object_id, plan_date=self.plan_date or timezone.localdate()))

    def save(self) -> None:
        DemoRecord.objects.bulk_create(self.new)
        self.new = []


def _validated(obj, *, constraints: bool = True):
    """Run full_clean() (fields, clean(), unique and check constraints) and hand the object back.

    constraints=False skips only the database round trip per constraint; BusinessYear uses it because its check
    constraints repeat its field validators (which still run) and resolving its generated scale columns for every
    constraint costs seconds. The database enforces the constraints on insert all the same.
    """
    obj.full_clean(validate_constraints=constraints)
    return obj


def _adoptable(model, pairs: set[tuple[str, str]]) -> dict[tuple[str, str], int]:
    """Rows of `model` (Business or Sentra) whose (desa, name) is one of `pairs` now, or was when the row was created
    (its first history version), lowest id first.

    This is how a unit without a DemoRecord finds the row an older seed_demo (before DemoRecord existed) or a staff
    member already made for it, even when that row has been renamed, moved or deleted since: such a unit is recorded
    as loaded instead of being created a second time.
    """
    if not pairs:
        return {}
    villages, names = {village for village, _name in pairs}, {name for _village, name in pairs}
    first_versions = model.history.filter(history_type="+", village_id__in=villages, name__in=names)
    rows = [
        *first_versions.values_list("village_id", "name", "id"),
        *model.objects.filter(village_id__in=villages, name__in=names).values_list("village_id", "name", "pk"),
    ]
    found: dict[tuple[str, str], int] = {}
    for village, name, pk in sorted(rows, key=lambda row: row[2]):
        if (village, name) in pairs:
            found.setdefault((village, name), pk)
    return found


def load_regions(progress: Callable[[str], None], ledger: Ledger | None = None) -> None:
    """Bali's province, 9 regencies, 57 kecamatan and 716 desa/kelurahan, when any of them is missing."""
    ledger = ledger or Ledger(read=False)
    if REGIONS_KEY in ledger:
        return
    places = Places.load()
    codes = {PROVINCE, *places.regencies, *places.districts, *places.villages}
    if Region.objects.filter(code__in=codes).count() < len(codes):
        regions_import(directory=REGIONS_DIR, progress=progress)
    ledger.record(REGIONS_KEY)


def load_kbli(ledger: Ledger | None = None) -> int:
    """Create the codes of KBLI_ROWS that are missing, parents before children (existing codes are left as they
    are); returns how many were created."""
    ledger = ledger or Ledger(read=False)
    if KBLI_KEY in ledger:
        return 0
    existing = set(Kbli.objects.filter(code__in=[code for code, _title in KBLI_ROWS]).values_list("code", flat=True))
    created = 0
    for code, title in sorted(KBLI_ROWS, key=lambda row: (len(row[0]) if row[0].isdigit() else 1, row[0])):
        if code in existing:
            continue
        level = KBLI_LEVELS[len(code)] if code.isdigit() else KbliLevel.SECTION
        parent = None if level == KbliLevel.SECTION else ("C" if level == KbliLevel.DIVISION else code[:-1])
        _validated(Kbli(code=code, title=title, level=level, parent_id=parent)).save()
        created += 1
    ledger.record(KBLI_KEY)
    return created


def load_offices(ledger: Ledger | None = None) -> dict[str, Office]:
    """The demo offices that exist, keyed by region code: those loaded before as they are now, the others found by
    region + name or created."""
    ledger = ledger or Ledger(read=False)
    offices = {}
    for row in OFFICES:
        key = office_key(row)
        if key in ledger:
            office = Office.objects.filter(pk=ledger.get(key)).first()
        else:
            values = dict(row)
            region, name = values.pop("region"), values.pop("name")
            office = Office.objects.filter(region_id=region, name=name).order_by("pk").first()
            if office is None:
                office = _validated(Office(region_id=region, name=name, **values))
                office.save()
                ledger.created["offices"] += 1
            ledger.record(key, office.pk)
        if office is not None:
            offices[row["region"]] = office
    return offices


def load_users(offices: dict[str, Office], ledger: Ledger | None = None) -> dict[str, object]:
    """The demo accounts that exist, keyed by username. A missing account is created with DEMO_PASSWORD and its office
    membership; an account that exists already (loaded before, or made by someone else) is left untouched."""
    ledger = ledger or Ledger(read=False)
    User = get_user_model()
    password = None  # hashed once, and only when an account is created: hashing is slow on purpose
    users = {}
    for username, first_name, last_name, role, region in STAFF:
        key = user_key(username)
        if key in ledger:
            user = User.objects.filter(pk=ledger.get(key)).first()
        else:
            user = User.objects.filter(username=username).first()
            if user is None:
                password = password or make_password(DEMO_PASSWORD)
                user = User(
                    username=username,
                    first_name=first_name,
                    last_name=last_name,
                    email=f"{username}@example.org",
                    is_active=True,
                    is_staff=True,
                    is_superuser=role is None,
                    password=password,
                )
                _validated(user).save()
                ledger.created["accounts"] += 1
                if role is not None and region in offices:
                    _validated(StaffMembership(user=user, office=offices[region], role=role)).save()
            ledger.record(key, user.pk)
        if user is not None:
            users[username] = user
    return users


def refresh_passwords() -> int:
    """Reset the demo accounts to DEMO_PASSWORD (and active); returns how many accounts were touched."""
    usernames = [row[0] for row in STAFF]
    return (
        get_user_model()
        .objects.filter(username__in=usernames)
        .update(password=make_password(DEMO_PASSWORD), is_active=True, is_staff=True)
    )


def load_sentra(plan: DemoPlan, ledger: Ledger) -> dict[str, Sentra]:
    """The demo sentra that exist, keyed by planned name. A sentra never loaded is found (see _adoptable) or created
    with its officers, facilities and revitalisation records; one loaded before is left as it is now."""
    pending = [spec for spec in SENTRA if sentra_key(spec) not in ledger]
    adopted = _adoptable(Sentra, {(spec.village, spec.name) for spec in pending})
    created: list[tuple[SentraSpec, Sentra]] = []
    for spec in pending:
        if (spec.village, spec.name) in adopted:
            ledger.record(sentra_key(spec), adopted[(spec.village, spec.name)])
            continue
        sentra = Sentra(village_id=spec.village, name=spec.name, kbli_id=spec.kbli)
        for attr in (
            "main_product",
            "address",
            "decree_number",
            "decree_date",
            "decree_issuer",
            "institution",
            "upt_name",
            "year_established",
            "description",
        ):
            setattr(sentra, attr, getattr(spec, attr))
        _validated(sentra)
        sentra._change_reason = HISTORY_REASON
        sentra.save()
        ledger.record(sentra_key(spec), sentra.pk)
        created.append((spec, sentra))
    officers, facilities, revitalisations = [], [], []
    for spec, sentra in created:
        officers += [_validated(SentraOfficer(sentra=sentra, **row)) for row in plan.sentra_officers[spec.name]]
        facilities += [
            _validated(
                SentraFacility(sentra=sentra, name=name, quantity=quantity, condition=condition, year_acquired=year)
            )
            for name, quantity, condition, year in spec.facilities
        ]
        revitalisations += [
            _validated(
                SentraRevitalisation(sentra=sentra, year=year, activity=activity, funding_source=source, amount=amount)
            )
            for year, activity, source, amount in spec.revitalisations
        ]
    for model, rows in (
        (SentraOfficer, officers),
        (SentraFacility, facilities),
        (SentraRevitalisation, revitalisations),
    ):
        bulk_create_with_history(rows, model, default_change_reason=HISTORY_REASON)
    ledger.created["sentra"] += len(created)
    ids = {spec.name: ledger.get(sentra_key(spec)) for spec in SENTRA}
    rows = Sentra.objects.in_bulk([pk for pk in ids.values() if pk is not None])
    return {name: rows[pk] for name, pk in ids.items() if pk in rows}


def _creator(village: str, users: dict) -> object:
    """Who entered the record: the regency operator where there is one, else the province staff (None if gone)."""
    username = {"51.03": "operator.badung", "51.71": "operator.denpasar"}.get(village[:5], "staf.bali")
    return users.get(username)


def load_businesses(plan: DemoPlan, sentra: dict[str, Sentra], users: dict, ledger: Ledger) -> int:
    """Create the planned businesses never loaded, with their owner, years, products, assistance and obstacles; a
    business loaded before (or found, see _adoptable) is left as it is now. Returns how many were created."""
    pending = [spec for spec in plan.businesses if business_key(spec) not in ledger]
    adopted = _adoptable(Business, {spec.key for spec in pending})
    specs = []
    for spec in pending:
        if spec.key in adopted:
            ledger.record(business_key(spec), adopted[spec.key])
        else:
            specs.append(spec)
    # A planned NIB that another business holds stays with it; the demo business goes without.
    taken = set(Business.objects.filter(nib__in={spec.nib for spec in specs if spec.nib}).values_list("nib", flat=True))
    objects = []
    for spec in specs:
        trade = TRADES[spec.trade]
        obj = Business(
            village_id=spec.village,
            name=spec.name,
            legal_form=spec.legal_form,
            nib="" if spec.nib in taken else spec.nib,
            address=spec.address,
            latitude=spec.latitude,
            longitude=spec.longitude,
            kbli_id=trade.kbli,
            subsector_id=trade.subsector,
            main_product=spec.main_product,
            raw_materials=trade.raw_materials,
            year_founded=spec.year_founded,
            market_reach=spec.market_reach,
            online_channels=spec.online_channels,
            sentra=sentra.get(spec.sentra) if spec.sentra else None,
            created_by=_creator(spec.village, users),
        )
        objects.append(_validated(BUSINESS_WORKFLOW.initial(obj, spec.status)))
    objects = bulk_create_with_history(objects, Business, batch_size=500, default_change_reason=HISTORY_REASON)
    # Each gets its first status entry, as the seed command ("created as published").
    # A returned or rejected record carries the note staff would have written (its owner reads it on their page).
    for status, note in (
        (None, HISTORY_REASON),
        (BusinessStatus.RETURNED, DEMO_RETURN_NOTE),
        (BusinessStatus.REJECTED, DEMO_REJECT_NOTE),
    ):
        group = [
            obj
            for obj in objects
            if obj.status == status
            or (status is None and obj.status not in (BusinessStatus.RETURNED, BusinessStatus.REJECTED))
        ]
        BUSINESS_WORKFLOW.log_created(group, actor=SystemActor("seed_demo"), note=note)
    owners, years, products, assistance, obstacles, links = [], [], [], [], [], []
    for spec, obj in zip(specs, objects, strict=True):
        links += [BusinessLink(business=obj, platform=platform, url=url) for platform, url in spec.links]
        ledger.record(business_key(spec), obj.pk)
        owners.append(_validated(Owner(business=obj, **spec.owner)))
        years += [_validated(BusinessYear(business=obj, **row), constraints=False) for row in spec.years]
        products += [_validated(Product(business=obj, **row)) for row in spec.products]
        assistance += [_validated(Assistance(business=obj, **row)) for row in spec.assistance]
        obstacles += [_validated(Obstacle(business=obj, **row)) for row in spec.obstacles]
    for model, rows in (
        (Owner, owners),
        (BusinessYear, years),
        (Product, products),
        (Assistance, assistance),
        (Obstacle, obstacles),
        (BusinessLink, links),
    ):
        bulk_create_with_history(rows, model, batch_size=500, default_change_reason=HISTORY_REASON)
    ledger.created["businesses"] += len(specs)
    return len(specs)


def demo_business_ids(plan: DemoPlan, ledger: Ledger | None = None) -> list[int]:
    """Ids of the demo businesses that still exist (by the ledger, whatever their name and desa are now)."""
    ledger = ledger or Ledger()
    ids = [ledger.get(business_key(spec)) for spec in plan.businesses]
    return list(Business.objects.filter(pk__in=[pk for pk in ids if pk is not None]).values_list("pk", flat=True))


def database_counts(plan: DemoPlan, ledger: Ledger | None = None) -> dict[str, int]:
    """Row counts of the demo's own rows as they are now (rows staff deleted are gone, rows they added count)."""
    ledger = ledger or Ledger()
    ids = demo_business_ids(plan, ledger)
    sentra_ids = [ledger.get(sentra_key(spec)) for spec in SENTRA]
    sentra = Sentra.objects.filter(pk__in=[pk for pk in sentra_ids if pk is not None])
    sentra_counts = sentra.aggregate(
        sentra=Count("pk", distinct=True),
        officers=Count("officers", distinct=True),
        facilities=Count("facilities", distinct=True),
        revitalisations=Count("revitalisations", distinct=True),
    )
    return {
        "businesses": len(ids),
        "owners": Owner.objects.filter(business_id__in=ids).count(),
        "years": BusinessYear.objects.filter(business_id__in=ids).count(),
        "products": Product.objects.filter(business_id__in=ids).count(),
        "assistance": Assistance.objects.filter(business_id__in=ids).count(),
        "obstacles": Obstacle.objects.filter(business_id__in=ids).count(),
        **sentra_counts,
    }


@dataclass
class SeedResult:
    """What a run of seed_demo did."""

    created: dict[str, int]  # rows created by this run: businesses, sentra, offices, accounts (empty: nothing)
    counts: dict[str, int]  # the demo rows as they are now
    data_years: tuple[int, int]
    plan_date: datetime.date  # the date the plan was made for (the first load)
    passwords_reset: int = 0


class ConcurrentSeed(Exception):
    """Another seed_demo recorded the same units at the same time; this run wrote nothing."""


def seed(*, reset_passwords: bool = False, progress: Callable[[str], None] = lambda message: None) -> SeedResult:
    """Load the units of the demo plan that were never loaded (all or nothing), and report the demo as it is now.

    A run that finds every unit recorded writes nothing (the fast path of a second `make run`); `reset_passwords`
    sets the demo accounts back to DEMO_PASSWORD.
    """
    with transaction.atomic():
        ledger = Ledger()
        ledger.plan_date = ledger.plan_date or timezone.localdate()
        plan = build_plan(ledger.plan_date)
        pending = [key for key in plan_keys(plan) if key not in ledger]
        if pending:
            progress(_("Wilayah Bali …"))
            load_regions(progress, ledger)
            kbli_count = load_kbli(ledger)
            progress(
                ngettext("KBLI: %(count)s kode baru", "KBLI: %(count)s kode baru", kbli_count) % {"count": kbli_count}
            )
            offices = load_offices(ledger)
            users = load_users(offices, ledger)
            progress(_("Kantor: %(offices)s, akun: %(accounts)s") % {"offices": len(offices), "accounts": len(users)})
            sentra = load_sentra(plan, ledger)
            progress(_("Sentra: %(count)s") % {"count": len(sentra)})
            created = load_businesses(plan, sentra, users, ledger)
            progress(_("IKM baru: %(count)s") % {"count": created})
            try:
                with transaction.atomic():
                    ledger.save()
            except IntegrityError as error:
                raise ConcurrentSeed(str(error)) from error
            if sum(ledger.created.values()):
                bump_public_version()  # bulk writes send no signals
        else:
            progress(_("Semua bagian data demo sudah pernah dimuat; tidak ada yang ditulis."))
        for demo_set in demo_sets:  # what other apps add (events …), each idempotent on its own
            progress(demo_set.load(progress))
        passwords_reset = refresh_passwords() if reset_passwords else 0
        return SeedResult(
            created={kind: count for kind, count in ledger.created.items() if count},
            counts=database_counts(plan, ledger),
            data_years=plan.data_years,
            plan_date=ledger.plan_date,
            passwords_reset=passwords_reset,
        )


# --- reading back -------------------------------------------------------------------------------------------------


def demo_logins() -> list[dict[str, str]]:
    """The demo accounts: username, password, role label and office name (for the command, Makefile and README)."""
    office_names = {row["region"]: row["name"] for row in OFFICES}
    return [
        {
            "username": username,
            "password": DEMO_PASSWORD,
            "role": StaffRole(role).label if role else _("Superuser"),
            "office": office_names[region] if region else "—",
        }
        for username, _first, _last, role, region in STAFF
    ]


def demo_summary(plan: DemoPlan | None = None) -> dict:
    """Counts of the demo businesses per regency, per status and per BPS scale in each data year, and whether
    each sentra meets PP 29/2018 (at least five active members of the sentra's KBLI class)."""
    ledger = Ledger()
    plan = plan or build_plan(ledger.plan_date)
    ids = demo_business_ids(plan, ledger)
    businesses = Business.objects.filter(pk__in=ids)
    regencies = dict(Region.objects.filter(code__in=REGENCY_PLAN).values_list("code", "name"))
    per_regency = Counter()
    for village, count in businesses.values_list("village_id").annotate(n=Count("pk")).order_by():
        per_regency[regencies.get(village[:5], village[:5])] += count
    scales = {
        str(year): dict(
            BusinessYear.objects.filter(business_id__in=ids, year=year)
            .values_list("scale_bps")
            .annotate(n=Count("pk"))
            .order_by("scale_bps")
        )
        for year in plan.data_years
    }
    sentra_ids = [ledger.get(sentra_key(spec)) for spec in SENTRA]
    sentra = Sentra.objects.filter(pk__in=[pk for pk in sentra_ids if pk is not None])
    sentra = sentra.with_member_counts().order_by("name")
    return {
        "per_regency": dict(sorted(per_regency.items())),
        "per_status": dict(businesses.values_list("status").annotate(n=Count("pk")).order_by("status")),
        "per_scale_bps": scales,
        "sentra": [
            {
                "name": s.name,
                "kbli": s.kbli_id,
                "members": s.member_count,
                "similar_members": s.similar_member_count,
                "meets_pp29": s.meets_pp29,
            }
            for s in sentra
        ],
    }
