"""import_regions and import_kbli: small files in the shared layout, bad files refused whole, and the national set."""

from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db.models import Count

from ikm_registry.choices import KbliLevel, RegionKind, RegionLevel
from ikm_registry.models import Kbli, Region

SHARED_DATA = Path(settings.BASE_DIR).parent / "shared" / "data"

HEADERS = {
    "provinces.csv": "code,name",
    "regencies.csv": "code,province_code,name,type",
    "districts.csv": "code,regency_code,name",
    "villages.csv": "code,district_code,name,type",
}
BALI = {
    "provinces.csv": ["51,Bali", "52,Nusa Tenggara Barat"],
    "regencies.csv": ["51.03,51,Kabupaten Badung,KABUPATEN", "51.71,51,Kota Denpasar,KOTA"],
    "districts.csv": ["51.03.01,51.03,Kuta", "51.03.02,51.03,Mengwi", "51.71.01,51.71,Denpasar Selatan"],
    "villages.csv": [
        "51.03.01.1001,51.03.01,Tuban,KELURAHAN",
        "51.03.02.2001,51.03.02,Munggu,DESA",
        "51.71.01.1001,51.71.01,Serangan,KELURAHAN",
        "51.71.01.2007,51.71.01,Sidakarya,DESA",
    ],
}


def write_regions(directory: Path, files: dict[str, list[str]] = BALI, *, headers: dict[str, str] = HEADERS) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for name, header in headers.items():
        (directory / name).write_text("\n".join([header, *files.get(name, [])]) + "\n", encoding="utf-8")
    return directory


def with_rows(filename: str, rows: list[str]) -> dict[str, list[str]]:
    return BALI | {filename: rows}


def import_regions(directory: Path) -> str:
    out = StringIO()
    call_command("import_regions", str(directory), stdout=out)
    return out.getvalue()


def import_kbli(path: Path) -> str:
    out = StringIO()
    call_command("import_kbli", str(path), stdout=out)
    return out.getvalue()


def counts_by(model, field: str) -> dict[str, int]:
    return dict(model.objects.values_list(field).annotate(n=Count("pk")).order_by())


# --- import_regions -----------------------------------------------------------------------------------------------


def test_import_regions_creates_every_row_with_its_level(db, tmp_path):
    import_regions(write_regions(tmp_path))
    assert counts_by(Region, "level") == {
        RegionLevel.PROVINCE: 2,
        RegionLevel.REGENCY: 2,
        RegionLevel.DISTRICT: 3,
        RegionLevel.VILLAGE: 4,
    }


def test_import_regions_sets_kinds_from_the_type_column(db, tmp_path):
    import_regions(write_regions(tmp_path))
    kinds = dict(Region.objects.values_list("code", "kind"))
    assert kinds["51.03"] == RegionKind.KABUPATEN
    assert kinds["51.71"] == RegionKind.KOTA
    assert kinds["51.03.01.1001"] == RegionKind.KELURAHAN
    assert kinds["51.03.02.2001"] == RegionKind.DESA
    assert kinds["51"] == kinds["51.03.01"] == ""


def test_import_regions_links_each_row_to_its_parent(db, tmp_path):
    import_regions(write_regions(tmp_path))
    parents = dict(Region.objects.values_list("code", "parent_id"))
    assert parents == {
        "51": None,
        "52": None,
        "51.03": "51",
        "51.71": "51",
        "51.03.01": "51.03",
        "51.03.02": "51.03",
        "51.71.01": "51.71",
        "51.03.01.1001": "51.03.01",
        "51.03.02.2001": "51.03.02",
        "51.71.01.1001": "51.71.01",
        "51.71.01.2007": "51.71.01",
    }


def test_import_regions_reports_what_it_created(db, tmp_path):
    output = import_regions(write_regions(tmp_path))
    assert "villages.csv: 4 baris, 4 baru, 0 diperbarui, 0 tetap" in output


def test_import_regions_collapses_whitespace_in_names(db, tmp_path):
    import_regions(
        write_regions(
            tmp_path, with_rows("districts.csv", BALI["districts.csv"][:2] + ['51.71.01,51.71,"  Denpasar   Selatan "'])
        )
    )
    assert Region.objects.get(code="51.71.01").name == "Denpasar Selatan"


def test_running_import_regions_again_changes_nothing(db, tmp_path):
    directory = write_regions(tmp_path)
    import_regions(directory)
    before = list(Region.objects.values_list("code", "name", "level", "kind", "parent_id"))

    output = import_regions(directory)

    assert output.count(", 0 baru, 0 diperbarui,") == 4
    assert "villages.csv: 4 baris, 0 baru, 0 diperbarui, 4 tetap" in output
    assert list(Region.objects.values_list("code", "name", "level", "kind", "parent_id")) == before


def test_import_regions_updates_a_changed_name(db, tmp_path):
    import_regions(write_regions(tmp_path / "first"))
    renamed = with_rows("villages.csv", [row.replace("Serangan", "Pulau Serangan") for row in BALI["villages.csv"]])

    output = import_regions(write_regions(tmp_path / "second", renamed))

    assert Region.objects.get(code="51.71.01.1001").name == "Pulau Serangan"
    assert "villages.csv: 4 baris, 0 baru, 1 diperbarui, 3 tetap" in output
    assert Region.objects.count() == 11


def test_import_regions_adds_new_codes_under_parents_already_in_the_database(db, tmp_path):
    import_regions(write_regions(tmp_path / "first"))
    update = {"villages.csv": ["51.03.01.1002,51.03.01,Kuta,KELURAHAN"]}  # the other files hold only their header

    import_regions(write_regions(tmp_path / "second", update))

    assert Region.objects.get(code="51.03.01.1002").parent_id == "51.03.01"
    assert Region.objects.count() == 12


@pytest.mark.parametrize(
    ("filename", "rows", "fragments"),
    [
        (
            "regencies.csv",
            ["51.03,51,Kabupaten Badung,KABUPATEN", "51.7,51,Kota Denpasar,KOTA"],
            ["regencies.csv baris 3", "kode 51.7 tidak sesuai tingkat"],
        ),
        (
            "villages.csv",
            BALI["villages.csv"][:2] + ["51.71.01.101,51.71.01,Serangan,KELURAHAN"],
            ["villages.csv baris 4", "51.71.01.101"],
        ),
        (
            "districts.csv",
            ["51.03.01,51.03,Kuta", "51.71.01,51.03,Denpasar Selatan"],
            ["districts.csv baris 3", "tidak diawali kode induk 51.03"],
        ),
        (
            "villages.csv",
            ["51.03.01.1001,51.03.01,Tuban,KELURAHAN", "51.03.09.2001,51.03.09,Entah,DESA"],
            ["villages.csv baris 3", "induk 51.03.09", "tidak ada"],
        ),
        ("districts.csv", ["51.03.01,51.03,Kuta", "51.03.02,51.03,"], ["districts.csv baris 3", "nama kosong"]),
        (
            "regencies.csv",
            ["51.03,51,Kabupaten Badung,KABUPATEN", "51.71,51,Kota Denpasar,KOTAMADYA"],
            ["regencies.csv baris 3", "KOTAMADYA"],
        ),
    ],
    ids=["bad-regency-code", "bad-village-code", "code-outside-parent", "unknown-parent", "empty-name", "unknown-type"],
)
def test_import_regions_refuses_a_bad_row_naming_file_and_line_and_writes_nothing(
    db, tmp_path, filename, rows, fragments
):
    directory = write_regions(tmp_path, with_rows(filename, rows))
    with pytest.raises(CommandError) as excinfo:
        import_regions(directory)
    for fragment in fragments:
        assert fragment in str(excinfo.value)
    assert Region.objects.count() == 0


def test_import_regions_refuses_a_file_without_a_required_column(db, tmp_path):
    directory = write_regions(tmp_path, headers=HEADERS | {"districts.csv": "code,name"})
    with pytest.raises(CommandError) as excinfo:
        import_regions(directory)
    assert "districts.csv" in str(excinfo.value)
    assert "tidak memiliki kolom: regency_code" in str(excinfo.value)
    assert Region.objects.count() == 0


def test_import_regions_refuses_a_missing_file(db, tmp_path):
    directory = write_regions(tmp_path)
    (directory / "villages.csv").unlink()
    with pytest.raises(CommandError, match=r"villages\.csv tidak ditemukan"):
        import_regions(directory)
    assert Region.objects.count() == 0


def test_a_refused_reimport_leaves_earlier_data_untouched(db, tmp_path):
    import_regions(write_regions(tmp_path / "first"))
    broken = BALI | {
        "provinces.csv": ["51,Provinsi Bali", "52,Nusa Tenggara Barat"],
        "villages.csv": ["51.03.01.1001,51.03.01,Tuban,KELURAHAN", "51.03.09.2001,51.03.09,Entah,DESA"],
    }
    with pytest.raises(CommandError):
        import_regions(write_regions(tmp_path / "second", broken))
    assert Region.objects.get(code="51").name == "Bali"
    assert Region.objects.count() == 11


# --- import_kbli --------------------------------------------------------------------------------------------------

KBLI_HEADER = "code,title,level,parent_code"
KBLI_ROWS = [
    "C,Industri Pengolahan,section,",
    "13,Industri tekstil,division,C",
    '131,"Industri pemintalan, pertenunan dan penyempurnaan tekstil",group,13',
    "1313,Industri Penyempurnaan Tekstil,class,131",
    "13133,Industri Pencetakan Kain,subclass,1313",
    "13134,Industri Batik,subclass,1313",
    "32,Industri pengolahan lainnya,division,C",
    "321,Industri barang perhiasan dan barang berharga,group,32",
    "3211,Industri Perhiasan dan Barang Sejenis,class,321",
    "32112,Industri Barang Perhiasan Dari Logam Mulia Untuk Keperluan Pribadi,subclass,3211",
]


def write_kbli(path: Path, rows: list[str] = KBLI_ROWS, header: str = KBLI_HEADER) -> Path:
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def test_import_kbli_creates_every_code_with_level_and_parent(db, tmp_path):
    import_kbli(write_kbli(tmp_path / "kbli.csv"))
    assert counts_by(Kbli, "level") == {
        KbliLevel.SECTION: 1,
        KbliLevel.DIVISION: 2,
        KbliLevel.GROUP: 2,
        KbliLevel.CLASS: 2,
        KbliLevel.SUBCLASS: 3,
    }
    batik = Kbli.objects.get(code="13134")
    assert (batik.title, batik.parent_id, batik.parent.parent_id) == ("Industri Batik", "1313", "131")
    assert Kbli.objects.get(code="131").title == "Industri pemintalan, pertenunan dan penyempurnaan tekstil"


def test_import_kbli_accepts_children_listed_before_their_parents(db, tmp_path):
    import_kbli(write_kbli(tmp_path / "kbli.csv", list(reversed(KBLI_ROWS))))
    assert Kbli.objects.count() == len(KBLI_ROWS)
    assert Kbli.objects.get(code="32112").parent_id == "3211"


def test_running_import_kbli_again_changes_nothing(db, tmp_path):
    path = write_kbli(tmp_path / "kbli.csv")
    import_kbli(path)
    before = list(Kbli.objects.values_list("code", "title", "level", "parent_id"))

    output = import_kbli(path)

    assert "kbli.csv: 10 baris, 0 baru, 0 diperbarui, 10 tetap" in output
    assert list(Kbli.objects.values_list("code", "title", "level", "parent_id")) == before


def test_import_kbli_updates_a_changed_title(db, tmp_path):
    import_kbli(write_kbli(tmp_path / "kbli.csv"))
    rows = [row.replace("Industri Batik", "Industri  Batik Tulis ") for row in KBLI_ROWS]

    output = import_kbli(write_kbli(tmp_path / "kbli.csv", rows))

    assert Kbli.objects.get(code="13134").title == "Industri Batik Tulis"
    assert "1 diperbarui" in output


@pytest.mark.parametrize(
    ("bad_row", "fragments"),
    [
        ("13135,Industri Tenun,subkelas,1313", ["tingkat subkelas tidak dikenal"]),
        ("1314,Industri Tenun,subclass,1313", ["kode tidak sesuai tingkat"]),
        ("13135,Industri Tenun,subclass,", ["induk kosong"]),
        ("13135,,subclass,1313", ["judul kosong"]),
    ],
    ids=["unknown-level", "code-not-matching-level", "no-parent", "no-title"],
)
def test_import_kbli_refuses_a_bad_row_naming_file_and_line_and_writes_nothing(db, tmp_path, bad_row, fragments):
    path = write_kbli(tmp_path / "kbli.csv", KBLI_ROWS + [bad_row])
    with pytest.raises(CommandError) as excinfo:
        import_kbli(path)
    assert f"kbli.csv baris {len(KBLI_ROWS) + 2}" in str(excinfo.value)
    for fragment in fragments:
        assert fragment in str(excinfo.value)
    assert Kbli.objects.count() == 0


def test_import_kbli_refuses_a_missing_parent_and_writes_nothing(db, tmp_path):
    path = write_kbli(tmp_path / "kbli.csv", KBLI_ROWS + ["10794,Industri Kerupuk,subclass,1079"])
    with pytest.raises(CommandError) as excinfo:
        import_kbli(path)
    assert "kbli.csv" in str(excinfo.value)
    assert "induk 1079 dari kode 10794 tidak ada" in str(excinfo.value)
    assert Kbli.objects.count() == 0


def test_import_kbli_accepts_a_parent_already_in_the_database(db, tmp_path):
    import_kbli(write_kbli(tmp_path / "kbli.csv"))
    import_kbli(write_kbli(tmp_path / "more.csv", ["13132,Industri Penyempurnaan Kain,subclass,1313"]))
    assert Kbli.objects.get(code="13132").parent_id == "1313"


def test_import_kbli_refuses_a_file_without_a_required_column(db, tmp_path):
    path = write_kbli(tmp_path / "kbli.csv", [row.rsplit(",", 1)[0] for row in KBLI_ROWS], header="code,title,level")
    with pytest.raises(CommandError) as excinfo:
        import_kbli(path)
    assert "kbli.csv" in str(excinfo.value)
    assert "tidak memiliki kolom: parent_code" in str(excinfo.value)
    assert Kbli.objects.count() == 0


# --- the national reference data ----------------------------------------------------------------------------------


def shared_file(*parts: str) -> Path:
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        pytest.fail(f"Reference data not found at {path}; it must sit beside the checkout (../shared/data).")
    return path


@pytest.mark.slow
def test_import_regions_loads_the_national_set_and_a_second_run_adds_nothing(db):
    directory = shared_file("regions")
    import_regions(directory)

    assert counts_by(Region, "level") == {
        RegionLevel.PROVINCE: 38,
        RegionLevel.REGENCY: 514,
        RegionLevel.DISTRICT: 7_285,
        RegionLevel.VILLAGE: 83_762,
    }
    assert counts_by(Region, "kind") == {
        "": 38 + 7_285,
        RegionKind.KABUPATEN: 416,
        RegionKind.KOTA: 98,
        RegionKind.DESA: 75_266,
        RegionKind.KELURAHAN: 8_496,
    }
    denpasar = Region.objects.in_region("51.71")
    assert denpasar.filter(level=RegionLevel.DISTRICT).count() == 4
    assert denpasar.filter(level=RegionLevel.VILLAGE).count() == 43

    output = import_regions(directory)

    assert output.count(", 0 baru, 0 diperbarui,") == 4
    assert Region.objects.count() == 38 + 514 + 7_285 + 83_762


@pytest.mark.slow
def test_import_kbli_loads_the_full_kbli_2020(db):
    path = shared_file("kbli2020.csv")
    import_kbli(path)

    assert Kbli.objects.count() == 2_706
    assert counts_by(Kbli, "level") == {
        KbliLevel.SECTION: 21,
        KbliLevel.DIVISION: 87,
        KbliLevel.GROUP: 244,
        KbliLevel.CLASS: 566,
        KbliLevel.SUBCLASS: 1_788,
    }
    assert Kbli.objects.get(code="13134").parent.parent.parent.parent_id == "C"
    assert "kbli2020.csv: 2.706 baris, 0 baru, 0 diperbarui, 2.706 tetap" in import_kbli(path)
