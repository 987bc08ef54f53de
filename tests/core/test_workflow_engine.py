"""The workflow engine in the core (ikm_registry/workflow.py) and its one log (TransitionLog), tested on Business.

The business workflow's own rules are in test_workflow.py; here: what the engine does for any model (roles,
permissions, the extra check, records created in a state, the bulk log, the log's region and labels), that the
import, the self-registration and seed_demo write their records' first entries through it, that no code outside
the engine writes a workflow's state field, and the migration of the old BusinessTransition rows.
"""

import ast
import datetime
import io
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from businesses.choices import BusinessStatus
from businesses.models import Business
from businesses.services.importing import businesses_import
from businesses.services.workflow import BUSINESS_WORKFLOW
from ikm_registry.choices import StaffRole
from ikm_registry.models import TransitionLog
from ikm_registry.scoping import SystemActor
from ikm_registry.workflow import Transition, Workflow, perform, registered_workflows, workflow_for
from tests.business_files import csv_bytes, row
from tests.factories import BusinessFactory, UserFactory, staff_user

S = BusinessStatus
ROOT = Path(__file__).resolve().parents[2]


def toy_workflow(**options):
    """A second workflow on Business (not registered): the engine's options without the business's own rules."""
    transitions = options.pop(
        "transitions",
        [
            Transition("submit", S.DRAFT, S.SUBMITTED, "Ajukan", validates=True),
            Transition("verify", S.SUBMITTED, S.VERIFIED, "Verifikasi", roles={StaffRole.PROVINCE}),
            Transition("publish", S.VERIFIED, S.PUBLISHED, "Terbitkan", permission="businesses.publish_business"),
        ],
    )
    return Workflow(Business, transitions=transitions, region="village_id", **options)


# --- declaring a workflow -----------------------------------------------------------------------------------------


def test_the_business_workflow_is_registered_for_its_model():
    assert workflow_for(Business) is BUSINESS_WORKFLOW
    assert workflow_for(Business(name="x")) is BUSINESS_WORKFLOW
    assert BUSINESS_WORKFLOW in registered_workflows()
    assert (BUSINESS_WORKFLOW.field, BUSINESS_WORKFLOW.state_label(S.VERIFIED)) == ("status", "Terverifikasi")
    with pytest.raises(LookupError):
        workflow_for(TransitionLog)


@pytest.mark.parametrize(
    "transitions",
    [
        [Transition("go", S.DRAFT, "nowhere", "Pergi")],
        [Transition("go", S.DRAFT, S.SUBMITTED, "Pergi"), Transition("go", S.SUBMITTED, S.VERIFIED, "Lagi")],
        [Transition("create", S.DRAFT, S.SUBMITTED, "Buat")],  # the action of a creation entry
    ],
)
def test_a_workflow_with_an_unknown_state_or_a_taken_action_is_refused(transitions):
    with pytest.raises(ImproperlyConfigured):
        Workflow(Business, transitions=transitions)


def test_the_state_field_needs_choices():
    with pytest.raises(ImproperlyConfigured):
        Workflow(Business, field="name", transitions=[])


# --- taking a step --------------------------------------------------------------------------------------------------


def test_perform_takes_a_pk_locks_logs_and_names_the_actor_in_history(tuban):
    business = BusinessFactory(village=tuban, status=S.DRAFT)
    operator = staff_user(StaffRole.OPERATOR, "51.03", username="op")

    moved = toy_workflow().perform(business.pk, "submit", operator, note="  dicek  ")

    assert moved.status == S.SUBMITTED
    step = TransitionLog.objects.get()
    assert (step.content_type.model_class(), step.object_id, step.region_code) == (Business, business.pk, tuban.code)
    assert (step.action, step.from_state, step.to_state, step.actor, step.note) == (
        "submit",
        S.DRAFT,
        S.SUBMITTED,
        operator,
        "dicek",
    )
    assert (step.from_label, step.to_label) == ("Draf", "Diajukan")
    latest = business.history.latest()
    assert (latest.history_user, latest.history_change_reason) == (operator, "status: draf → diajukan")


def test_a_workflow_with_since_writes_the_time_of_each_step(tuban):
    """Business.status_changed_at (Workflow(since=...)) is the time of the step into the current state, the log's."""
    business = BusinessFactory(village=tuban, status=S.DRAFT)
    before = timezone.now()
    submitted = BUSINESS_WORKFLOW.perform(business, "submit", SystemActor("tests"))
    business.refresh_from_db()
    assert business.status_changed_at == submitted.status_changed_at == TransitionLog.objects.get().at >= before
    returned = BUSINESS_WORKFLOW.perform(business, "return", SystemActor("tests"), note="lengkapi")
    assert returned.status_changed_at == TransitionLog.objects.latest("at", "pk").at > business.status_changed_at
    created = BUSINESS_WORKFLOW.initial(Business(name="Baru", village=tuban, kbli_id="13134"), S.SUBMITTED)
    assert created.status_changed_at >= before


def test_module_perform_dispatches_to_the_registered_workflow(tuban):
    business = BusinessFactory(village=tuban, status=S.VERIFIED)
    operator = staff_user(StaffRole.OPERATOR, "51.03", username="op")
    assert perform(business, "publish", operator).status == S.PUBLISHED
    assert business.transitions.get().action == "publish"


def test_a_step_limited_to_roles_refuses_the_others(bali_regions, kbli):
    business = BusinessFactory(village=bali_regions.tuban, status=S.SUBMITTED)
    operator = staff_user(StaffRole.OPERATOR, "51.03", username="op")
    province = staff_user(StaffRole.PROVINCE, "51", username="prov")
    workflow = toy_workflow()

    assert workflow.available(business, operator) == []
    with pytest.raises(PermissionDenied):
        workflow.perform(business, "verify", operator)
    assert not TransitionLog.objects.exists()
    assert [t.action for t in workflow.available(business, province)] == ["verify"]
    assert workflow.perform(business, "verify", province).status == S.VERIFIED


def test_a_step_needing_a_permission_refuses_who_lacks_it(tuban):
    business = BusinessFactory(village=tuban, status=S.VERIFIED)
    operator = staff_user(StaffRole.OPERATOR, "51.03", username="op")
    superuser = UserFactory(username="root", is_staff=True, is_superuser=True)
    workflow = toy_workflow()
    assert not operator.has_perm("businesses.publish_business")  # a permission only superusers hold

    with pytest.raises(PermissionDenied):
        workflow.perform(business, "publish", operator)
    assert workflow.perform(business, "publish", superuser).status == S.PUBLISHED


def test_other_regions_are_refused(bali_regions, kbli):
    business = BusinessFactory(village=bali_regions.tuban, status=S.DRAFT)
    denpasar = staff_user(StaffRole.OPERATOR, "51.71", username="op.denpasar")
    with pytest.raises(PermissionDenied):
        toy_workflow().perform(business.pk, "submit", denpasar)
    business.refresh_from_db()
    assert business.status == S.DRAFT and not TransitionLog.objects.exists()


def test_the_check_hook_refuses_a_step_and_nothing_is_written(tuban):
    calls = []

    def check(obj, transition, actor):
        calls.append((obj.pk, transition.action, actor.username))
        raise ValidationError("belum lengkap", code="incomplete")

    business = BusinessFactory(village=tuban, status=S.DRAFT)
    operator = staff_user(StaffRole.OPERATOR, "51.03", username="op")
    with pytest.raises(ValidationError) as refused:
        toy_workflow(check=check).perform(business, "submit", operator)
    assert refused.value.code == "incomplete"
    assert calls == [(business.pk, "submit", "op")]
    business.refresh_from_db()
    assert business.status == S.DRAFT and not TransitionLog.objects.exists()


def test_an_unknown_action_is_a_key_error(tuban):
    business = BusinessFactory(village=tuban, status=S.DRAFT)
    with pytest.raises(KeyError):
        BUSINESS_WORKFLOW.perform(business, "fly", staff_user(StaffRole.OPERATOR, "51.03", username="op"))


# --- records created in a state -----------------------------------------------------------------------------------


def test_create_saves_the_record_in_its_state_with_a_first_entry(tuban):
    operator = staff_user(StaffRole.OPERATOR, "51.03", username="op")
    business = BusinessFactory.build(village=tuban, created_by=operator)

    BUSINESS_WORKFLOW.create(business, S.VERIFIED, actor=operator, note="dari kunjungan")

    business.refresh_from_db()
    assert business.status == S.VERIFIED
    step = business.transitions.get()
    assert (step.action, step.from_state, step.to_state, step.actor, step.note, step.is_creation) == (
        "create",
        "",
        S.VERIFIED,
        operator,
        "dari kunjungan",
        True,
    )
    assert (step.from_label, step.to_label, step.region_code) == ("", "Terverifikasi", tuban.code)


def test_initial_refuses_an_unknown_state_and_a_saved_record(tuban):
    with pytest.raises(ValidationError) as refused:
        BUSINESS_WORKFLOW.initial(Business(), "lost")
    assert "status" in refused.value.message_dict
    saved = BusinessFactory(village=tuban, status=S.DRAFT)
    with pytest.raises(ValueError):
        BUSINESS_WORKFLOW.initial(saved, S.PUBLISHED)


def test_log_created_is_one_insert_for_many_records_with_each_actor(tuban):
    first = staff_user(StaffRole.OPERATOR, "51.03", username="op1")
    second = staff_user(StaffRole.OPERATOR, "51.03", username="op2")
    businesses = [
        BusinessFactory(village=tuban, status=S.PUBLISHED, created_by=first if n % 2 else second) for n in range(30)
    ]
    at = timezone.now() - datetime.timedelta(hours=1)

    with CaptureQueriesContext(connection) as captured:
        written = BUSINESS_WORKFLOW.log_created(businesses, actor=lambda b: b.created_by, note="awal", at=at)

    assert written == 30
    inserts = [q["sql"] for q in captured.captured_queries if q["sql"].startswith("INSERT")]
    assert len(inserts) == 1
    rows = TransitionLog.objects.order_by("object_id")
    assert [(r.object_id, r.actor_id, r.to_state, r.at) for r in rows] == [
        (b.pk, b.created_by_id, S.PUBLISHED, at) for b in sorted(businesses, key=lambda b: b.pk)
    ]


@pytest.mark.parametrize("who", ["user", "command", "public"])
def test_many_records_logged_at_one_time_are_copied_from_their_rows(bali_regions, kbli, monkeypatch, who):
    """An import's first entries (one actor, one time, many records) are written by INSERT … SELECT from the records'
    rows, LOG_BATCH_SIZE records a statement: the same entries the engine writes for one record at a time."""
    actor = {
        "user": staff_user(StaffRole.PROVINCE, "51", username="prov"),
        "command": SystemActor("import_businesses"),
        "public": None,
    }[who]
    places = [bali_regions.tuban, bali_regions.serangan, bali_regions.munggu]
    states = [S.DRAFT, S.VERIFIED, S.PUBLISHED, S.SUBMITTED]
    businesses = [BusinessFactory(village=places[n % 3], status=states[n % 4]) for n in range(7)]
    at = timezone.now() - datetime.timedelta(hours=2)
    monkeypatch.setattr("ikm_registry.workflow.LOG_BATCH_SIZE", 4)

    def entries():
        fields = ("content_type", "object_id", "region_code", "action", "from_state", "to_state", "actor")
        return list(TransitionLog.objects.order_by("object_id").values_list(*fields, "actor_label", "note", "at"))

    with CaptureQueriesContext(connection) as captured:
        written = BUSINESS_WORKFLOW.log_created(businesses, actor=actor, note=" impor data.csv ", at=at)
    assert written == 7
    inserts = [q["sql"] for q in captured.captured_queries if q["sql"].startswith("INSERT")]
    assert len(inserts) == 2 and all(" SELECT " in sql for sql in inserts)  # 4 + 3 records, copied
    copied = entries()
    TransitionLog.objects.all().delete()
    for business in businesses:
        BUSINESS_WORKFLOW.log_created([business], actor=actor, note=" impor data.csv ", at=at)
    assert copied == entries()
    assert [(entry[2], entry[5]) for entry in copied] == [
        (b.village_id, b.status) for b in sorted(businesses, key=lambda b: b.pk)
    ]


def test_a_command_is_named_on_the_entry_and_the_public_site_leaves_it_blank(tuban):
    business = BusinessFactory(village=tuban, status=S.DRAFT)
    BUSINESS_WORKFLOW.log_created([business], actor=SystemActor("import_businesses"))
    BUSINESS_WORKFLOW.log_created([business], actor=None)
    command, public = business.transitions.order_by("pk")
    assert (command.actor, command.actor_label) == (None, "manage.py import_businesses")
    assert (public.actor, public.actor_label) == (None, "")


# --- the log ------------------------------------------------------------------------------------------------------


def test_the_log_is_scoped_by_the_region_copied_onto_it(bali_regions, kbli):
    in_badung = BusinessFactory(village=bali_regions.tuban, status=S.DRAFT)
    in_denpasar = BusinessFactory(village=bali_regions.serangan, status=S.DRAFT)
    BUSINESS_WORKFLOW.log_created([in_badung, in_denpasar], actor=None)
    badung = staff_user(StaffRole.OPERATOR, "51.03", username="op.badung")
    province = staff_user(StaffRole.PROVINCE, "51", username="prov")
    outsider = staff_user(StaffRole.OPERATOR, "52.01", username="op.lombok")

    assert list(TransitionLog.objects.restrict(badung).values_list("object_id", flat=True)) == [in_badung.pk]
    assert TransitionLog.objects.restrict(province).count() == 2
    assert not TransitionLog.objects.restrict(outsider).exists()


def test_the_log_outlives_its_record(tuban):
    business = BusinessFactory(village=tuban, status=S.DRAFT)
    operator = staff_user(StaffRole.OPERATOR, "51.03", username="op")
    BUSINESS_WORKFLOW.log_created([business], actor=operator)
    pk = business.pk
    business.delete()
    assert TransitionLog.objects.filter(object_id=pk).exists()
    assert Business(pk=pk).transitions.exists()


# --- every creation goes through the engine ----------------------------------------------------------------------


def test_an_import_logs_each_new_business_in_one_insert(bali_regions, kbli):
    operator = staff_user(StaffRole.OPERATOR, "51.03", username="operator.badung")
    content = csv_bytes([row(number, status="draft" if number % 2 else "") for number in range(1, 41)])
    before = timezone.now()

    with CaptureQueriesContext(connection) as captured:
        result = businesses_import(
            source=io.BytesIO(content), filename="data.csv", user=operator, year=timezone.localdate().year
        )

    assert result.created == 40
    table = TransitionLog._meta.db_table
    assert len([q for q in captured.captured_queries if table in q["sql"] and q["sql"].startswith("INSERT")]) == 1
    steps = TransitionLog.objects.all()
    assert sorted(steps.values_list("object_id", flat=True)) == sorted(Business.objects.values_list("pk", flat=True))
    statuses = dict(Business.objects.values_list("pk", "status"))
    history_date = Business.history.values_list("history_date", flat=True).distinct().get()
    for step in steps:
        assert (step.action, step.from_state, step.to_state) == ("create", "", statuses[step.object_id])
        assert (step.actor, step.note, step.at) == (operator, "impor data.csv", history_date)
    assert before <= history_date
    assert set(statuses.values()) == {S.DRAFT, S.VERIFIED}


def test_reimporting_writes_no_new_entry(bali_regions, kbli):
    operator = staff_user(StaffRole.OPERATOR, "51.03", username="operator.badung")
    content = csv_bytes([row(1)])
    for _ in range(2):
        businesses_import(source=io.BytesIO(content), filename="a.csv", user=operator, year=timezone.localdate().year)
    assert TransitionLog.objects.count() == 1


# --- nothing writes a state field outside the engine ---------------------------------------------------------------

# Source files that write a field named like a workflow's state field on models that have no workflow.
ALLOWED = {
    "ikm_registry/jobs.py": "the state of background jobs (Job.status), a queue, not a review workflow",
}
SCANNED = ("businesses", "ikm_registry", "events", "certification")
ENGINE = "ikm_registry/workflow.py"
WRITING_METHODS = {"create", "update", "get_or_create", "update_or_create", "bulk_create"}


def state_writes(source: str, models: set[str], fields: set[str]) -> list[tuple[int, str]]:
    """Where `source` writes one of `fields`: Model(field=…) for a workflow model, .create/.update(field=…),
    defaults={"field": …}, obj.field = …, setattr(obj, "field", …), update_fields / bulk_update naming it."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                for part in ast.walk(target):
                    if isinstance(part, ast.Attribute) and part.attr in fields and isinstance(part.ctx, ast.Store):
                        found.append((node.lineno, f".{part.attr} ="))
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
        keywords = {k.arg for k in node.keywords if k.arg}
        if (name in models or name in WRITING_METHODS) and keywords & fields:
            found.append((node.lineno, f"{name}({', '.join(sorted(keywords & fields))}=…)"))
        if name == "setattr" and len(node.args) >= 2:
            if isinstance(node.args[1], ast.Constant) and node.args[1].value in fields:
                found.append((node.lineno, f"setattr(…, {node.args[1].value!r})"))
        named = []
        for keyword in node.keywords:
            # `fields=` writes only in bulk_update (an Index or a constraint names fields too, and writes nothing)
            if keyword.arg in ("defaults", "create_defaults", "update_fields") or (
                keyword.arg == "fields" and name == "bulk_update"
            ):
                named.append(keyword.value)
        if name == "bulk_update" and len(node.args) >= 2:
            named.append(node.args[1])
        for value in named:
            for part in ast.walk(value):
                if isinstance(part, ast.Constant) and part.value in fields:
                    found.append((node.lineno, f"{name}(… {part.value!r} …)"))
    return found


def test_the_guard_finds_each_kind_of_state_write():
    source = """
Business(name="x", status="published")
Business.objects.create(status="draft")
Business.objects.filter(pk=1).update(status="verified")
Business.objects.update_or_create(pk=1, defaults={"status": "verified"})
business.status = "published"
setattr(business, "status", "published")
business.save(update_fields=["status"])
Business.objects.bulk_update(rows, ["status"])
Business.objects.filter(status="draft")  # a read
BusinessPlan(status="draft")  # not a model with a workflow
"""
    lines = sorted(line for line, _what in state_writes(source, {"Business"}, {"status"}))
    assert lines == [2, 3, 4, 5, 6, 7, 8, 9]


def test_no_code_outside_the_engine_writes_a_workflow_state():
    workflows = registered_workflows()
    assert workflows, "no workflow registered"
    models = {w.model.__name__ for w in workflows}
    fields = {w.field for w in workflows}
    offences = []
    for package in SCANNED:
        for path in sorted((ROOT / package).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            if "/migrations/" in relative or relative == ENGINE or relative in ALLOWED:
                continue
            for line, what in state_writes(path.read_text(encoding="utf-8"), models, fields):
                offences.append(f"{relative}:{line}: {what}")
    assert offences == [], "state written outside ikm_registry/workflow.py:\n" + "\n".join(offences)


def test_the_allowed_files_hold_no_workflow_model():
    """An allowed file is about other models: if it names a workflow model, its writes are no longer harmless."""
    models = {w.model.__name__ for w in registered_workflows()}
    for relative in ALLOWED:
        tree = ast.parse((ROOT / relative).read_text(encoding="utf-8"))
        names = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
        names |= {node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute)}
        assert not names & models, relative


# --- the migration of BusinessTransition --------------------------------------------------------------------------

BEFORE = [("businesses", "0019_business_imports_are_tabular_imports"), ("ikm_registry", "0013_tabular_import")]
AFTER = [("businesses", "0020_business_transitions_into_transition_log"), ("ikm_registry", "0014_transition_log")]


@pytest.mark.django_db(transaction=True)
def test_business_transitions_move_into_the_log_and_back():
    executor = MigrationExecutor(connection)
    leaves = executor.loader.graph.leaf_nodes()
    try:
        executor.migrate(BEFORE)
        old = MigrationExecutor(connection).loader.project_state(BEFORE).apps
        Region = old.get_model("ikm_registry", "Region")
        Kbli = old.get_model("ikm_registry", "Kbli")
        User = old.get_model("auth", "User")
        OldBusiness = old.get_model("businesses", "Business")
        HistoricalBusiness = old.get_model("businesses", "HistoricalBusiness")
        BusinessTransition = old.get_model("businesses", "BusinessTransition")
        for code, level in (("51", "province"), ("51.03", "regency"), ("51.03.01", "district")):
            Region.objects.create(code=code, name=code, level=level, parent_id=code.rpartition(".")[0] or None)
        Region.objects.create(code="51.03.01.1001", name="Tuban", level="village", parent_id="51.03.01")
        Kbli.objects.create(code="13134", title="Batik", level="subclass")
        user = User.objects.create(username="op")
        kept = OldBusiness.objects.create(name="Ada", village_id="51.03.01.1001", kbli_id="13134", status="verified")
        HistoricalBusiness.objects.create(
            id=999, name="Terhapus", village_id="51.03.01.1001", kbli_id="13134", status="submitted",
            history_date=timezone.now(), history_type="-", created_at=timezone.now(), updated_at=timezone.now(),
        )  # fmt: skip
        times = [timezone.now() - datetime.timedelta(days=days, microseconds=123) for days in (3, 2, 1)]
        made = [
            BusinessTransition.objects.create(business_id=kept.pk, from_status="draft", to_status="submitted"),
            BusinessTransition.objects.create(
                business_id=kept.pk, from_status="submitted", to_status="verified", actor_id=user.pk, note="ok"
            ),
            BusinessTransition.objects.create(
                business_id=999, from_status="draft", to_status="submitted", actor_id=user.pk
            ),
        ]
        for step, at in zip(made, times, strict=True):
            BusinessTransition.objects.filter(pk=step.pk).update(at=at)

        executor = MigrationExecutor(connection)
        executor.migrate(AFTER)
        new = executor.loader.project_state(AFTER).apps
        Log = new.get_model("ikm_registry", "TransitionLog")
        rows = list(
            Log.objects.order_by("pk").values_list(
                "content_type__model", "object_id", "region_code", "action", "from_state", "to_state", "actor_id", "at", "note"
            )
        )  # fmt: skip
        assert rows == [
            ("business", kept.pk, "51.03.01.1001", "create", "", "submitted", None, times[0], ""),
            ("business", kept.pk, "51.03.01.1001", "verify", "submitted", "verified", user.pk, times[1], "ok"),
            ("business", 999, "51.03.01.1001", "submit", "draft", "submitted", user.pk, times[2], ""),
        ]

        executor = MigrationExecutor(connection)
        executor.migrate(BEFORE)
        back = executor.loader.project_state(BEFORE).apps.get_model("businesses", "BusinessTransition")
        assert list(
            back.objects.order_by("pk").values_list("business_id", "from_status", "to_status", "actor_id", "at", "note")
        ) == [
            (kept.pk, "draft", "submitted", None, times[0], ""),
            (kept.pk, "submitted", "verified", user.pk, times[1], "ok"),
            (999, "draft", "submitted", user.pk, times[2], ""),
        ]
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(leaves)
