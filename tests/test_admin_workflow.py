"""The review workflow in the admin: buttons, the transition URL, bulk actions, the note box and the home queue."""

import datetime

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains

from businesses.choices import BusinessStatus
from businesses.models import Business, BusinessTransition
from businesses.services import TRANSITIONS, business_return
from ikm_registry.choices import StaffRole
from tests.factories import BusinessFactory, make_kbli, make_village, staff_user
from tests.test_admin_scoping import business_form_data

S = BusinessStatus


@pytest.fixture
def tuban(db):
    make_kbli("13134")
    return make_village("51.03.01.1001", "Tuban")


@pytest.fixture
def operator(tuban):
    return staff_user(StaffRole.OPERATOR, "51.03", username="operator.badung")


@pytest.fixture
def operator_client(client, operator):
    client.force_login(operator)
    return client


@pytest.fixture
def official_client(client, tuban):
    client.force_login(staff_user(StaffRole.OFFICIAL, "51.03", username="kabid.badung"))
    return client


def change_url(business):
    return reverse("admin:businesses_business_change", args=[business.pk])


def transition_url(business, action):
    return reverse("admin:businesses_business_transition", args=[business.pk, action])


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
        if action in offered:
            assertContains(response, f'action="{transition_url(business, action)}"')
        else:
            assertNotContains(response, f'action="{transition_url(business, action)}"')


def test_official_sees_no_buttons(official_client, tuban):
    business = BusinessFactory(village=tuban, status=S.SUBMITTED)
    response = official_client.get(change_url(business))
    assert response.status_code == 200
    assert response.context["workflow_actions"] == []
    assertNotContains(response, "/transition/")


def test_post_takes_the_step_and_redirects_back(operator_client, operator, tuban):
    business = BusinessFactory(village=tuban, status=S.SUBMITTED)
    response = operator_client.post(transition_url(business, "verify"), {"note": "Sudah dicek."})
    assert response.status_code == 302
    assert response.url == change_url(business)
    business.refresh_from_db()
    assert business.status == S.VERIFIED
    step = BusinessTransition.objects.get()
    assert (step.actor, step.note) == (operator, "Sudah dicek.")
    assert any("Terverifikasi" in text for text in message_texts(response))


def test_redirect_keeps_the_list_filters(operator_client, tuban):
    business = BusinessFactory(village=tuban, status=S.DRAFT)
    url = transition_url(business, "submit") + "?_changelist_filters=status__exact%3Ddraft"
    response = operator_client.post(url)
    assert response.url == change_url(business) + "?_changelist_filters=status__exact%3Ddraft"


def test_get_is_not_allowed(operator_client, tuban):
    business = BusinessFactory(village=tuban, status=S.SUBMITTED)
    response = operator_client.get(transition_url(business, "verify"))
    assert response.status_code == 405
    business.refresh_from_db()
    assert business.status == S.SUBMITTED


def test_post_needs_csrf_token(tuban, operator):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(operator)
    business = BusinessFactory(village=tuban, status=S.SUBMITTED)
    assert client.post(transition_url(business, "verify")).status_code == 403
    business.refresh_from_db()
    assert business.status == S.SUBMITTED


def test_unknown_action_is_404(operator_client, tuban):
    business = BusinessFactory(village=tuban, status=S.SUBMITTED)
    assert operator_client.post(transition_url(business, "approve")).status_code == 404


def test_official_post_is_403(official_client, tuban):
    business = BusinessFactory(village=tuban, status=S.SUBMITTED)
    assert official_client.post(transition_url(business, "verify")).status_code == 403
    business.refresh_from_db()
    assert business.status == S.SUBMITTED
    assert not BusinessTransition.objects.exists()


def test_operator_of_another_regency_gets_404(client, tuban):
    business = BusinessFactory(village=tuban, status=S.SUBMITTED)
    client.force_login(staff_user(StaffRole.OPERATOR, "51.71", username="operator.denpasar"))
    assert client.post(transition_url(business, "verify")).status_code == 404
    business.refresh_from_db()
    assert business.status == S.SUBMITTED


@pytest.mark.parametrize("action", ["return", "reject"])
def test_step_without_required_note_is_refused_with_the_error_shown(operator_client, tuban, action):
    business = BusinessFactory(village=tuban, status=S.SUBMITTED)
    response = operator_client.post(transition_url(business, action), {"note": "  "}, follow=True)
    assert response.status_code == 200
    assertContains(response, "Catatan wajib diisi")
    business.refresh_from_db()
    assert business.status == S.SUBMITTED
    assert not BusinessTransition.objects.exists()


def test_wrong_state_post_is_refused_with_the_error_shown(operator_client, tuban):
    business = BusinessFactory(village=tuban, status=S.DRAFT)
    response = operator_client.post(transition_url(business, "publish"), follow=True)
    assertContains(response, "hanya untuk IKM berstatus Terverifikasi; status IKM ini Draf")
    business.refresh_from_db()
    assert business.status == S.DRAFT


def test_required_note_textarea_is_marked_required(operator_client, tuban):
    business = BusinessFactory(village=tuban, status=S.SUBMITTED)
    response = operator_client.get(change_url(business))
    assertContains(response, 'id="workflow-note-return" rows="3" required', html=False)
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
    for prefix in ("years", "products", "assistance", "obstacles"):
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
    assert BusinessTransition.objects.count() == 2
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
    client_response = operator_client.post(transition_url(business, "reject"), {"note": "Duplikat dari ID 12."})
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


def submitted_with_entry(name, village, days_ago):
    business = BusinessFactory(name=name, village=village, status=S.SUBMITTED)
    step = BusinessTransition.objects.create(business=business, from_status=S.DRAFT, to_status=S.SUBMITTED)
    BusinessTransition.objects.filter(pk=step.pk).update(at=timezone.now() - datetime.timedelta(days=days_ago))
    return business


def test_home_queue_lists_the_longest_waiting_first(operator_client, tuban):
    submitted_with_entry("Baru Masuk", tuban, days_ago=1)
    oldest = submitted_with_entry("Paling Lama", tuban, days_ago=30)
    submitted_with_entry("Menengah", tuban, days_ago=10)
    # Edited yesterday, waiting for a month: editing does not move it to the back of the queue.
    Business.objects.filter(pk=oldest.pk).update(updated_at=timezone.now())
    # Seeded without a transition: waits since it was created.
    seeded = BusinessFactory(name="Data Awal", village=tuban, status=S.SUBMITTED)
    Business.objects.filter(pk=seeded.pk).update(created_at=timezone.now() - datetime.timedelta(days=20))

    response = operator_client.get(reverse("admin:index"))

    queue = response.context["attention"]["submitted_oldest"]
    assert [b.name for b in queue] == ["Paling Lama", "Data Awal", "Menengah", "Baru Masuk"]
    content = response.content.decode()
    assert content.index("Paling Lama") < content.index("Data Awal") < content.index("Menengah")
    # The time shown is when it entered the queue, not when it was last edited.
    entered = timezone.localtime(BusinessTransition.objects.get(business=oldest).at)
    assertContains(response, f'<time datetime="{entered.isoformat()}"')


def test_queue_counts_from_the_latest_entry_into_submitted(operator_client, tuban, operator):
    resubmitted = submitted_with_entry("Diajukan Ulang", tuban, days_ago=40)
    BusinessTransition.objects.create(business=resubmitted, from_status=S.RETURNED, to_status=S.SUBMITTED)
    submitted_with_entry("Menunggu", tuban, days_ago=5)

    queue = operator_client.get(reverse("admin:index")).context["attention"]["submitted_oldest"]

    assert [b.name for b in queue] == ["Menunggu", "Diajukan Ulang"]


def test_official_sees_the_queue(official_client, tuban):
    submitted_with_entry("Menunggu", tuban, days_ago=3)
    response = official_client.get(reverse("admin:index"))
    assert [b.name for b in response.context["attention"]["submitted_oldest"]] == ["Menunggu"]
