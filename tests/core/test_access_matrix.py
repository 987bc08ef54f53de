"""The role × region access matrix over every URL of the project (issue 9, acceptance).

Every URL pattern the resolver knows (tests/access_matrix.py walks it: the admin site with every ModelAdmin's URLs
and our own admin views, and the public site) is requested as every role — anonymous, superuser, national staff,
province staff (Bali), operator Badung, official Badung (read-only), operator Denpasar — with each object id it
takes: a record of Badung, of Denpasar and of Nusa Tenggara Barat (outside the province), deleted records for the
history pages, each operator's uploads and background reports, and an id that does not exist. One test per URL,
role and check:

- access: no server error; anonymous visitors are sent to the login; a record the role may not see answers 404
  (403 only where the role may not use that kind of page at all); a record the role sees is reachable; a write
  (POST) by an official answers 403; a POST by anyone changes nothing it may not change; each report's form
  gives the PDF for the role's own region and record and refuses other regions' and records.
- foreign: no row of a region (or a user) the role may not see in any answer — page, JSON, CSV, XLSX, PDF, file
  name, redirect — and searches or filters for them find nothing.
- personal: for the official, no owner's NIK (whole or unmasked beyond the mask), phone, e-mail or home address,
  and searching for them finds nothing.
- public: public pages show no unpublished record and no owner's private value, to anyone.
- logged: a PDF, CSV or XLSX that names a person or holds their private value, or shows a business's own figure
  (its region's only reported investment, also as a rekap's sum), leaves with one export log row for the user,
  saying it holds personal or individual data.

The API (/api/) is asked with each role's personal token: a staff endpoint answers 401 without a valid one (a signed-in
session, a revoked, expired or deactivated account's, a malformed header), 403 where the role may not use it at all
(an LSP's operator on region endpoints and imports) and to a read-only role's POST, 404 for another region's or a
missing id, and no other region's row in a list; personal values and a business's figures only with
`?data_pribadi=1` (masked for officials), each such answer in the export log as format "api" and no other; the
import refuses a row of another region naming row and column and previews one of the role's own as valid. A public
endpoint answers every role exactly as it answers an anonymous visitor, with no private marker, and 404 for what is
not public.

Known leaks that others are fixing are marked xfail(strict=True) in KNOWN_LEAKS with the point of issue 9 that
fixes them; when the fix lands the test passes, strict xfail fails, and the entry goes.

The data is built once for the module (tests/access_matrix.py, build_matrix) inside a transaction rolled back at
its end; every test runs in its own savepoint. The requests of one URL and role are made once and their findings
shared by the checks.
"""

from __future__ import annotations

import time
from datetime import timedelta
from fnmatch import fnmatchcase
from urllib.parse import urlencode

import pytest
from django.contrib import admin
from django.db import transaction
from django.test import Client, override_settings
from django.urls import reverse

from ikm_registry.models import ExportLog
from tests.access_matrix import (
    FILLERS,
    MISSING,
    PLACE,
    PLACES,
    ROLE,
    ROLES,
    ROUTES,
    Matrix,
    Owned,
    answer_text,
    api_headers,
    build_matrix,
    declared,
    discloses,
    filler_for,
    find_markers,
    person,
    probes_for,
    remove_files,
    sees,
)

pytestmark = pytest.mark.django_db

ROUTE = {route.key: route for route in ROUTES}
CHECKS = ("access", "foreign", "personal", "public", "logged")

# (check, role, URL) → the issue whose fix makes the test pass: a known leak, marked xfail(strict=True) until then.
# Empty: every leak the matrix found for issue 9 is fixed.
KNOWN_LEAKS: dict[tuple[str, str, str], str] = {}


# --- data -----------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def matrix_private_root(tmp_path_factory):
    return str(tmp_path_factory.mktemp("matrix-private"))


@pytest.fixture(autouse=True)
def private_files_in_tmp(settings, matrix_private_root):
    """The module's private files (uploads, rejects, reports) stay where its data put them for all its tests
    (tests/conftest.py gives every other test a directory of its own)."""
    settings.PRIVATE_FILES_ROOT = matrix_private_root


@pytest.fixture(scope="module")
def matrix(django_db_setup, django_db_blocker, tmp_path_factory, matrix_private_root):
    media = tmp_path_factory.mktemp("matrix-media")
    fast = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # as tests/conftest.py, for the module's users too
    # The module's login attempt must outlive the run: axes deletes attempts older than the cool-off at each login,
    # and on a busy machine the matrix takes longer than the default 15 minutes.
    keep_attempts = timedelta(days=1)
    with (
        override_settings(
            MEDIA_ROOT=str(media),
            PRIVATE_FILES_ROOT=matrix_private_root,
            PASSWORD_HASHERS=fast,
            AXES_COOLOFF_TIME=keep_attempts,
        ),
        django_db_blocker.unblock(),
        transaction.atomic(),
    ):
        started = time.perf_counter()
        data = build_matrix()
        data.build_seconds = time.perf_counter() - started
        data.results = {}
        data.seconds = {}
        data.patterns = {}
        try:
            yield data
        finally:
            remove_files(data)
            transaction.set_rollback(True)


# --- requesting a URL as a role ---------------------------------------------------------------------------------------


def _snapshot(watch) -> list:
    state = []
    for model, pk in watch:
        rows = model._base_manager.all()
        state.append(rows.count() if pk is None else list(rows.filter(pk=pk).values()))
    return state


def _request(client, probe, headers=None):
    headers = headers or {}
    if probe.method == "GET":
        path = f"{probe.path}?{urlencode(probe.query)}" if probe.query else probe.path
        return client.get(path, **headers)
    if probe.json:
        return client.post(probe.path, probe.json, content_type="application/json", **headers)
    data = {}
    for name, value in probe.data:
        data.setdefault(name, []).append(value)  # a bulk action names several records
    return client.post(probe.path, data, **headers)


def _result_count(response):
    if response.get("Content-Type", "").startswith("application/json") and not response.streaming:
        body = _json(response)
        return len(body["results"]) if isinstance(body, dict) and isinstance(body.get("results"), list) else None
    try:
        return response.context["cl"].result_count
    except (KeyError, TypeError):
        return None


def _json(response):
    import json

    try:
        return json.loads(response.content)
    except ValueError:
        return None


def _patterns(matrix, role):
    if role.key not in matrix.patterns:
        matrix.patterns[role.key] = (
            matrix.foreign_patterns(role),
            matrix.personal_patterns(role),
            matrix.public_patterns(),
        )
    return matrix.patterns[role.key]


def _without(text: str, value: str) -> str:
    from urllib.parse import quote, quote_plus

    once = {value, quote(value), quote_plus(value), quote(value, safe="")}
    # a list's filters carried in another link (?_changelist_filters=q%3D…) are quoted twice
    for form in sorted(once | {quote(form, safe="") for form in once}, key=len, reverse=True):
        text = text.replace(form, "")
    return text


def _tried(role, probe) -> bool:
    """Writes the role may make are not tried: they would change the data the other requests read."""
    if probe.method != "POST" or not probe.writes or role.anonymous or not role.writes:
        return True
    return probe.owned is not None and probe.owned.missing is False and not sees(role, probe.owned)


def run_matrix(matrix, role, route) -> dict[str, list[str]]:
    """Every request of `route` as `role`, and what each check finds wrong in the answers."""
    problems = {check: [] for check in CHECKS}
    try:
        probes = [probe for probe in probes_for(route, role, matrix) if _tried(role, probe)]
    except LookupError as error:
        problems["access"].append(str(error))
        return problems
    client = Client()
    if not role.anonymous and route.api_view is None:  # the API is asked with the role's token, never a session
        client.force_login(matrix.users[role.key])
    foreign, personal, public = _patterns(matrix, role)
    held = (matrix.people_patterns(), matrix.figure_patterns())  # what makes a file one to log
    answers = []
    for probe in probes:
        last_log = ExportLog.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        before = _snapshot(probe.watch)
        try:
            response = _request(_client_for(matrix, client, probe), probe, _headers(matrix, role, route, probe))
        except Exception as error:  # an exception the client re-raises is a server error
            problems["access"].append(f"{probe.method} {probe.path} ({probe.label}): raised {error!r}")
            continue
        kind, text = answer_text(response)
        for _name, value in probe.query:
            text = _without(text, value)  # what the role typed is echoed in the search box: not a leak
        changed = _snapshot(probe.watch) != before
        answers.append((probe, response.status_code, response.get("Location", ""), kind, text))
        where = f"{probe.method} {probe.path}{'?' + urlencode(probe.query) if probe.query else ''} ({probe.label})"
        if changed:
            problems["access"].append(f"{where}: changed a record it may not change")
        count = _result_count(response)
        if kind in ("pdf", "csv", "xlsx") and response.status_code == 200 and not role.anonymous:
            problems["logged"] += _log_problems(where, role, matrix, kind, text, held, last_log)
        if route.staff_api and not role.anonymous:
            problems["logged"] += _api_log_problems(where, role, route, probe, matrix, response, text, last_log)
        if route.public:
            problems["public"] += [f"{where}: {leak}" for leak in find_markers(public, text)]
            if route.api_view is not None and not role.anonymous and probe.method == "GET":
                problems["public"] += _same_as_anonymous(where, probe, response)
            continue
        problems["foreign"] += [f"{where}: {leak}" for leak in find_markers(foreign, text)]
        if route.staff_api and not discloses(route, probe):
            # without `?data_pribadi=1` no one's personal values nor a business's figures, whatever the role
            problems["personal"] += [f"{where}: {leak}" for leak in find_markers(matrix.undisclosed_patterns(), text)]
        problems["personal"] += [f"{where}: {leak}" for leak in find_markers(personal, text)]
        if probe.search == "personal" and sees(role, probe.owned) and not role.personal and count:
            problems["personal"].append(f"{where}: a search for a personal value found {count} record(s)")
    problems["access"] += _access_problems(matrix, role, route, answers, client)
    return problems


def _client_for(matrix, client, probe):
    """The role's client; for a probe of the staff API with the superuser's session instead of a token, a client
    signed in as the superuser."""
    if probe.credential != "session":
        return client
    signed_in = Client()
    signed_in.force_login(matrix.users["superuser"])
    return signed_in


def _headers(matrix, role, route, probe) -> dict:
    return api_headers(matrix, role, probe) if route.api_view is not None else {}


def _same_as_anonymous(where, probe, response) -> list[str]:
    """A public API answer is the same for every visitor: the role's (with its token) equals an anonymous one."""
    anonymous = _request(Client(), probe)
    if (anonymous.status_code, anonymous.content) != (response.status_code, response.content):
        return [f"{where}: {response.status_code} with the role's token, {anonymous.status_code} anonymously, or "
                "another answer"]  # fmt: skip
    return []


def _api_log_problems(where, role, route, probe, matrix, response, text, last_log) -> list[str]:
    """A staff API answer with personal data (asked for with `?data_pribadi=1`, with rows) leaves with one export log
    row for the user, format "api", saying it holds personal data, and individual data when it shows a business's own
    figure; any other answer with none."""
    logs = list(
        ExportLog.objects.filter(pk__gt=last_log).values_list("user", "file_format", "personal_data", "individual_data")
    )
    body = _json(response) if response.status_code == 200 else None
    rows = (body.get("results", [body]) if isinstance(body, dict) else []) if discloses(route, probe) else []
    if not rows:
        return [f"{where}: {len(logs)} export log rows for an answer without personal data"] if logs else []
    if [log[:3] for log in logs] != [(matrix.users[role.key].pk, "api", True)]:
        return [f"{where}: an answer with personal data left with export log rows {logs}, expected one for the user"]
    figures = find_markers(matrix.figure_patterns(), text)
    if figures and not logs[0][3]:
        return [f"{where}: an answer with {figures[0]} logged as holding no individual data"]
    return []


def _log_problems(where, role, matrix, kind, text, held, last_log) -> list[str]:
    """A file that names or identifies a person, or shows a business's own figure, leaves with exactly one export log
    row, for the role's user, in the file's format, saying it holds personal or individual data (UU 27/2022 PDP;
    issue 9 point 10). Files without (a template, an aggregate that gives no business away) need none."""
    logs = list(
        ExportLog.objects.filter(pk__gt=last_log).values_list("user", "file_format", "personal_data", "individual_data")
    )
    people, own_figures = held
    named = find_markers(people, text)
    figures = find_markers(own_figures, text)
    if not named and not figures:
        return [] if len(logs) <= 1 else [f"{where}: {len(logs)} export log rows for one file"]
    if [log[:2] for log in logs] != [(matrix.users[role.key].pk, kind)]:
        found = (named or figures)[0]
        return [f"{where}: a {kind} with {found} left with export log rows {logs}, expected one for the user"]
    _user, _format, personal, individual = logs[0]
    problems = []
    if named and not personal:
        problems.append(f"{where}: a {kind} with {named[0]} logged as holding no personal data")
    if figures and not individual:
        problems.append(f"{where}: a {kind} with {figures[0]} logged as holding no individual data")
    return problems


def _denied_whole(route, answers, client) -> bool:
    """Whether the role may not use this kind of page at all (403 on an id that does not exist, or on the list of
    the ModelAdmin the URL belongs to): then a 403 for another region's id reveals nothing."""
    if any(probe.owned is MISSING and status == 403 for probe, status, *_ in answers):
        return True
    if route.model_admin is not None:
        opts = route.model_admin.model._meta
        changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        return client.get(changelist).status_code == 403
    return False


def _access_problems(matrix, role, route, answers, client) -> list[str]:
    problems = []
    denied = None
    refused = any(fnmatchcase(route.key, pattern) for pattern in role.refused)
    for probe, status, location, kind, text in answers:
        where = f"{probe.method} {probe.path}{'?' + urlencode(probe.query) if probe.query else ''} ({probe.label})"
        if status >= 500:
            problems.append(f"{where}: {status}")
            continue
        if refused and not (route.staff_api and probe.credential):
            # 403; or what reveals nothing either: a redirect the probe expects (to a page that refuses in turn), a
            # 404 for a record (history pages look the record up before the permission), Django's "does not exist"
            # redirect for a record that does not
            redirect = status in (301, 302) and (probe.expect == "redirect" or probe.owned is MISSING)
            if status != 403 and not redirect and not (probe.owned is not None and status == 404):
                problems.append(f"{where}: {status}, expected 403 (the role may not use this page)")
            continue
        if route.api_view is not None:
            problems += _api_access_problems(role, route, probe, status, text, where)
            continue
        if role.anonymous:
            # The admin's logout sends a visitor who is not signed in to the admin home, which sends them to the login.
            login = location.startswith(reverse("admin:login")) or (
                route.name == "admin:logout" and location == reverse("admin:index")
            )
            if route.staff_only and not (status == 302 and login):
                problems.append(f"{where}: {status} {location}, expected the login")
            elif route.public and probe.owned is not None and not sees(role, probe.owned) and status != 404:
                problems.append(f"{where}: {status}, expected 404")
            continue
        if probe.expect == "redirect":
            if status not in (301, 302):
                problems.append(f"{where}: {status}, expected a redirect")
        elif probe.expect == "report":
            background = status == 302 and location == reverse("admin:report_jobs")
            if not (status == 200 and kind == "pdf") and not background:
                problems.append(f"{where}: {status} {kind}, expected the PDF")
        elif probe.expect == "bulk":
            pass  # a list POST: the records it names are filtered by the role's reach; `changed` says if it wrote
        elif probe.expect == "form":
            if status != 200 or kind == "pdf" or "errorlist" not in text:
                problems.append(f"{where}: {status} {kind}, expected the form to refuse it")
        elif probe.owned is not None and not probe.search and not probe.owned.missing:
            if not sees(role, probe.owned):
                if status == 403:
                    if denied is None:
                        denied = _denied_whole(route, answers, client)
                    if not denied:
                        problems.append(f"{where}: 403, expected 404 (the record is outside the role's reach)")
                elif status != 404:
                    problems.append(f"{where}: {status}, expected 404")
            elif probe.reachable and probe.method == "GET" and status == 404:
                problems.append(f"{where}: 404 for a record the role sees")
        # A bulk action the role is not offered is ignored (the list again); `changed` says whether it wrote.
        if probe.writes and not role.writes and probe.expect != "bulk" and status not in (403, 404):
            problems.append(f"{where}: {status}, expected 403 (the role only reads)")
    return problems


def _api_access_problems(role, route, probe, status, text, where) -> list[str]:
    """The API: a staff endpoint answers 401 without a valid token (a session is none), 404 for a record the role
    may not see or that does not exist, 403 to a role that only reads for any POST, 200 for what the role sees; the
    import refuses rows of other regions with 400 naming the row and the column, and previews one of the role's own
    region as valid; a public endpoint answers 404 for what is not public, to everyone."""
    if route.staff_api and (role.anonymous or probe.credential):
        return [] if status == 401 else [f"{where}: {status}, expected 401 (no valid token)"]
    if probe.method == "POST" and route.staff_api and not role.writes:
        return [] if status == 403 else [f"{where}: {status}, expected 403 (the role only reads)"]
    body = _json_text(text)
    if probe.expect == "import-accepted":
        rows = body.get("baris", []) if isinstance(body, dict) else []
        if status != 200 or not rows or any(row["kesalahan"] for row in rows):
            return [f"{where}: {status}, expected a valid preview: {text.strip()[:300]}"]
        return []
    if probe.expect == "import-refused":
        rows = body.get("baris", []) if isinstance(body, dict) else []
        named = any(row["baris"] == 2 and any(e["kolom"] == "kode_wilayah" for e in row["kesalahan"]) for row in rows)
        if status != 400 or not named or body.get("ditulis") is not False:
            return [f"{where}: {status}, expected 400 naming row 2, column kode_wilayah: {text.strip()[:300]}"]
        return []
    if probe.expect == "refused":
        return [] if 400 <= status < 500 else [f"{where}: {status}, expected a refusal"]
    if probe.expect == "preview":
        return [] if status in (200, 400) else [f"{where}: {status}, expected a preview or its errors"]
    if probe.owned is not None and not probe.search:
        if not sees(role, probe.owned):
            return [] if status == 404 else [f"{where}: {status}, expected 404"]
        if probe.method == "GET" and status != 200:
            return [f"{where}: {status} for a record the role sees, expected 200"]
    elif route.staff_api and probe.method == "GET" and status != 200 and not (probe.search and status == 400):
        return [f"{where}: {status}, expected 200"]
    return []


def _json_text(text: str):
    import json

    try:
        return json.loads(text.partition("\n")[2])  # answer_text() puts the naming headers on the first line
    except ValueError:
        return None


def results(matrix, role, route) -> dict[str, list[str]]:
    """The findings of `route` for `role`, made once (in the first test that asks; its savepoint undoes whatever the
    requests wrote) and shared by the checks."""
    key = (role.key, route.key)
    if key not in matrix.results:
        started = time.perf_counter()
        matrix.results[key] = run_matrix(matrix, role, route)
        matrix.seconds[key] = time.perf_counter() - started
    return matrix.results[key]


# --- the matrix -----------------------------------------------------------------------------------------------------


DECLARED = declared()  # the data's markers, known at collection time


def _checks(role, route) -> list[str]:
    if route.public:
        return ["access", "public"]
    checks = ["access"] if role.anonymous else ["access", "logged"]
    if DECLARED.foreign_patterns(role):  # national staff too: other users' uploads and background reports
        checks.append("foreign")
    if not role.anonymous and (not role.personal or route.staff_api):  # the API: personal data only when asked
        checks.append("personal")
    return checks


# On the embedded database (SQLite) the matrix asks every URL as these roles: every page rendered and every kind of
# restrict() (everything, a region, an LSP membership) run on it. The whole role × region matrix runs on PostgreSQL,
# the production database (`.ci/run` runs both); scoping is the same SQL on both, and each role's rules are tested on
# both databases in tests/core/test_scope.py, test_scoping_queryset.py and the apps' tests.
EMBEDDED_ROLES = ("anonymous", "superuser", "operator_badung", "lsp")


def _roles_for_database():
    from django.conf import settings

    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        return [role for role in ROLES if role.key in EMBEDDED_ROLES]
    return ROLES


def _items():
    for route in ROUTES:
        for role in _roles_for_database():
            for check in _checks(role, route):
                reason = KNOWN_LEAKS.get((check, role.key, route.key))
                marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
                yield pytest.param(check, role.key, route.key, id=f"{check}-{role.key}-{route.key}", marks=marks)


@pytest.mark.parametrize(("check", "role_key", "route_key"), list(_items()))
def test_matrix(matrix, check, role_key, route_key):
    found = results(matrix, ROLE[role_key], ROUTE[route_key])[check]
    assert not found, f"{len(found)} problem(s):\n" + "\n".join(found[:40])


# --- the matrix covers what it claims -----------------------------------------------------------------------------


def test_every_url_is_filled():
    """A URL whose parameters no filler knows fails here (and in its matrix tests): add a row to FILLERS."""
    unfilled = [route.key for route in ROUTES if filler_for(route) is None]
    assert unfilled == []


def test_every_staff_api_endpoint_needs_a_token_and_only_those():
    """The matrix treats the API's URLs under /api/v1/staf/ as staff endpoints (a token; scoped checks) and the others
    as public: a view that asks for a staff token lives there, and every view there asks for one."""
    from ikm_registry.api.permissions import StaffTokenPermission

    api = [route for route in ROUTES if route.api_view is not None]
    assert any(route.staff_api for route in api) and any(route.public for route in api)
    for route in api:
        view = route.api_view
        asks = any(issubclass(permission, StaffTokenPermission) for permission in view.permission_classes)
        assert asks == route.staff_api, route.key


def test_every_filler_is_used():
    unused = [filler.match for filler in FILLERS if not any(filler_for(route) is filler for route in ROUTES)]
    assert unused == []


def test_every_admin_model_has_records_in_two_regions_or_owners(matrix):
    """A new ModelAdmin (events, certification) needs records in the matrix data, with who may see them."""
    missing = [
        model._meta.label
        for model in admin.site._registry
        if not any(not record.owned.missing for record in matrix.records.get(model, []))
    ]
    assert missing == []
    for model, records in matrix.records.items():
        owners = {record.owned for record in records if record.owned.region or record.owned.user}
        # reference data and superuser-only records have no owner; the others need two, to be foreign to someone
        assert len(owners) != 1, f"{model._meta.label}: records of one region or user only"


def test_every_role_that_may_not_see_something_is_checked_for_it():
    """National staff see every region, but not other users' uploads and background reports: they get the foreign
    check too. Only superusers see everything."""
    checked = {role.key for role in ROLES if "foreign" in _checks(role, ROUTE["admin:report_job_download"])}
    assert checked == {role.key for role in ROLES} - {"superuser"}


def test_the_matrix_covers_every_role_and_region():
    assert [role.key for role in ROLES] == [
        "anonymous",
        "superuser",
        "national",
        "province",
        "operator_badung",
        "official_badung",
        "operator_denpasar",
        "lsp",
    ]
    assert [place.region for place in PLACES] == ["51.03", "51.71", "52.01"]
    staff_urls = [route for route in ROUTES if route.staff_only]
    assert len(staff_urls) > 60
    for name in ("admin:reports", "admin:report_job_download", "admin:businesses_business_export"):
        assert name in ROUTE


def _seen(matrix, role_key, path, patterns) -> set[str]:
    client = Client()
    client.force_login(matrix.users[role_key])
    response = client.get(path)
    assert response.status_code == 200, path
    _kind, text = answer_text(response)
    return {found.split(" (")[0] for found in find_markers(patterns, text)}


def test_the_markers_are_found_where_they_may_be_seen(matrix):
    """Guards the matrix against passing because it cannot see: the markers it looks for are found in answers to
    the roles allowed to see them (HTML, CSV, XLSX and PDF alike)."""
    superuser, nobody = ROLE["superuser"], ROLE["anonymous"]
    everything = matrix.foreign_patterns(nobody)  # anonymous sees nothing: every marker
    tokens = {marker.what for marker in everything if marker.what.startswith("a row of")}
    listed = _seen(matrix, "superuser", reverse("admin:businesses_business_changelist"), everything)
    assert tokens <= listed
    people = [who for who in matrix.people if who.label.endswith("alfa")]
    export = reverse("admin:businesses_business_export")
    for file_format in ("csv", "xlsx"):
        found = _seen(matrix, "superuser", f"{export}?format={file_format}", everything)
        for who in people:
            assert {f"NIK of {who.label}", f"phone of {who.label}", f"e-mail of {who.label}"} <= found
    found = _seen(matrix, "superuser", f"{export}?format=daftar", everything)  # the readable list: no NIK
    for who in people:
        assert {f"phone of {who.label}", f"e-mail of {who.label}"} <= found
    from businesses.models import Business

    badung = next(record for record in matrix.records[Business] if record.label == "bdg")
    change = reverse("admin:businesses_business_change", args=[badung.pk])
    found = _seen(matrix, "operator_badung", change, everything)
    assert {"a row of 51.03", "NIK of Bdgxalfa", "home address of Bdgxalfa"} <= found
    for job in matrix.jobs:
        download = reverse("admin:report_job_download", args=[job.pk])
        found = _seen(matrix, job.owned.user, download, matrix.foreign_patterns(nobody))
        assert {"a row of " + ("51.03" if job.label == "bdg" else "51.71"), f"a record of {job.owned.user}"} <= found
    assert matrix.personal_patterns(superuser) == []
    assert not sees(ROLE["operator_badung"], Owned(region="51.71"))


def test_the_lsp_markers_are_found_where_they_may_be_seen(matrix):
    """The LSP operator's markers see another LSP's rows (and the asesi of its region) where they are, and its own
    list holds its own asesi in both regions: its checks can fail."""
    lsp = ROLE["lsp"]
    enrollments = reverse("admin:certification_enrollment_changelist")
    found = _seen(matrix, "superuser", enrollments, matrix.foreign_patterns(lsp))
    assert {"an LSP row of b", "a row of 51.03"} <= found  # LSP b's asesi in Badung, named on the superuser's list
    assert _seen(matrix, "lsp", enrollments, matrix.foreign_patterns(lsp)) == set()
    client = Client()
    client.force_login(matrix.users["lsp"])
    page = client.get(enrollments).content.decode()
    assert "Ibu Bdgxasesia" in page and "Ibu Dpsxasesia" in page and "Lsbx" not in page
    assert client.get(reverse("admin:businesses_business_changelist")).status_code == 403
    assert client.get(reverse("admin:index")).status_code == 200


def _api_seen(matrix, role_key, path, patterns) -> set[str]:
    client = Client()
    response = client.get(path, HTTP_AUTHORIZATION=f"Token {matrix.api_keys[role_key]}")
    assert response.status_code == 200, (path, response.content[:300])
    _kind, text = answer_text(response)
    return {found.split(" (")[0] for found in find_markers(patterns, text)}


def test_the_api_markers_are_found_where_they_may_be_seen(matrix):
    """The API's checks can fail: a staff list answers the role's rows; with `?data_pribadi=1` the owners' NIK, phone
    and e-mail and the yearly figures, whole for an operator, masked for an official; without it none of them."""
    everything = matrix.foreign_patterns(ROLE["anonymous"]) + matrix.figure_patterns()
    alfa = {"NIK of Bdgxalfa", "phone of Bdgxalfa", "e-mail of Bdgxalfa"}
    found = _api_seen(matrix, "operator_badung", "/api/v1/staf/usaha/?data_pribadi=1", everything)
    assert {"a row of 51.03", "investment of Bdgxalfa"} | alfa <= found
    assert not {"a row of 51.71", "a row of 52"} & found
    found = _api_seen(matrix, "operator_badung", "/api/v1/staf/usaha/", everything)
    assert "a row of 51.03" in found and not (alfa | {"investment of Bdgxalfa"}) & found
    found = _api_seen(matrix, "official_badung", "/api/v1/staf/usaha/?data_pribadi=1", everything)
    assert "a row of 51.03" in found and not alfa & found
    client = Client()
    official = f"Token {matrix.api_keys['official_badung']}"
    answer = client.get("/api/v1/staf/usaha/?data_pribadi=1", HTTP_AUTHORIZATION=official)
    assert "5103••••••••0417" in answer.content.decode()  # Bdgxalfa's NIK as the official sees it
    found = _api_seen(matrix, "superuser", "/api/v1/staf/pendaftaran/?data_pribadi=1", everything)
    assert {"NIK of Dpsxpeserta", "phone of Ntbxpeserta", "e-mail of Bdgxpeserta"} <= found
    found = _api_seen(matrix, "lsp", "/api/v1/staf/sertifikat/", matrix.foreign_patterns(ROLE["lsp"]))
    assert found == set()
    answer = client.get("/api/v1/staf/sertifikat/", HTTP_AUTHORIZATION=f"Token {matrix.api_keys['lsp']}")
    assert "Ibu Bdgxasesia" in answer.content.decode() and "Ibu Dpsxasesia" in answer.content.decode()
    found = _api_seen(matrix, "superuser", "/api/v1/staf/sertifikat/", matrix.foreign_patterns(ROLE["lsp"]))
    assert "an LSP row of b" in found
    assert _api_seen(matrix, "national", "/api/v1/usaha/", matrix.public_patterns()) == set()


# --- the markers see a leak in any disguise ---------------------------------------------------------------------------

ALFA = person(PLACE["bdg"], "alfa")  # NIK 5103014508770417


@pytest.mark.parametrize(
    "leak",
    [
        "5103014508770417",
        "NIK 5103 0145 0877 0417",
        "5103-0145-0877-0417",
        "5103.0145.0877.0417",
        "5103014508••••••",  # the region, birth day (and so sex) and month
        "510301450877••••",
        "5103•••••••70417",  # a fifth digit before the last four
        "51030•••••••0417",  # a fifth digit after the first four
        '{"nik": "5103014508770417"}',
    ],
)
def test_a_nik_unmasked_beyond_the_mask_is_found(leak):
    assert "NIK of Bdgxalfa" in {found.split(" (")[0] for found in find_markers(ALFA.patterns(), leak)}


def test_the_nik_as_the_mask_shows_it_is_no_leak():
    """What an official may see: the first and last four digits (ikm_registry.personal_data.mask), in a page, a
    table cell after a number, or a file."""
    from ikm_registry.personal_data import mask

    shown = mask(ALFA.nik)
    assert shown == "5103••••••••0417"
    for text in (shown, f"NIK: {shown}", f"7 {shown} 2", f"7;{shown};3", f"51.03.01.1001 {shown}"):
        assert find_markers(ALFA.patterns(), text) == []


@pytest.mark.parametrize(
    ("leak", "what"),
    [
        ("IBU BDGXALFA", "name of Bdgxalfa"),
        ("Ibu\n  Bdgxalfa", "name of Bdgxalfa"),
        ("Ibu%20Bdgxalfa", "name of Bdgxalfa"),
        ("GANG BDGXRUMAHALFA NO. 7", "home address of Bdgxalfa"),
        ("Gang%20Bdgxrumahalfa", "home address of Bdgxalfa"),
        ("BDGXPENGURUS", "officer Bdgxpengurus"),
    ],
)
def test_names_and_addresses_are_found_in_any_case_and_spacing(leak, what):
    patterns = Matrix(people=[ALFA], officers=["Bdgxpengurus"]).people_patterns()
    assert what in {found.split(" (")[0] for found in find_markers(patterns, leak)}


@pytest.mark.parametrize(
    "leak",
    [
        "/admin/businesses/?q=Tenun%20Dpsxalfa",
        "attachment; filename*=utf-8''Ukir%20Dpsxbravo.pdf",
        '{"results": [{"text": "Kota\\nDpsxdenpasar"}]}',
        '{"text": "\\u003cb\\u003eDpsxalfa"}',
    ],
)
def test_a_token_in_a_url_or_after_a_json_escape_is_found(leak):
    found = find_markers(Matrix().foreign_patterns(ROLE["operator_badung"]), leak)
    assert [item.split(" (")[0] for item in found] == ["a row of 51.71"]


def test_a_machine_readable_time_is_not_searched_but_the_same_digits_as_text_are():
    """History pages print `<time datetime="…04.210645+07:00">`: microseconds that can spell five digits of a NIK
    marker by chance are left out; the same digits in the text still count."""
    from django.http import HttpResponse

    response = HttpResponse('<time datetime="2026-11-30T23:22:04.210645+07:00">30 Nov</time> ref 521064', "text/html")
    _kind, text = answer_text(response)
    assert "23:22:04" not in text and "210645" not in text and "521064" in text


def test_the_matrix_runs_in_reasonable_time(matrix):
    """The data is built once for the module; report how long it and the slowest URLs took."""
    print(f"access matrix data built in {matrix.build_seconds:.2f} s; requests {sum(matrix.seconds.values()):.1f} s")
    by_route = {}
    for (_role, route), seconds in matrix.seconds.items():
        by_route[route] = by_route.get(route, 0) + seconds
    for route, seconds in sorted(by_route.items(), key=lambda item: -item[1])[:15]:
        print(f"{seconds:6.2f} s  {route}")
    for role in ROLES:
        print(f"{sum(s for (r, _route), s in matrix.seconds.items() if r == role.key):6.2f} s  {role.key}")
    assert matrix.build_seconds < 60
