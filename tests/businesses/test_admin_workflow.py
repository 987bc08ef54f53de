"""The review workflow in the admin: the step buttons of the change form, bulk actions, the note box and the home queue."""

import datetime

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains

from businesses.choices import BusinessStatus
from businesses.models import Business
from businesses.selectors import submitted_queue
from businesses.services import TRANSITIONS, business_return
from businesses.services.workflow import BUSINESS_WORKFLOW
from ikm_registry.choices import StaffRole
from ikm_registry.models import TransitionLog
from tests.admin_forms import business_form_data, change_form_data
from tests.factories import SYSTEM, BusinessFactory, staff_user

S = BusinessStatus


@pytest.fixture
def official_client(client, tuban):
    client.force_login(staff_user(StaffRole.OFFICIAL, "51.03", username="kabid.badung"))
    return client


def change_url(business):
    return reverse("admin:businesses_business_change", args=[business.pk])


def step(client, business, action, note="", url=None, **changes):
    """Press the step button `action` on the change page, as the browser does: the change form is posted with the
    button's name and value and the step's note box (plus any field `changes`)."""
    url = url or change_url(business)
    data = change_form_data(client, url, **changes)
    data.update({"_workflow": action, f"_workflow_note_{action}": note})
    return client.post(url, data)


def hand_step(client, business, action, note=""):
    """The same POST built without loading the page (for users who may not open it)."""
    data = business_form_data(business, _workflow=action, **{f"_workflow_note_{action}": note})
    return client.post(change_url(business), data)


def message_texts(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.mark.parametrize(
    ("status", "offered"),
    [
        (S.DRAFT, {"submit"}),
        (S.SUBMITTED, {"verify", "return", "reject"}),
        (S.VERIFIED, {"publish"}),
        (S.RETURNED, {"resubmit"}),
        (S.REJECTED, set()),
        (S.PUBLISHED, {"deactivate"}),
        (S.INACTIVE, set()),
    ],
)
def test_change_page_offers_only_the_allowed_steps(operator_client, tuban, status, offered):
    business = BusinessFactory(village=tuban, status=status)
    response = operator_client.get(change_url(business))
    assert response.status_code == 200
    shown = {item["transition"].action for item in response.context["workflow_actions"]}
    assert shown == offered
    for action in TRANSITIONS:
        button = f'name="_workflow" value="{action}" form="business_form"'
        if action in offered:
            assertContains(response, button)
        else:
            assertNotContains(response, button)


def test_official_sees_no_buttons(official_client, tuban):
    business = BusinessFactory(village=tuban, status=S.SUBMITTED)
    response = official_client.get(change_url(business))
    assert response.status_code == 200
    assert response.context["workflow_actions"] == []
    assertNotContains(response, 'name="_workflow"')


def test_post_takes_the_step_and_redirects_back(operator_client, operator, tuban):
    business = BusinessFactory(village=tuban, status=S.SUBMITTED)
    response = step(operator_client, business, "verify", "Sudah dicek.")
    assert response.status_code == 302
    assert response.url == change_url(business)
    business.refresh_from_db()
    assert business.status == S.VERIFIED
    taken = TransitionLog.objects.get()
    assert (taken.actor, taken.note) == (operator, "Sudah dicek.")
    assert any("Terverifikasi" in text for text in message_texts(response))


def test_a_step_saves_what_was_typed_first(operator_client, operator, tuban):
    """Issue 9.1: the operator types the missing NIB and coordinates, then presses Verifikasi."""
    business = BusinessFactory(village=tuban, status=S.SUBMITTED, nib="", latitude=None, longitude=None)
    response = step(
        operator_client,
        business,
        "verify",
        "NIB dilengkapi.",
        nib="9120001234567",
        latitude="-8.7383",
        longitude="115.1686",
    )
    assert response.status_code == 302
    business.refresh_from_db()
    assert (business.status, business.nib) == (S.VERIFIED, "9120001234567")
    assert (str(business.latitude), str(business.longitude)) == ("-8.738300", "115.168600")
    assert message_texts(response) == [f"Perubahan disimpan. Status “{business.name}” sekarang Terverifikasi."]
    versions = list(business.history.order_by("history_id"))
    assert versions[-2].nib == "9120001234567" and versions[-2].status == S.SUBMITTED  # the typed edit, then the step
    assert (versions[-1].status, versions[-1].history_user) == (S.VERIFIED, operator)


def test_a_form_error_stops_the_step_and_keeps_the_input(operator_client, tuban):
    business = BusinessFactory(village=tuban, status=S.SUBMITTED, nib="")
    response = step(operator_client, business, "verify", nib="12345", main_product="Kain endek ikat")
    assert response.status_code == 200  # the form again, with the error and what was typed
    assert "nib" in response.context["adminform"].form.errors
    assertContains(response, 'value="12345"')
    assertContains(response, 'value="Kain endek ikat"')
    business.refresh_from_db()
    assert (business.status, business.nib) == (S.SUBMITTED, "")
    assert business.main_product != "Kain endek ikat"
    assert not TransitionLog.objects.exists()


def test_a_refused_step_keeps_the_saved_edits_and_says_so(operator_client, tuban):
    business = BusinessFactory(village=tuban, status=S.SUBMITTED)
    response = step(operator_client, business, "return", "", main_product="Kain tenun ikat")
    texts = message_texts(response)
    assert len(texts) == 1 and texts[0].startswith("Perubahan disimpan. Status tidak diubah: Catatan wajib diisi")
    business.refresh_from_db()
    assert (business.status, business.main_product) == (S.SUBMITTED, "Kain tenun ikat")


def test_enter_in_a_field_saves_without_a_step(operator_client, tuban):
    """The first submit button of the change form (Enter in a field presses it) only saves."""
    business = BusinessFactory(village=tuban, status=S.SUBMITTED)
    response = operator_client.get(change_url(business))
    html = response.content.decode()
    first_button = html.index('form="business_form"')
    assert html.rfind("<input", 0, first_button) > html.rfind("<button", 0, first_button)
    assert 'name="_save"' in html[html.rfind("<input", 0, first_button) : first_button]


def test_redirect_keeps_the_list_filters(operator_client, tuban):
    business = BusinessFactory(village=tuban, status=S.DRAFT)
    url = change_url(business) + "?_changelist_filters=status__exact%3Ddraft"
    response = step(operator_client, business, "submit", url=url)
    assert response.url == change_url(business) + "?_changelist_filters=status__exact%3Ddraft"


def test_get_takes_no_step(operator_client, tuban):
    business = BusinessFactory(village=tuban, status=S.SUBMITTED)
    response = operator_client.get(change_url(business) + "?_workflow=verify")
    assert response.status_code == 200
    business.refresh_from_db()
    assert business.status == S.SUBMITTED


def test_post_needs_csrf_token(tuban, operator):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(operator)
    business = BusinessFactory(village=tuban, status=S.SUBMITTED)
    assert hand_step(client, business, "verify").status_code == 403
    business.refresh_from_db()
    assert business.status == S.SUBMITTED


def test_unknown_action_takes_no_step(operator_client, tuban):
    business = BusinessFactory(village=tuban, status=S.SUBMITTED)
    response = step(operator_client, business, "approve")
    assert response.status_code == 302
    assert "Langkah alur kerja tidak dikenal." in message_texts(response)
    business.refresh_from_db()
    assert business.status == S.SUBMITTED


def test_official_post_is_403(official_client, tuban):
    business = BusinessFactory(village=tuban, status=S.SUBMITTED)
    assert hand_step(official_client, business, "verify").status_code == 403
    business.refresh_from_db()
    assert business.status == S.SUBMITTED
    assert not TransitionLog.objects.exists()


def test_operator_of_another_regency_gets_404(client, tuban):
    business = BusinessFactory(village=tuban, status=S.SUBMITTED)
    client.force_login(staff_user(StaffRole.OPERATOR, "51.71", username="operator.denpasar"))
    assert hand_step(client, business, "verify").status_code == 404
    business.refresh_from_db()
    assert business.status == S.SUBMITTED


@pytest.mark.parametrize("action", ["return", "reject"])
def test_step_without_required_note_is_refused_with_the_error_shown(operator_client, tuban, action):
    business = BusinessFactory(village=tuban, status=S.SUBMITTED)
    response = step(operator_client, business, action, "  ")
    response = operator_client.get(response.url)
    assert response.status_code == 200
    assertContains(response, "Catatan wajib diisi")
    business.refresh_from_db()
    assert business.status == S.SUBMITTED
    assert not TransitionLog.objects.exists()


def test_wrong_state_post_is_refused_with_the_error_shown(operator_client, tuban):
    business = BusinessFactory(village=tuban, status=S.DRAFT)
    response = step(operator_client, business, "publish")
    response = operator_client.get(response.url)
    assertContains(response, "hanya untuk IKM berstatus Terverifikasi; status IKM ini Draf")
    business.refresh_from_db()
    assert business.status == S.DRAFT


def test_note_boxes_belong_to_the_change_form(operator_client, tuban):
    business = BusinessFactory(village=tuban, status=S.SUBMITTED)
    response = operator_client.get(change_url(business))
    for action in ("verify", "return", "reject"):
        assertContains(
            response, f'name="_workflow_note_{action}" id="workflow-note-{action}" rows="3" form="business_form"'
        )
    # Not `required`: the box belongs to the whole change form, which must still save without a note.
    assertNotContains(response, 'rows="3" form="business_form" required')
    assertNotContains(response, 'id="workflow-note-verify" rows="3" required', html=False)


# --- status is not editable in the forms ----------------------------------------------------------------------------


def test_status_cannot_be_changed_by_the_change_form(operator_client, tuban):
    business = BusinessFactory(village=tuban, status=S.SUBMITTED)
    data = business_form_data(business, status=S.PUBLISHED, name="Batik Tuban Baru")
    response = operator_client.post(change_url(business), data)
    assert response.status_code == 302  # saved
    business.refresh_from_db()
    assert business.name == "Batik Tuban Baru"
    assert business.status == S.SUBMITTED


def test_status_is_read_only_on_the_change_page(operator_client, tuban):
    business = BusinessFactory(village=tuban, status=S.SUBMITTED)
    response = operator_client.get(change_url(business))
    assert "status" not in response.context["adminform"].form.fields
    assertNotContains(response, 'name="status"')


def test_add_form_creates_a_draft(operator_client, tuban):
    response = operator_client.get(reverse("admin:businesses_business_add"))
    assert "status" not in response.context["adminform"].form.fields
    data = {
        "name": "Tenun Baru",
        "legal_form": "perorangan",
        "status": S.PUBLISHED,
        "village": tuban.pk,
        "kbli": "13134",
        "owner-TOTAL_FORMS": "1",
        "owner-INITIAL_FORMS": "0",
        "owner-0-name": "Ni Made",
        "owner-0-sex": "P",
    }
    for prefix in ("links", "years", "products", "assistance", "obstacles"):
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    response = operator_client.post(reverse("admin:businesses_business_add"), data)
    assert response.status_code == 302
    assert Business.objects.get(name="Tenun Baru").status == S.DRAFT


# --- bulk actions ---------------------------------------------------------------------------------------------------


def bulk(client, action, businesses):
    return client.post(
        reverse("admin:businesses_business_changelist"),
        {"action": action, "_selected_action": [b.pk for b in businesses]},
    )


def test_bulk_action_moves_the_allowed_rows_and_reports_the_refused(operator_client, tuban):
    ready = [BusinessFactory(name=f"Siap {n}", village=tuban, status=S.SUBMITTED) for n in range(2)]
    draft = BusinessFactory(name="Masih Draf", village=tuban, status=S.DRAFT)

    response = bulk(operator_client, "verify_selected", [*ready, draft])

    assert response.status_code == 302
    assert set(Business.objects.filter(status=S.VERIFIED).values_list("name", flat=True)) == {"Siap 0", "Siap 1"}
    assert Business.objects.get(pk=draft.pk).status == S.DRAFT
    assert TransitionLog.objects.count() == 2
    texts = message_texts(response)
    assert "2 IKM sekarang berstatus Terverifikasi." in texts
    summary = next(text for text in texts if "tidak diubah" in text)
    assert summary.startswith("1 IKM tidak diubah")
    assert "diproses sendiri-sendiri" in summary
    refusal = next(text for text in texts if "Masih Draf" in text)
    assert f'href="{change_url(draft)}"' in refusal
    assert "status IKM ini Draf" in refusal


@pytest.mark.parametrize(
    ("action", "source", "target"),
    [
        ("submit_selected", S.DRAFT, S.SUBMITTED),
        ("verify_selected", S.SUBMITTED, S.VERIFIED),
        ("publish_selected", S.VERIFIED, S.PUBLISHED),
        ("deactivate_selected", S.PUBLISHED, S.INACTIVE),
    ],
)
def test_each_bulk_action_moves_its_rows(operator_client, tuban, action, source, target):
    businesses = [BusinessFactory(village=tuban, status=source) for _ in range(3)]
    bulk(operator_client, action, businesses)
    assert set(Business.objects.values_list("status", flat=True)) == {target}


def test_bulk_action_names_at_most_twenty_refused_rows(operator_client, tuban):
    drafts = [BusinessFactory(name=f"Draf {n:02d}", village=tuban, status=S.DRAFT) for n in range(23)]
    texts = message_texts(bulk(operator_client, "verify_selected", drafts))
    assert sum("status IKM ini Draf" in text for text in texts) == 20
    assert "… dan 3 lainnya." in texts


def offered_actions(client):
    response = client.get(reverse("admin:businesses_business_changelist"))
    assert response.status_code == 200
    form = response.context["action_form"]
    return {value for value, _label in form.fields["action"].choices} if form else set()


def test_bulk_actions_offered_to_operators_without_return_or_reject(operator_client):
    actions = offered_actions(operator_client)
    assert {"submit_selected", "verify_selected", "publish_selected", "deactivate_selected"} <= actions
    assert not any("return" in a or "reject" in a for a in actions)


def test_bulk_actions_not_offered_to_officials(official_client):
    assert not {"submit_selected", "verify_selected", "publish_selected", "deactivate_selected"} & offered_actions(
        official_client
    )


def test_official_cannot_run_a_bulk_action_by_posting(official_client, tuban):
    business = BusinessFactory(village=tuban, status=S.SUBMITTED)
    bulk(official_client, "verify_selected", [business])
    assert Business.objects.get(pk=business.pk).status == S.SUBMITTED


# --- the note box and the history ---------------------------------------------------------------------------------


@pytest.fixture
def returned(tuban, operator):
    business = BusinessFactory(name="Batik Tuban", village=tuban, status=S.SUBMITTED)
    business_return(business=business, actor=operator, note="NIB belum diisi; lengkapi foto produk.")
    return business


def test_returned_note_box_is_shown(operator_client, returned):
    response = operator_client.get(change_url(returned))
    assertContains(response, 'class="review-note status-returned"')
    assertContains(response, "Catatan pengembalian")
    assertContains(response, "NIB belum diisi; lengkapi foto produk.")
    assertContains(response, "oleh operator.badung")


def test_officials_see_the_note_box_too(official_client, returned):
    response = official_client.get(change_url(returned))
    assertContains(response, "NIB belum diisi; lengkapi foto produk.")


def test_rejected_note_box_names_the_reason(operator_client, tuban, operator):
    business = BusinessFactory(village=tuban, status=S.SUBMITTED)
    client_response = step(operator_client, business, "reject", "Duplikat dari ID 12.")
    assert client_response.status_code == 302
    response = operator_client.get(change_url(business))
    assertContains(response, "Alasan penolakan")
    assertContains(response, "Duplikat dari ID 12.")


def test_no_note_box_for_other_states(operator_client, tuban):
    business = BusinessFactory(village=tuban, status=S.SUBMITTED)
    response = operator_client.get(change_url(business))
    assertNotContains(response, "review-note")


def test_change_page_shows_the_status_history(operator_client, returned):
    response = operator_client.get(change_url(returned))
    assertContains(response, "Riwayat status")
    assertContains(response, "<td>operator.badung</td>", html=True)
    assertContains(response, "Diajukan → Dikembalikan")


# --- the home page queue --------------------------------------------------------------------------------------------


def step_at(business, action, at):
    """`action` taken on `business` by the workflow engine as if at time `at` (the log's time and the business's
    status_changed_at are the engine's clock)."""
    real_now = timezone.now
    timezone.now = lambda: at
    try:
        return BUSINESS_WORKFLOW.perform(business, action, actor=SYSTEM, note="catatan")
    finally:
        timezone.now = real_now


def submitted_with_entry(name, village, days_ago):
    business = BusinessFactory(name=name, village=village, status=S.DRAFT)
    return step_at(business, "submit", timezone.now() - datetime.timedelta(days=days_ago))


def test_home_queue_lists_the_longest_waiting_first(operator_client, tuban):
    submitted_with_entry("Baru Masuk", tuban, days_ago=1)
    oldest = submitted_with_entry("Paling Lama", tuban, days_ago=30)
    submitted_with_entry("Menengah", tuban, days_ago=10)
    # Edited yesterday, waiting for a month: editing does not move it to the back of the queue.
    Business.objects.filter(pk=oldest.pk).update(updated_at=timezone.now())
    # Submitted before the engine wrote status_changed_at (migration 0029): waits since it was created.
    seeded = BusinessFactory(name="Data Awal", village=tuban, status=S.SUBMITTED)
    Business.objects.filter(pk=seeded.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=20), status_changed_at=None
    )

    response = operator_client.get(reverse("admin:index"))

    queue = response.context["attention"]["submitted_oldest"]
    assert [b.name for b in queue] == ["Paling Lama", "Data Awal", "Menengah", "Baru Masuk"]
    content = response.content.decode()
    assert content.index("Paling Lama") < content.index("Data Awal") < content.index("Menengah")
    # The time shown is when it entered the queue (the log's step), not when it was last edited.
    entered = timezone.localtime(oldest.transitions.get().at)
    assertContains(response, f'<time datetime="{entered.isoformat()}"')


def test_queue_counts_from_the_latest_entry_into_submitted(operator_client, tuban, operator):
    resubmitted = submitted_with_entry("Diajukan Ulang", tuban, days_ago=40)
    step_at(resubmitted, "return", timezone.now() - datetime.timedelta(days=39))
    step_at(resubmitted, "resubmit", timezone.now() - datetime.timedelta(days=1))
    submitted_with_entry("Menunggu", tuban, days_ago=5)

    queue = operator_client.get(reverse("admin:index")).context["attention"]["submitted_oldest"]

    assert [b.name for b in queue] == ["Menunggu", "Diajukan Ulang"]


def test_the_queue_shows_ten_and_links_to_the_whole_list(operator_client, tuban):
    for number in range(12):
        submitted_with_entry(f"Antre {number:02d}", tuban, days_ago=30 - number)
    response = operator_client.get(reverse("admin:index"))
    queue = response.context["attention"]["submitted_oldest"]
    assert [b.name for b in queue] == [f"Antre {number:02d}" for number in range(10)]
    assertContains(response, f'href="{reverse("admin:businesses_business_changelist")}?status=submitted"')
    assertContains(response, "Lihat semua 12 IKM yang menunggu verifikasi")


def test_official_sees_the_queue(official_client, tuban):
    submitted_with_entry("Menunggu", tuban, days_ago=3)
    response = official_client.get(reverse("admin:index"))
    assert [b.name for b in response.context["attention"]["submitted_oldest"]] == ["Menunggu"]


def test_the_queue_is_read_in_order_from_its_index(tuban):
    """The queue's order is the expression of the partial index business_submitted_queue, so PostgreSQL reads the
    first ten from it (no sort of every submitted business): its plan names the index when sorting is made dear.
    SQLite, for small registries, may sort the few rows instead; the order is the same."""
    for number in range(3):
        submitted_with_entry(f"Antre {number}", tuban, days_ago=number + 1)
    queue = submitted_queue(Business.objects.filter(village__code__startswith="51"))[:10]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for setting in ("enable_seqscan", "enable_sort", "enable_bitmapscan"):
                cursor.execute(f"SET LOCAL {setting} = off")
        plan = queue.explain()
        assert "business_submitted_queue" in plan and "Sort" not in plan, plan
    assert [business.name for business in queue] == ["Antre 2", "Antre 1", "Antre 0"]


QUEUE_BEFORE = [("businesses", "0028_report_figures")]
QUEUE_AFTER = [("businesses", "0029_business_submitted_queue")]


@pytest.mark.django_db(transaction=True)
def test_the_migration_dates_the_waiting_businesses_from_the_log():
    """0029: a submitted business waits since its latest logged step into `submitted`; one with no such step, and
    every business in another state, is left empty (the queue counts those from their creation)."""
    executor = MigrationExecutor(connection)
    leaves = executor.loader.graph.leaf_nodes()
    try:
        executor.migrate(QUEUE_BEFORE)
        old = MigrationExecutor(connection).loader.project_state(QUEUE_BEFORE).apps
        Region = old.get_model("ikm_registry", "Region")
        for code, level in (("51", "province"), ("51.03", "regency"), ("51.03.01", "district")):
            Region.objects.create(code=code, name=code, level=level, parent_id=code.rpartition(".")[0] or None)
        Region.objects.create(code="51.03.01.1001", name="Tuban", level="village", parent_id="51.03.01")
        old.get_model("ikm_registry", "Kbli").objects.create(code="13134", title="Batik", level="subclass")
        OldBusiness = old.get_model("businesses", "Business")
        content_type, _ = old.get_model("contenttypes", "ContentType").objects.get_or_create(
            app_label="businesses", model="business"
        )
        Log = old.get_model("ikm_registry", "TransitionLog")
        made = {
            name: OldBusiness.objects.create(name=name, village_id="51.03.01.1001", kbli_id="13134", status=status)
            for name, status in (("diajukan ulang", "submitted"), ("tanpa log", "submitted"), ("terbit", "published"))
        }
        times = [timezone.now() - datetime.timedelta(days=days) for days in (9, 8, 2, 5)]
        for business, target, at in (
            (made["diajukan ulang"], "submitted", times[0]),
            (made["diajukan ulang"], "returned", times[1]),
            (made["diajukan ulang"], "submitted", times[2]),
            (made["terbit"], "submitted", times[3]),
        ):
            Log.objects.create(
                content_type=content_type, object_id=business.pk, action="x", to_state=target, at=at, region_code=""
            )

        executor = MigrationExecutor(connection)
        executor.migrate(QUEUE_AFTER)
        new = executor.loader.project_state(QUEUE_AFTER).apps.get_model("businesses", "Business")
        since = dict(new.objects.values_list("name", "status_changed_at"))
        assert since == {"diajukan ulang": times[2], "tanpa log": None, "terbit": None}
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(leaves)
