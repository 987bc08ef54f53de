"""What every endpoint of the API shares (issue 14): conditional GET (ETag, Last-Modified, 304), CORS for public
reads only, the anonymous rate limit, keyset pagination, errors that name the field; and the staff API's writes
through the import and workflow engines, attributed to the token's user, and its personal data only on request,
logged like an export."""

import json
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.http import http_date

from businesses.choices import BusinessStatus
from businesses.models import Business, Owner
from ikm_registry.api.tokens import api_token_create
from ikm_registry.models import ExportLog, TabularImport, TransitionLog
from tests.factories import (
    BusinessFactory,
    BusinessYearFactory,
    SentraFactory,
    make_event,
    make_village,
    person,
    staff_user,
)
from tests.queries import registry_queries

pytestmark = pytest.mark.django_db

PUBLISHED = BusinessStatus.PUBLISHED
ORIGIN = "https://portal.contoh.example"
IMPORT = "/api/v1/staf/impor/businesses/"
YEAR = timezone.localdate().year - 1


@pytest.fixture
def operator(bali_regions, kbli):
    return staff_user("operator", "51.03", username="operator.badung")


@pytest.fixture
def token(operator):
    _token, key = api_token_create(user=operator, name="Uji", created_by=operator)
    return f"Token {key}"


@pytest.fixture
def official(bali_regions):
    user = staff_user("official", "51.03", username="pejabat.badung")
    _token, key = api_token_create(user=user, name="Uji", created_by=user)
    return f"Token {key}"


@pytest.fixture
def published(bali_regions, kbli):
    """Seven published businesses in Badung and two that are not."""
    shown = [BusinessFactory(name=f"Batik Terbit {n}", status=PUBLISHED) for n in range(7)]
    BusinessFactory(name="Batik Diperiksa", status=BusinessStatus.SUBMITTED)
    BusinessFactory(name="Batik Konsep", status=BusinessStatus.DRAFT)
    return shown


def _post(client, path, body, token):
    return client.post(path, json.dumps(body), content_type="application/json", HTTP_AUTHORIZATION=token)


def _row(**values):
    return {"nama_usaha": "Tenun API", "nama_pemilik": "Ibu Api", "kode_wilayah": "51.03.01.1001", "kbli": "13134",
            **values}  # fmt: skip


# --- conditional GET ----------------------------------------------------------------------------------------------


def test_a_current_etag_answers_304_and_a_change_to_public_data_changes_it(
    client, published, operator, token, django_capture_on_commit_callbacks
):
    url = "/api/v1/usaha/"
    first = client.get(url)
    assert first.status_code == 200
    etag = first["ETag"]
    assert "max-age=60" in first["Cache-Control"] and "public" in first["Cache-Control"]
    again = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again["ETag"] == etag and again.content == b""
    assert client.get(url, HTTP_IF_NONE_MATCH=f'"other", {etag}').status_code == 304
    assert client.get("/api/v1/usaha/?page_size=2", HTTP_IF_NONE_MATCH=etag).status_code == 200  # another request
    verified = BusinessFactory(name="Batik Baru Terbit", status=BusinessStatus.VERIFIED)
    with django_capture_on_commit_callbacks(execute=True):
        step = _post(client, f"/api/v1/staf/usaha/{verified.pk}/aksi/", {"aksi": "publish"}, token)
    assert step.status_code == 200, step.content
    changed = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag
    assert "Batik Baru Terbit" in changed.content.decode()


def later(monkeypatch, seconds: float) -> None:
    """The clock of the API's validators, `seconds` on from now."""
    import ikm_registry.api.conditional as conditional

    now = conditional.now()
    monkeypatch.setattr(conditional, "now", lambda: now + seconds)


def test_if_modified_since(client, published, monkeypatch):
    url = "/api/v1/sentra/"
    later(monkeypatch, 2)
    first = client.get(url)
    modified = first["Last-Modified"]
    assert client.get(url, HTTP_IF_MODIFIED_SINCE=modified).status_code == 304
    earlier = http_date((timezone.now() - timedelta(days=1)).timestamp())
    assert client.get(url, HTTP_IF_MODIFIED_SINCE=earlier).status_code == 200
    assert client.get(url, HTTP_IF_MODIFIED_SINCE="not a date").status_code == 200


def test_last_modified_waits_until_the_second_of_the_change_is_over(client, published, monkeypatch):
    """HTTP dates are whole seconds: a date given out during the change's second would also be the date of a second
    change within it, and a client holding it would get 304s for data it never saw."""
    from ikm_registry.api.conditional import version_time
    from ikm_registry.public_cache import public_version

    url = "/api/v1/sentra/"
    changed_at = version_time(public_version())
    monkeypatch.setattr("ikm_registry.api.conditional.now", lambda: changed_at + 0.5)
    during = client.get(url)
    assert during.status_code == 200 and during["ETag"] and "Last-Modified" not in during
    assert client.get(url, HTTP_IF_MODIFIED_SINCE=http_date(changed_at)).status_code == 200
    assert client.get(url, HTTP_IF_NONE_MATCH=during["ETag"]).status_code == 304
    monkeypatch.setattr("ikm_registry.api.conditional.now", lambda: changed_at + 1)
    after = client.get(url)
    assert after["Last-Modified"] == http_date(changed_at)
    assert client.get(url, HTTP_IF_MODIFIED_SINCE=after["Last-Modified"]).status_code == 304


def test_an_error_is_not_cached_nor_validated(client, published):
    response = client.get("/api/v1/usaha/987654321/")
    assert response.status_code == 404
    assert "ETag" not in response and "public" not in response.get("Cache-Control", "")


# --- CORS ---------------------------------------------------------------------------------------------------------


def test_cors_allows_any_site_to_read_the_public_api(client, published):
    response = client.get("/api/v1/usaha/", HTTP_ORIGIN=ORIGIN)
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "ETag" in response["Access-Control-Expose-Headers"]
    assert "Access-Control-Allow-Credentials" not in response
    preflight = client.options("/api/v1/usaha/", HTTP_ORIGIN=ORIGIN, HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET")
    assert preflight.status_code == 200
    assert preflight["Access-Control-Allow-Origin"] == "*"
    assert set(preflight["Access-Control-Allow-Methods"].replace(" ", "").split(",")) == {"GET", "HEAD", "OPTIONS"}


def test_cors_never_opens_the_staff_api_to_other_sites(client, operator, token):
    preflight = client.options(
        IMPORT,
        HTTP_ORIGIN=ORIGIN,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization, content-type",
    )
    assert "Access-Control-Allow-Origin" not in preflight
    assert "POST" not in preflight.get("Access-Control-Allow-Methods", "")
    post = client.post(
        IMPORT,
        json.dumps({"baris": [_row()], "opsi": {"year": YEAR}}),
        content_type="application/json",
        HTTP_ORIGIN=ORIGIN,
        HTTP_AUTHORIZATION=token,
    )
    assert post.status_code == 200
    assert "Access-Control-Allow-Origin" not in post
    read = client.get("/api/v1/staf/usaha/", HTTP_ORIGIN=ORIGIN, HTTP_AUTHORIZATION=token)
    assert read.status_code == 200 and "Access-Control-Allow-Origin" not in read


# --- rate limits --------------------------------------------------------------------------------------------------


def test_anonymous_reads_are_rate_limited_per_address(published, operator, token):
    cache.clear()
    with override_settings(API_ANON_RATE="3/m", API_TOKEN_RATE="5/m"):
        client = Client()
        assert [client.get("/api/v1/kbli/").status_code for _ in range(3)] == [200, 200, 200]
        refused = client.get("/api/v1/kbli/")
        assert refused.status_code == 429
        assert 0 < int(refused["Retry-After"]) <= 60
        assert "detail" in refused.json()
        # another address has its own count; a token holder is counted as its user
        assert Client(REMOTE_ADDR="192.0.2.9").get("/api/v1/kbli/").status_code == 200
        assert client.get("/api/v1/kbli/", HTTP_AUTHORIZATION=token).status_code == 200
        assert [client.get("/api/v1/staf/usaha/", HTTP_AUTHORIZATION=token).status_code for _ in range(4)] == [200] * 4
        assert client.get("/api/v1/staf/usaha/", HTTP_AUTHORIZATION=token).status_code == 429
    cache.clear()


def test_a_conditional_request_counts_against_the_limit_and_a_refused_token_gets_no_304(published):
    cache.clear()
    with override_settings(API_ANON_RATE="2/m"):
        client = Client()
        etag = client.get("/api/v1/kbli/")["ETag"]
        assert client.get("/api/v1/kbli/", HTTP_IF_NONE_MATCH=etag).status_code == 304
        assert client.get("/api/v1/kbli/", HTTP_IF_NONE_MATCH=etag).status_code == 429
        other = Client(REMOTE_ADDR="192.0.2.10")
        refused = other.get("/api/v1/kbli/", HTTP_IF_NONE_MATCH=etag, HTTP_AUTHORIZATION="Token ikm_000000000000_x")
        assert refused.status_code == 401
    cache.clear()


# --- keyset pagination --------------------------------------------------------------------------------------------


def _page(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, response.content
    # the cache's own savepoints (a table in the database by default) are not the registry's queries
    queries = [sql for sql in registry_queries(captured) if "SAVEPOINT" not in sql]
    return response.json(), len(queries)


def test_walking_next_yields_every_published_business_once_in_id_order(client, published):
    url, seen, queries = "/api/v1/usaha/?page_size=3", [], []
    while url:
        body, count = _page(client, url)
        assert "count" not in body  # the table is never counted
        seen += [row["id"] for row in body["results"]]
        queries.append(count)
        url = body["next"]
    assert seen == sorted(business.pk for business in published)
    assert len(queries) == 3
    assert queries[0] == queries[1] == queries[2], queries  # a later page costs what the first does
    back, _count = _page(client, _page(client, _page(client, "/api/v1/usaha/?page_size=3")[0]["next"])[0]["previous"])
    assert [row["id"] for row in back["results"]] == seen[:3]


def test_a_page_costs_the_same_however_deep_and_however_large(client, published, bali_regions, kbli):
    first, few = _page(client, "/api/v1/usaha/?page_size=2")
    for n in range(20):
        BusinessFactory(name=f"Batik Lagi {n}", status=PUBLISHED)
    _body, many = _page(client, "/api/v1/usaha/?page_size=20")
    url, deep = "/api/v1/usaha/?page_size=2", None
    for _ in range(6):
        body, deep = _page(client, url)
        url = body["next"]
    assert few == many == deep


def test_a_sentra_page_costs_the_same_however_many_rows_and_names_the_whole_trail(client, bali_regions, kbli):
    def add_sentra(n):
        sentra = SentraFactory(name=f"Sentra Tenun {n}", village=bali_regions.tuban)
        BusinessFactory(name=f"Tenun Sentra {n}", sentra=sentra, village=bali_regions.tuban, status=PUBLISHED)

    add_sentra(0)
    one_body, one = _page(client, "/api/v1/sentra/")
    for n in range(1, 6):
        add_sentra(n)
    body, six = _page(client, "/api/v1/sentra/")
    assert len(one_body["results"]) == 1 and len(body["results"]) == 6
    assert one == six
    assert body["results"][0]["wilayah"] == {
        "desa": "Tuban", "kecamatan": "Kuta", "kabupaten_kota": "Kabupaten Badung", "provinsi": "Bali"
    }  # fmt: skip


def test_page_size_has_a_ceiling(client, published, settings):
    settings.API_MAX_PAGE_SIZE = 4
    body, _count = _page(client, "/api/v1/usaha/?page_size=1000")
    assert len(body["results"]) == 4


# --- errors -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/api/v1/usaha/?skala=raksasa", "skala"),
        ("/api/v1/wilayah/?tingkat=planet", "tingkat"),
        ("/api/v1/kegiatan/?waktu=kemarin", "waktu"),
        ("/api/v1/statistik/?wilayah=99.99", "wilayah"),
        ("/api/v1/verifikasi/", "kode"),
    ],
)
def test_an_invalid_filter_is_a_400_naming_the_field(client, published, url, field):
    response = client.get(url)
    assert response.status_code == 400
    assert list(response.json()) == [field]


def test_an_invalid_staff_filter_is_a_400_naming_the_field(client, published, token):
    response = client.get("/api/v1/staf/usaha/?status=terbang", HTTP_AUTHORIZATION=token)
    assert response.status_code == 400
    assert list(response.json()) == ["status"]


# --- staff import ---------------------------------------------------------------------------------------------------


def _counts():
    return Business.objects.count(), Owner.objects.count(), TabularImport.objects.count()


def test_an_import_preview_writes_nothing(client, operator, token):
    before = _counts()
    response = _post(client, IMPORT, {"baris": [_row()], "opsi": {"year": YEAR}}, token)
    assert response.status_code == 200
    body = response.json()
    assert body["ditulis"] is False and body["jumlah"]["created"] == 1
    assert body["baris"][0]["baris"] == 2 and body["baris"][0]["aksi"] == "create"
    assert _counts() == before


def test_an_import_writes_with_history_of_the_tokens_user(client, operator, token):
    response = _post(
        client, IMPORT, {"baris": [_row(tenaga_kerja_laki=3)], "opsi": {"year": YEAR}, "tulis": True}, token
    )
    assert response.status_code == 201, response.content
    assert response.json()["ditulis"] is True
    business = Business.objects.get(name="Tenun API")
    assert business.history.get().history_user == operator
    assert business.owner.history.get().history_user == operator
    assert business.years.get(year=YEAR).workforce_male == 3
    record = TabularImport.objects.get()
    assert record.uploaded_by == operator and record.state == TabularImport.State.APPLIED and record.created == 1
    assert record.actor.startswith("API (ikm_")


def test_an_import_is_all_or_nothing(client, operator, token):
    before = _counts()
    rows = [_row(), _row(nama_usaha="Tenun Salah", kbli="99999")]
    response = _post(client, IMPORT, {"baris": rows, "opsi": {"year": YEAR}, "tulis": True}, token)
    assert response.status_code == 400
    body = response.json()
    assert body["ditulis"] is False
    invalid = [row for row in body["baris"] if row["kesalahan"]]
    assert [(row["baris"], [error["kolom"] for error in row["kesalahan"]]) for row in invalid] == [(3, ["kbli"])]
    assert _counts()[:2] == before[:2]
    # skipping invalid rows writes the valid one
    response = _post(
        client, IMPORT, {"baris": rows, "opsi": {"year": YEAR}, "tulis": True, "lewati_tidak_valid": True}, token
    )
    assert response.status_code == 201
    assert list(Business.objects.filter(name__startswith="Tenun").values_list("name", flat=True)) == ["Tenun API"]


def test_an_import_refuses_a_row_outside_the_users_region(client, operator, token):
    make_village("51.71.01.1001")
    response = _post(
        client, IMPORT, {"baris": [_row(kode_wilayah="51.71.01.1001")], "opsi": {"year": YEAR}, "tulis": True}, token
    )
    assert response.status_code == 400
    errors = response.json()["baris"][0]["kesalahan"]
    assert [error["kolom"] for error in errors] == ["kode_wilayah"]
    assert not Business.objects.exists()


def test_an_import_larger_than_the_limit_is_refused(client, operator, token, settings):
    settings.API_IMPORT_MAX_ROWS = 2
    response = _post(client, IMPORT, {"baris": [_row(), _row(), _row()], "opsi": {"year": YEAR}}, token)
    assert response.status_code == 400
    assert "2" in response.json()["baris"][0]
    assert _post(client, IMPORT, {"baris": [_row(), _row()], "opsi": {"year": YEAR}}, token).status_code == 200


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"baris": []}, "baris"),
        ({"baris": [{"nama_usaha": {"a": 1}}]}, "baris"),
        ({"baris": [_row()], "opsi": {}}, "baris"),  # the business import needs its data year
        ({"baris": [{"kolom_asing": "x"}], "opsi": {"year": YEAR}}, "baris"),
    ],
)
def test_an_import_request_that_cannot_be_read_is_a_400(client, operator, token, body, field):
    response = _post(client, IMPORT, body, token)
    assert response.status_code == 400
    assert field in response.json()


def test_an_unknown_import_kind_is_a_404_and_the_kinds_are_listed(client, operator, token):
    assert _post(client, "/api/v1/staf/impor/tidak-ada/", {"baris": [_row()]}, token).status_code == 404
    kinds = client.get("/api/v1/staf/impor/", HTTP_AUTHORIZATION=token).json()["jenis"]
    business = next(kind for kind in kinds if kind["jenis"] == "businesses")
    assert {"nama": "kode_wilayah", "wajib": True} in business["kolom"]


def test_another_regions_event_is_answered_as_a_missing_one(client, operator, token):
    from events.models import Registration

    foreign = make_event("51.71")
    body = {"baris": [{"nama": "Ibu Zapi", "jenis_kelamin": "P"}], "tulis": True}
    there = _post(client, "/api/v1/staf/impor/participants/", {**body, "opsi": {"event": foreign.pk}}, token)
    missing = _post(client, "/api/v1/staf/impor/participants/", {**body, "opsi": {"event": foreign.pk + 1000}}, token)
    assert there.status_code == missing.status_code == 400
    assert there.json() == missing.json()
    assert "event" in there.json()["opsi"] and not Registration.objects.exists()
    own = make_event("51.03")
    written = _post(client, "/api/v1/staf/impor/participants/", {**body, "opsi": {"event": own.pk}}, token)
    assert written.status_code == 201 and Registration.objects.get().event == own


def test_an_official_may_not_import(client, official):
    assert _post(client, IMPORT, {"baris": [_row()], "opsi": {"year": YEAR}}, official).status_code == 403


# --- workflow steps -----------------------------------------------------------------------------------------------


def test_a_workflow_step_is_logged_with_the_tokens_user(client, operator, token):
    business = BusinessFactory(name="Batik Diperiksa", status=BusinessStatus.SUBMITTED)
    response = _post(client, f"/api/v1/staf/usaha/{business.pk}/aksi/", {"aksi": "verify", "catatan": "Lengkap"}, token)
    assert response.status_code == 200, response.content
    assert response.json()["status"] == BusinessStatus.VERIFIED
    log = TransitionLog.objects.get(object_id=business.pk)
    assert (log.action, log.from_state, log.to_state, log.actor) == ("verify", "submitted", "verified", operator)
    business.refresh_from_db()
    assert business.status == BusinessStatus.VERIFIED
    assert business.history.first().history_user == operator


def test_an_unknown_step_is_a_400_listing_the_steps(client, operator, token):
    business = BusinessFactory(status=BusinessStatus.SUBMITTED)
    response = _post(client, f"/api/v1/staf/usaha/{business.pk}/aksi/", {"aksi": "terbang"}, token)
    assert response.status_code == 400
    message = response.json()["aksi"][0]
    assert "terbang" in message and all(step in message for step in ("submit", "verify", "publish", "return"))
    assert not TransitionLog.objects.filter(object_id=business.pk).exists()


def test_a_step_from_the_wrong_state_or_without_its_note_is_a_400(client, operator, token):
    business = BusinessFactory(status=BusinessStatus.SUBMITTED)
    url = f"/api/v1/staf/usaha/{business.pk}/aksi/"
    assert _post(client, url, {"aksi": "publish"}, token).status_code == 400
    without_note = _post(client, url, {"aksi": "return"}, token)
    assert without_note.status_code == 400
    assert not TransitionLog.objects.filter(object_id=business.pk).exists()
    assert _post(client, url, {"aksi": "return", "catatan": "NIB belum diisi"}, token).status_code == 200
    business.refresh_from_db()
    assert business.status == BusinessStatus.RETURNED


def test_an_official_may_not_take_a_step(client, official):
    business = BusinessFactory(status=BusinessStatus.SUBMITTED)
    response = _post(client, f"/api/v1/staf/usaha/{business.pk}/aksi/", {"aksi": "verify"}, official)
    assert response.status_code == 403
    business.refresh_from_db()
    assert business.status == BusinessStatus.SUBMITTED


# --- personal data only on request, logged --------------------------------------------------------------------------


def test_personal_data_comes_only_when_asked_and_is_logged(client, operator, token):
    business = BusinessFactory(name="Batik Pribadi", owner__nik="5103014508770417", owner__phone="0813-7719-4402")
    BusinessYearFactory(business=business, year=YEAR, investment=123_456_789)
    plain = client.get("/api/v1/staf/usaha/", HTTP_AUTHORIZATION=token)
    assert plain.status_code == 200
    row = plain.json()["results"][0]
    assert "nik_pemilik" not in row and "data_tahunan" not in row and "5103014508770417" not in plain.content.decode()
    assert not ExportLog.objects.exists()
    client.get(f"/api/v1/staf/usaha/{business.pk}/", HTTP_AUTHORIZATION=token)
    assert not ExportLog.objects.exists()
    asked = client.get("/api/v1/staf/usaha/?data_pribadi=1", HTTP_AUTHORIZATION=token)
    row = asked.json()["results"][0]
    assert row["nik_pemilik"] == "5103014508770417" and row["data_tahunan"][0]["nilai_investasi"] == 123_456_789
    log = ExportLog.objects.get()
    assert (log.user, log.file_format, log.personal_data, log.individual_data, log.row_count) == (
        operator, "api", True, True, 1
    )  # fmt: skip
    assert "data_pribadi=1" in log.filter
    client.get(f"/api/v1/staf/usaha/{business.pk}/?data_pribadi=1", HTTP_AUTHORIZATION=token)
    assert ExportLog.objects.count() == 2


def test_participants_name_people_so_every_answer_is_logged(client, operator, token):
    from events.models import Registration

    event = make_event("51.03")
    Registration.objects.create(event=event, **person(1, nik="5103014506900001"))
    plain = client.get(f"/api/v1/staf/pendaftaran/?kegiatan={event.pk}", HTTP_AUTHORIZATION=token)
    row = plain.json()["results"][0]
    assert row["nama"] == "Peserta 1" and "nik" not in row
    log = ExportLog.objects.get()
    assert (log.user, log.file_format, log.personal_data, log.row_count) == (operator, "api", True, 1)
    empty = client.get(f"/api/v1/staf/pendaftaran/?kegiatan={event.pk + 1000}", HTTP_AUTHORIZATION=token)
    assert empty.json()["results"] == [] and ExportLog.objects.count() == 1  # no rows, nothing left


def test_an_official_gets_personal_data_masked(client, official):
    BusinessFactory(name="Batik Pribadi", owner__nik="5103014508770417", owner__phone="0813-7719-4402")
    row = client.get("/api/v1/staf/usaha/?data_pribadi=1", HTTP_AUTHORIZATION=official).json()["results"][0]
    assert row["nik_pemilik"] == "5103••••••••0417"
    assert "7719" not in row["telepon"]
    assert ExportLog.objects.get().personal_data
