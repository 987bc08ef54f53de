"""An existing installation upgrading to this code: a database migrated to the schema of an earlier release and filled
with rows of every table, then migrated to the current schema. Run in a separate process on a database of its own
(tests/core/test_upgrade.py), because it migrates from an empty database, which the test database is not.

The rows are written through the *historical* models of the earlier schema (the models as they were then), so the
fill keeps working whatever the current models become.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

# The schema of main before issue 10 (commit ad3bcde): the last migration of each of our apps.
EARLIER_RELEASE = {"businesses": "0015_import_job_queued_at", "ikm_registry": "0008_export_log_actor_is_the_command"}
# Tables the upgrade replaces, and the query that counts their rows where they went.
SUCCESSORS = {
    "ikm_registry_reportjob": "SELECT COUNT(*) FROM ikm_registry_job WHERE kind = 'report'",
    "businesses_importjob": "SELECT COUNT(*) FROM ikm_registry_job WHERE kind LIKE 'tabular.%'",
    "businesses_businessimport": "SELECT COUNT(*) FROM ikm_registry_tabularimport WHERE kind = 'businesses'",
    "businesses_businesstransition": "SELECT COUNT(*) FROM ikm_registry_transitionlog",
}
NOW = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)


def _earlier_release_targets() -> list[tuple[str, str]]:
    """Our apps at the earlier release, the others (Django's, third-party apps) at their latest migration; an app
    added since (its migrations need ours past the release, e.g. events) is left out: it had no tables then."""
    graph = MigrationExecutor(connection).loader.graph
    released = {node for target in EARLIER_RELEASE.items() for node in graph.forwards_plan(target)}

    def existed(leaf) -> bool:
        return all(node in released for node in graph.forwards_plan(leaf) if node[0] in EARLIER_RELEASE)

    others = [leaf for leaf in graph.leaf_nodes() if leaf[0] not in EARLIER_RELEASE and existed(leaf)]
    # Django's and the third-party apps first: post_migrate writes permissions, whose table must be complete.
    return [*others, *EARLIER_RELEASE.items()]


def _migrate_to_earlier_release() -> None:
    # One target at a time, as `manage.py migrate APP NAME` would (post_migrate creates the content types and
    # permissions of the models as they were).
    for app, name in _earlier_release_targets():
        call_command("migrate", app, name, verbosity=0, interactive=False)


def _fill(apps) -> None:
    def model(label):
        return apps.get_model(label)

    Region, Kbli, Subsector = (
        model("businesses.Region"),
        model("businesses.Kbli"),
        model("businesses.CreativeSubsector"),
    )
    regions = [
        ("51", "BALI", "province", "", None),
        ("51.03", "KABUPATEN BADUNG", "regency", "kabupaten", "51"),
        ("51.03.05", "Kuta Utara", "district", "", "51.03"),
        ("51.03.05.2001", "Dalung", "village", "desa", "51.03.05"),
        ("51.03.05.1002", "Kerobokan", "village", "kelurahan", "51.03.05"),
        ("51.71", "KOTA DENPASAR", "regency", "kota", "51"),
    ]
    for code, name, level, kind, parent in regions:
        Region.objects.create(code=code, name=name, level=level, kind=kind, parent_id=parent)
    for code, title, level, parent in [
        ("C", "Industri pengolahan", "section", None),
        ("10", "Industri makanan", "division", "C"),
        ("107", "Industri makanan lainnya", "group", "10"),
        ("1071", "Industri produk roti dan kue", "class", "107"),
        ("10710", "Industri produk roti dan kue", "subclass", "1071"),
        ("10792", "Industri kue-kue basah", "subclass", "1071"),
    ]:
        Kbli.objects.create(code=code, title=title, level=level, parent_id=parent)
    # The 17 subsectors come with the migrations; an installation may have added one.
    Subsector.objects.get_or_create(code="kuliner", defaults={"name": "Kuliner", "name_en": "Culinary"})
    Subsector.objects.create(code="subsektor-daerah", name="Subsektor daerah", name_en="Regional subsector")

    User, Group, Permission = model("auth.User"), model("auth.Group"), model("auth.Permission")
    operator = User.objects.create(username="operator.badung", is_staff=True)
    admin = User.objects.create(username="admin", is_staff=True, is_superuser=True)
    operators = Group.objects.create(name="Operator")
    operators.permissions.set(Permission.objects.filter(content_type__app_label="businesses"))
    ContentType = model("contenttypes.ContentType")
    model("admin.LogEntry").objects.create(
        user=admin,
        content_type=ContentType.objects.get(app_label="businesses", model="region"),
        object_id="51.03",
        object_repr="KABUPATEN BADUNG",
        action_flag=2,
        action_time=NOW,
    )

    office = model("ikm_registry.Office").objects.create(name="Disperindag Badung", region_id="51.03")
    model("ikm_registry.HistoricalOffice").objects.create(
        id=office.pk, name=office.name, region_id="51.03", history_date=NOW, history_type="+"
    )
    model("ikm_registry.StaffMembership").objects.create(user=operator, office=office, role="operator")
    model("ikm_registry.ExportLog").objects.create(
        user=operator, what="businesses.business", file_format="xlsx", row_count=2
    )
    model("ikm_registry.ReportJob").objects.create(report="daftar-ikm", user=operator)
    model("ikm_registry.Worker").objects.create(worker_id="w1", host="host", pid=1, started_at=NOW, seen_at=NOW)

    Business = model("businesses.Business")
    businesses = [
        Business.objects.create(
            name=f"Roti {n}",
            kbli_id="10710",
            village_id=village,
            subsector_id="kuliner",
            status=status,
            created_by=operator,
        )
        for n, (village, status) in enumerate(
            [("51.03.05.2001", "published"), ("51.03.05.2001", "submitted"), ("51.03.05.1002", "draft")]
        )
    ]
    for business in businesses:
        model("businesses.HistoricalBusiness").objects.create(
            id=business.pk,
            name=business.name,
            kbli_id="10710",
            village_id=business.village_id,
            status=business.status,
            history_date=NOW,
            history_type="+",
            history_user=operator,
            created_at=NOW,
            updated_at=NOW,
        )
        model("businesses.Owner").objects.create(business=business, name="Ni Luh Putu", nik="5103014101900001")
        model("businesses.BusinessYear").objects.create(
            business=business, year=2025, workforce_male=2, workforce_female=3
        )
        model("businesses.Product").objects.create(business=business, name="Roti")
        model("businesses.Assistance").objects.create(business=business, year=2025, kind="pelatihan")
        model("businesses.Obstacle").objects.create(business=business, year=2025, kind="permodalan")
    model("businesses.BusinessTransition").objects.create(
        business=businesses[1], from_status="draft", to_status="submitted", actor=operator, note="diajukan"
    )
    sentra = model("businesses.Sentra").objects.create(
        name="Sentra Roti Dalung", main_product="Roti", kbli_id="10710", village_id="51.03.05.2001"
    )
    Business.objects.filter(pk__in=[b.pk for b in businesses[:2]]).update(sentra=sentra)
    model("businesses.SentraOfficer").objects.create(sentra=sentra, position="Ketua", name="I Made")
    model("businesses.SentraFacility").objects.create(sentra=sentra, name="Oven bersama")
    model("businesses.SentraRevitalisation").objects.create(
        sentra=sentra, year=2024, activity="Atap", funding_source="apbd"
    )
    upload = model("businesses.BusinessImport").objects.create(
        original_name="ikm.xlsx", data_year=2025, uploaded_by=operator, rows=3, created=3, state="applied"
    )
    model("businesses.ImportJob").objects.create(business_import=upload, kind="check", user=operator)
    model("businesses.DemoRecord").objects.create(key="regions", plan_date=date(2026, 1, 1))
    model("businesses.StatisticsRelease").objects.create(
        year=2025, released_at=NOW, businesses=3, min_businesses=3, dominance_p=90
    )


def table_counts() -> dict[str, int]:
    with connection.cursor() as cursor:
        counts = {}
        for table in sorted(connection.introspection.table_names(cursor)):
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")
            counts[table] = cursor.fetchone()[0]
        return counts


def successor_counts() -> dict[str, int]:
    with connection.cursor() as cursor:
        counts = {}
        for table, query in SUCCESSORS.items():
            cursor.execute(query)
            counts[table] = cursor.fetchone()[0]
        return counts


def earlier_release_filled() -> None:
    """Migrate the (empty) database to the earlier release, fill it, print the row count of every table as JSON."""
    _migrate_to_earlier_release()
    _fill(MigrationExecutor(connection).loader.project_state(_earlier_release_targets()).apps)
    print(json.dumps(table_counts()))


def upgraded() -> None:
    """Migrate to the current schema and print the row counts, broken foreign keys and the moved content types."""
    call_command("migrate", verbosity=0, interactive=False)
    connection.check_constraints()  # SQLite checks foreign keys only when asked (PostgreSQL at every write)
    from django.contrib.admin.models import LogEntry
    from django.contrib.auth.models import Group
    from django.contrib.contenttypes.models import ContentType

    content_types = sorted(f"{ct.app_label}.{ct.model}" for ct in ContentType.objects.all())
    permissions = [
        f"{app}.{codename}"
        for app, codename in Group.objects.get(name="Operator").permissions.values_list(
            "content_type__app_label", "codename"
        )
    ]
    entry = LogEntry.objects.get(object_id="51.03").content_type
    from businesses.models import BusinessImport

    upload = BusinessImport.objects.get()
    print(
        json.dumps(
            {
                "counts": table_counts(),
                "successors": successor_counts(),
                "content_types": content_types,
                "operator_permissions": permissions,
                "log_entry": f"{entry.app_label}.{entry.model}",
                "upload": [upload.original_name, upload.data_year, upload.jobs.count()],
            }
        )
    )
