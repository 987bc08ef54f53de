"""The business import at national scale (issue 15): a file is read, checked and written chunk by chunk, each chunk
matched with indexed lookups of its own NIBs and desa, all in one transaction — memory follows the chunk, not the
file and not the registry, and a file with an invalid row still writes nothing."""

import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from businesses.models import Business
from businesses.services.importing import BusinessImporter, businesses_import
from ikm_registry.models import TabularImport
from tests.business_files import csv_bytes, row, write
from tests.factories import BusinessFactory

YEAR = timezone.localdate().year


@pytest.fixture
def chunks_of_two(monkeypatch):
    monkeypatch.setattr(BusinessImporter, "chunk_size", 2)


def run(content: bytes, user, **options):
    return businesses_import(source=io.BytesIO(content), filename="ikm.csv", user=user, year=YEAR, **options)


@pytest.mark.usefixtures("chunks_of_two")
def test_a_file_of_several_chunks_is_written_whole(operator):
    result = run(csv_bytes([row(n, nib=f"91200000000{n:02d}") for n in range(1, 8)]), operator)
    assert result.written and (result.created, result.invalid) == (7, 0)
    assert [outcome.row for outcome in result.plan.rows] == list(range(2, 9))
    assert Business.objects.count() == 7
    assert result.plan.writes == [] and not result.plan.writes_kept  # nothing of the chunks kept


@pytest.mark.usefixtures("chunks_of_two")
def test_an_invalid_row_in_a_late_chunk_leaves_nothing_written(operator):
    """The first chunks are written before the invalid row is met; the transaction takes them back."""
    rows = [row(n) for n in range(1, 6)] + [row(6, kbli="99999")]
    result = run(csv_bytes(rows), operator)
    assert not result.written and result.invalid == 1
    assert [(error.row, error.column) for error in result.plan.errors] == [(7, "kbli")]
    assert not Business.objects.exists()


@pytest.mark.usefixtures("chunks_of_two")
def test_skipping_invalid_rows_writes_the_valid_rows_of_every_chunk(operator):
    rows = [row(1), row(2, kbli="99999"), row(3), row(4), row(5, kode_wilayah="51.71.01.1001"), row(6)]
    result = run(csv_bytes(rows), operator, skip_invalid=True)
    assert result.written and (result.created, result.invalid) == (4, 2)
    assert Business.objects.count() == 4


@pytest.mark.usefixtures("chunks_of_two")
def test_a_row_repeating_one_of_an_earlier_chunk_is_refused(operator):
    rows = [row(1, nib="9120000000001"), row(2), row(3), row(4, nib="9120000000001"), row(2)]
    result = run(csv_bytes(rows), operator)
    assert {(error.row, error.message) for error in result.plan.errors} == {
        (5, "NIB sama dengan baris 2."),
        (6, "Nama usaha, nama pemilik dan desa sama dengan baris 3."),
    }
    assert not result.written and not Business.objects.exists()


@pytest.mark.usefixtures("chunks_of_two")
def test_rows_of_every_chunk_match_registered_businesses_by_nib_and_by_name_owner_and_desa(operator, bali_regions):
    by_nib = BusinessFactory(nib="9120000000009", name="Lama", village=bali_regions.tuban, owner__name="Pemilik Lama")
    by_name = BusinessFactory(name="Batik  SEKAR jagad 4", village=bali_regions.tuban, owner__name="ni made sari 4")
    rows = [row(1), row(2), row(3, nib="9120000000009"), row(4), row(5)]
    result = run(csv_bytes(rows), operator)
    assert result.written and (result.created, result.updated) == (3, 2)
    matched = {outcome.row: outcome.business_id for outcome in result.plan.rows if outcome.business_id}
    assert matched == {4: by_nib.pk, 5: by_name.pk}
    assert Business.objects.count() == 5


def test_only_the_businesses_a_row_may_be_are_loaded_whatever_the_desa_holds(operator, bali_regions, monkeypatch):
    """Matching by name, owner and desa narrows in the database by the desa (the (village, name) index) and loads
    whole — with their owner — only the businesses whose name and owner match a row: a registry of a million does not
    come into memory because a file touches its desa."""
    for number in range(40):
        BusinessFactory(name=f"Tetangga {number}", village=bali_regions.tuban, owner__name=f"Orang {number}")
    twin = BusinessFactory(name="Batik Sekar Jagad 1", village=bali_regions.tuban, owner__name="Ni Made Sari 1")
    loaded = []
    original = Business.from_db.__func__

    def counting(cls, db, field_names, values):
        instance = original(cls, db, field_names, values)
        loaded.append(instance.pk)
        return instance

    monkeypatch.setattr(Business, "from_db", classmethod(counting))
    result = run(csv_bytes([row(1), row(2)]), operator)
    assert result.written and (result.created, result.updated + result.unchanged) == (1, 1)
    assert loaded == [twin.pk]


def test_the_command_writes_a_file_of_several_chunks_in_one_pass(operator, tmp_path, monkeypatch):
    monkeypatch.setattr(BusinessImporter, "chunk_size", 2)
    path = write(tmp_path, "ikm.csv", csv_bytes([row(n) for n in range(1, 6)]))
    call_command("import_businesses", str(path), "--user", operator.username, "--year", str(YEAR), verbosity=0)
    assert Business.objects.count() == 5
    record = TabularImport.objects.get()
    assert (record.state, record.rows, record.created) == (TabularImport.State.APPLIED, 5, 5)


def test_a_dry_run_of_several_chunks_writes_nothing_and_keeps_no_writes(operator, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(BusinessImporter, "chunk_size", 2)
    path = write(tmp_path, "ikm.csv", csv_bytes([row(n) for n in range(1, 6)]))
    call_command("import_businesses", str(path), "--dry-run", "--year", str(YEAR))
    assert "5 baru" in capsys.readouterr().out
    assert not Business.objects.exists() and not TabularImport.objects.exists()
