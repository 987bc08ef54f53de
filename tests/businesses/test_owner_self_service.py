"""The owner's private link: follow a registration, correct and resubmit it when returned, propose changes to a
published business that staff review (the public page changes only on approval), and ask for the link again."""

import datetime
import io
import re

import pytest
from django.core import mail
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from businesses.choices import BusinessStatus, ProposalStatus
from businesses.models import Business, BusinessLink, ChangeProposal, Owner, Product
from businesses.services.owner_link import holder_of, owner_link_issue
from businesses.services.proposals import PROPOSAL_WORKFLOW, proposal_rows, proposal_step, proposal_submit
from businesses.services.workflow import business_return
from ikm_registry import messaging
from ikm_registry.choices import StaffRole
from ikm_registry.models import TransitionLog
from tests.admin_forms import change_form_data
from tests.factories import BusinessFactory, staff_user
from tests.self_registration import VALID_NIK, form_data, register_url


def owner_url(secret):
    return reverse("businesses:owner_page", args=[secret])


def jpeg(colour=(200, 30, 30)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(buffer, "JPEG")
    return SimpleUploadedFile("foto.jpg", buffer.getvalue(), content_type="image/jpeg")


@pytest.fixture
def published(bali_regions, kbli):
    business = BusinessFactory(
        name="Endek Sari",
        village=bali_regions.tuban,
        kbli=kbli.batik,
        status=BusinessStatus.PUBLISHED,
        owner__phone="081234567890",
        owner__email="sari@example.id",
        owner__nik=VALID_NIK,
    )
    owner_link_issue(business.owner)
    return business


def proposal_data(published, **changes):
    data = {
        "action": "propose",
        "name": published.name,
        "main_product": published.main_product,
        "owner_phone": "081234567890",
        "owner_email": "sari@example.id",
    }
    data.update(changes)
    return data


# --- after self-registration ----------------------------------------------------------------------------------


class TestRegistrationLink:
    def test_the_sent_page_gives_the_private_link_and_mails_it(self, client, bali_regions, kbli):
        response = client.post(register_url(), form_data(bali_regions, owner_email="sari@example.id"))
        assert response.status_code == 302
        owner = Owner.objects.get()
        assert owner.link_secret and len(owner.link_secret) >= 40
        done = client.get(reverse("businesses:register_done")).content.decode()
        assert owner_url(owner.link_secret) in done
        assert len(mail.outbox) == 1 and owner_url(owner.link_secret) in mail.outbox[0].body
        assert mail.outbox[0].to == ["sari@example.id"]

    def test_the_private_page_shows_the_status_privately(self, client, bali_regions, kbli):
        client.post(register_url(), form_data(bali_regions))
        owner = Owner.objects.get()
        response = client.get(owner_url(owner.link_secret))
        page = response.content.decode()
        assert response.status_code == 200 and "Tenun Sari Kuta" in page and "Diajukan" in page
        assert "no-store" in response["Cache-Control"] and "noindex" in response["X-Robots-Tag"]
        assert response["Referrer-Policy"] == "same-origin"
        assert VALID_NIK not in page

    def test_an_unknown_or_replaced_link_is_404(self, client, published):
        old = published.owner.link_secret
        assert client.get(owner_url("x" * 43)).status_code == 404
        owner_link_issue(published.owner)
        assert client.get(owner_url(old)).status_code == 404
        assert client.get(owner_url(published.owner.link_secret)).status_code == 200


# --- a returned registration ----------------------------------------------------------------------------------


class TestCorrection:
    @pytest.fixture
    def returned(self, client, bali_regions, kbli, operator):
        client.post(register_url(), form_data(bali_regions))
        business = Business.objects.get()
        business_return(business=business, actor=operator, note="NIB salah ketik; periksa lagi.")
        return Business.objects.get()

    def test_the_owner_reads_the_note_corrects_and_resubmits(self, client, returned, bali_regions):
        secret = returned.owner.link_secret
        page = client.get(owner_url(secret)).content.decode()
        assert "NIB salah ketik; periksa lagi." in page and 'name="action" value="correct"' in page
        assert VALID_NIK not in page  # the NIK on file is never written into the page
        data = form_data(bali_regions, name="Tenun Sari Kuta Baru", nib="", owner_nik="")
        data["action"] = "correct"
        response = client.post(owner_url(secret), data)
        assert response.status_code == 302
        returned.refresh_from_db()
        assert returned.status == BusinessStatus.SUBMITTED and returned.name == "Tenun Sari Kuta Baru"
        assert returned.owner.nik == VALID_NIK  # empty kept it
        step = TransitionLog.objects.for_object(returned).order_by("-at", "-pk").first()
        assert step.action == "resubmit" and step.actor is None and step.actor_label == "pemilik (tautan pribadi)"
        assert returned.history.first().history_change_reason

    def test_a_bad_correction_names_the_field_and_writes_nothing(self, client, returned, bali_regions):
        data = form_data(bali_regions, owner_phone="12", owner_nik="")
        data["action"] = "correct"
        response = client.post(owner_url(returned.owner.link_secret), data)
        assert response.status_code == 400
        assert response.context["correction"].errors["owner_phone"]
        returned.refresh_from_db()
        assert returned.status == BusinessStatus.RETURNED

    def test_the_kbli_search_works_without_javascript_and_writes_nothing(self, client, returned, bali_regions):
        data = form_data(bali_regions, name="Nama baru", kbli="", kbli_q="batik", cari_kbli="1", owner_nik="")
        data["action"] = "correct"
        response = client.post(owner_url(returned.owner.link_secret), data)
        page = response.content.decode()
        assert response.status_code == 200 and 'value="13134"' in page and 'value="Nama baru"' in page
        returned.refresh_from_db()
        assert returned.status == BusinessStatus.RETURNED and returned.name == "Tenun Sari Kuta"

    def test_a_submitted_registration_cannot_be_corrected_by_the_owner(self, client, bali_regions, kbli):
        client.post(register_url(), form_data(bali_regions))
        business = Business.objects.get()
        data = form_data(bali_regions, name="Diam-diam diubah", owner_nik="")
        data["action"] = "correct"
        response = client.post(owner_url(business.owner.link_secret), data)
        assert response.status_code == 400
        business.refresh_from_db()
        assert business.name == "Tenun Sari Kuta"

    def test_the_holder_of_one_link_cannot_resubmit_another_business(self, returned, bali_regions, kbli):
        other = BusinessFactory(village=bali_regions.tuban, kbli=kbli.batik, status=BusinessStatus.RETURNED)
        from businesses.services.workflow import BUSINESS_WORKFLOW

        with pytest.raises(PermissionDenied):
            BUSINESS_WORKFLOW.perform(other, "resubmit", holder_of(returned))


# --- proposals for a published business -----------------------------------------------------------------------


class TestProposal:
    def test_the_public_page_changes_only_when_staff_approve(self, client, published, operator):
        secret = published.owner.link_secret
        public = reverse("businesses:business_detail", args=[published.pk])
        data = proposal_data(
            published,
            name="Endek Sari Bali",
            publish_phone="on",
            link_1_platform="instagram",
            link_1_value="@endeksari",
            photo_1_name="Kain endek merah",
            photo_1=jpeg(),
        )
        response = client.post(owner_url(secret), data)
        assert response.status_code == 302, response.context and response.context["proposal_form"].errors
        proposal = ChangeProposal.objects.get()
        assert proposal.status == ProposalStatus.SUBMITTED
        assert proposal.changes["name"] == "Endek Sari Bali" and proposal.changes["publish_phone"] is True
        assert proposal.before["name"] == "Endek Sari"
        cache.clear()
        page = client.get(public).content.decode()
        assert "Endek Sari Bali" not in page and "endeksari" not in page and "wa.me" not in page
        assert not Product.objects.exists()
        # the owner sees what is pending
        assert "Endek Sari Bali" in client.get(owner_url(secret)).content.decode()

        staff = client.__class__()
        staff.force_login(operator)
        change = reverse("admin:businesses_changeproposal_change", args=[proposal.pk])
        review = staff.get(change).content.decode()
        assert "Endek Sari" in review and "Endek Sari Bali" in review and "Kain endek merah" in review
        photo_url = reverse("admin:businesses_changeproposal_photo", args=[proposal.pk, proposal.photos.get().pk])
        assert staff.get(photo_url).status_code == 200
        done = staff.post(change, change_form_data(staff, change, _workflow="approve"))
        assert done.status_code == 302, done.context["adminform"].form.errors
        proposal.refresh_from_db()
        published.refresh_from_db()
        assert proposal.status == ProposalStatus.APPROVED
        assert published.name == "Endek Sari Bali"
        assert published.owner.phone_public_since == datetime.date.today()
        assert list(published.links.values_list("url", flat=True)) == ["https://www.instagram.com/endeksari/"]
        product = Product.objects.get(business=published)
        assert product.name == "Kain endek merah" and product.photo and product.photo_thumbnail and product.photo_small
        assert published.history.first().history_user == operator
        cache.clear()
        page = client.get(public).content.decode()
        assert "Endek Sari Bali" in page and "@endeksari" in page and "https://wa.me/6281234567890" in page
        assert product.photo_small.url in page

    def test_nothing_changed_is_refused(self, client, published):
        response = client.post(owner_url(published.owner.link_secret), proposal_data(published))
        assert response.status_code == 400 and not ChangeProposal.objects.exists()
        assert "Tidak ada yang berubah" in response.content.decode()

    def test_a_bad_value_is_named(self, client, published):
        response = client.post(
            owner_url(published.owner.link_secret),
            proposal_data(
                published, owner_phone="12345", link_2_platform="shopee", link_2_value="https://evil.example"
            ),
        )
        form = response.context["proposal_form"]
        assert response.status_code == 400 and "link_2_value" in form.errors
        assert not ChangeProposal.objects.exists()

    def test_returned_then_corrected_then_rejected(self, client, published, operator):
        secret = published.owner.link_secret
        client.post(owner_url(secret), proposal_data(published, main_product="Tenun ikat"))
        proposal = ChangeProposal.objects.get()
        proposal_step(proposal, "return", operator, note="Produk utama kurang jelas.")
        page = client.get(owner_url(secret)).content.decode()
        assert "Produk utama kurang jelas." in page
        client.post(owner_url(secret), proposal_data(published, main_product="Tenun ikat endek"))
        proposal.refresh_from_db()
        assert proposal.status == ProposalStatus.SUBMITTED and proposal.changes == {"main_product": "Tenun ikat endek"}
        assert ChangeProposal.objects.count() == 1
        with pytest.raises(ValidationError):
            proposal_step(proposal, "reject", operator)  # a reason is required
        proposal_step(proposal, "reject", operator, note="Bukan produk usaha ini.")
        published.refresh_from_db()
        assert published.main_product == "Kain batik"

    def test_the_owner_withdraws(self, client, published):
        secret = published.owner.link_secret
        client.post(owner_url(secret), proposal_data(published, name="Nama lain"))
        assert client.post(owner_url(secret), {"action": "withdraw"}).status_code == 302
        assert ChangeProposal.objects.get().status == ProposalStatus.WITHDRAWN

    def test_staff_see_a_field_changed_since_the_proposal(self, published):
        proposal = proposal_submit(business=published, values={"name": "Endek Sari Baru"})
        Business.objects.filter(pk=published.pk).update(name="Endek Sari (diubah petugas)")
        (row,) = proposal_rows(ChangeProposal.objects.get(pk=proposal.pk))
        assert row["stale"] and row["before"] == "Endek Sari" and row["now"] == "Endek Sari (diubah petugas)"

    def test_an_approval_that_no_longer_validates_writes_nothing(self, published, operator):
        proposal = proposal_submit(business=published, values={"name": "Endek Sari Baru"})
        ChangeProposal.objects.filter(pk=proposal.pk).update(changes={"name": "x" * 300})
        with pytest.raises(ValidationError):
            proposal_step(ChangeProposal.objects.get(pk=proposal.pk), "approve", operator)
        proposal.refresh_from_db()
        published.refresh_from_db()
        assert proposal.status == ProposalStatus.SUBMITTED and published.name == "Endek Sari"

    def test_another_region_cannot_see_or_decide(self, client, published, bali_regions):
        proposal = proposal_submit(business=published, values={"name": "Endek Sari Baru"})
        denpasar = staff_user(StaffRole.OPERATOR, "51.71", username="operator.denpasar")
        client.force_login(denpasar)
        change = reverse("admin:businesses_changeproposal_change", args=[proposal.pk])
        assert client.get(change).status_code in (302, 403, 404)
        photo = reverse("admin:businesses_changeproposal_photo", args=[proposal.pk, 1])
        assert client.get(photo).status_code in (302, 403, 404)
        assert client.post(change, {"_workflow": "approve"}).status_code in (302, 403, 404)
        with pytest.raises(PermissionDenied):
            proposal_step(proposal, "approve", denpasar)
        assert ChangeProposal.objects.get().status == ProposalStatus.SUBMITTED
        listing = client.get(reverse("admin:businesses_changeproposal_changelist")).content.decode()
        assert "Endek Sari" not in listing

    def test_the_admin_home_counts_waiting_proposals_of_the_region(self, client, published, operator):
        proposal_submit(business=published, values={"name": "Endek Sari Baru"})
        client.force_login(operator)
        page = client.get(reverse("admin:index")).content.decode()
        listing = reverse("admin:businesses_changeproposal_changelist") + "?terbuka=1"
        assert listing in page and "usulan perubahan dari pemilik menunggu keputusan" in page
        assert "Endek Sari" in client.get(listing).content.decode()
        client.force_login(staff_user(StaffRole.OPERATOR, "51.71", username="operator.denpasar"))
        assert listing not in client.get(reverse("admin:index")).content.decode()

    def test_an_official_sees_the_contacts_masked_and_history_keeps_no_values(self, client, published):
        proposal = proposal_submit(business=published, values={"owner_phone": "081299998888"})
        assert proposal.before == {"owner_phone": "081234567890"}  # only what it changes
        kabid = staff_user(StaffRole.OFFICIAL, "51.03", username="kabid.badung")
        client.force_login(kabid)
        page = client.get(reverse("admin:businesses_changeproposal_change", args=[proposal.pk])).content.decode()
        assert "0812••••8888" in page and "081299998888" not in page and "081234567890" not in page
        history = reverse("admin:businesses_changeproposal_history", args=[proposal.pk])
        assert "081299998888" not in client.get(history).content.decode()
        assert not hasattr(proposal.history.first(), "changes")

    def test_the_queue_costs_the_same_queries_whatever_its_length(self, client, operator, bali_regions, kbli):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        url = reverse("admin:businesses_changeproposal_changelist")
        client.force_login(operator)
        counts = []
        for total in (1, 6):
            while ChangeProposal.objects.count() < total:
                business = BusinessFactory(
                    village=bali_regions.tuban,
                    kbli=kbli.batik,
                    status=BusinessStatus.PUBLISHED,
                    owner__phone="081234567890",
                )
                proposal = proposal_submit(business=business, values={"name": business.name + " Baru"})
                proposed = proposal.photos.create(name="Foto")
                proposed.photo.save("a.jpg", jpeg(), save=True)
            with CaptureQueriesContext(connection) as queries:
                page = client.get(url).content.decode()
            assert page.count("Nama usaha, 1 foto produk") == total
            counts.append(len(queries))
        assert counts[0] == counts[1]

    def test_an_official_cannot_approve(self, published):
        proposal = proposal_submit(business=published, values={"name": "Endek Sari Baru"})
        kabid = staff_user(StaffRole.OFFICIAL, "51.03", username="kabid.badung")
        assert PROPOSAL_WORKFLOW.available(proposal, kabid) == []
        with pytest.raises(PermissionDenied):
            proposal_step(proposal, "approve", kabid)

    def test_staff_cannot_take_the_owner_s_steps(self, client, published, operator):
        proposal = proposal_submit(business=published, values={"name": "Endek Sari Baru"})
        client.force_login(operator)
        change = reverse("admin:businesses_changeproposal_change", args=[proposal.pk])
        assert "withdraw" not in client.get(change).content.decode()
        client.post(change, change_form_data(client, change, _workflow="withdraw"))
        assert ChangeProposal.objects.get().status == ProposalStatus.SUBMITTED


# --- asking for the link again ------------------------------------------------------------------------------


class TestLinkRequest:
    url = reverse("businesses:owner_link_request")

    def test_the_email_on_file_gets_a_new_link(self, client, published):
        old = published.owner.link_secret
        response = client.post(self.url, {"reference": f"IKM-{published.pk}", "contact": "SARI@example.id"})
        assert response.status_code == 302
        assert len(mail.outbox) == 1 and mail.outbox[0].to == ["sari@example.id"]
        published.owner.refresh_from_db()
        assert published.owner.link_secret != old
        assert owner_url(published.owner.link_secret) in mail.outbox[0].body
        assert client.get(owner_url(old)).status_code == 404
        assert "Jika nomor dan kontak itu cocok" in client.get(self.url).content.decode()

    def test_the_phone_on_file_gets_a_text_message(self, client, published):
        messaging.outbox.clear()
        client.post(self.url, {"reference": str(published.pk), "contact": "+62 812-3456-7890"})
        assert len(messaging.outbox) == 1 and messaging.outbox[0][0] == "081234567890"
        published.owner.refresh_from_db()
        assert owner_url(published.owner.link_secret) in messaging.outbox[0][1]

    def test_by_nib(self, client, published):
        Business.objects.filter(pk=published.pk).update(nib="9120000000001")
        client.post(self.url, {"reference": "9120000000001", "contact": "sari@example.id"})
        assert len(mail.outbox) == 1

    def test_a_contact_not_on_file_gets_nothing_and_the_same_answer(self, client, published):
        old = published.owner.link_secret
        messaging.outbox.clear()
        for contact in ("penyerang@example.id", "081299999999"):
            response = client.post(self.url, {"reference": str(published.pk), "contact": contact})
            assert response.status_code == 302
        assert mail.outbox == [] and messaging.outbox == []
        published.owner.refresh_from_db()
        assert published.owner.link_secret == old  # the real owner's link still works

    def test_without_a_gateway_the_phone_gets_nothing(self, client, published, settings):
        settings.TEXT_MESSAGE_BACKEND = "ikm_registry.messaging.DisabledBackend"
        old = published.owner.link_secret
        client.post(self.url, {"reference": str(published.pk), "contact": "081234567890"})
        published.owner.refresh_from_db()
        assert published.owner.link_secret == old

    def test_requests_are_limited(self, client, published, settings):
        settings.OWNER_LINK_RATE = "2/h"
        for _ in range(2):
            client.post(self.url, {"reference": "1", "contact": "x@example.id"})
        assert client.post(self.url, {"reference": "1", "contact": "x@example.id"}).status_code == 429

    def test_the_profile_links_here(self, client, published):
        page = client.get(reverse("businesses:business_detail", args=[published.pk])).content.decode()
        assert f"{self.url}?ikm={published.pk}" in page


class TestStaffSendLink:
    def test_by_email_and_by_whatsapp(self, client, published, operator):
        client.force_login(operator)
        url = reverse("admin:businesses_business_owner_link", args=[published.pk])
        page = client.get(reverse("admin:businesses_business_change", args=[published.pk])).content.decode()
        assert url in page
        assert client.post(url, {"saluran": "email"}).status_code == 302
        assert len(mail.outbox) == 1
        response = client.post(url, {"saluran": "whatsapp"})
        assert response["Location"].startswith("https://wa.me/6281234567890?text=")
        published.owner.refresh_from_db()
        assert published.owner.link_secret in response["Location"]

    def test_not_for_another_region_or_an_official(self, client, published):
        url = reverse("admin:businesses_business_owner_link", args=[published.pk])
        old = published.owner.link_secret
        for user in (
            staff_user(StaffRole.OPERATOR, "51.71", username="operator.denpasar"),
            staff_user(StaffRole.OFFICIAL, "51.03", username="kabid.badung"),
        ):
            client.force_login(user)
            assert client.post(url, {"saluran": "email"}).status_code in (302, 403, 404)
        published.owner.refresh_from_db()
        assert published.owner.link_secret == old and mail.outbox == []


def test_the_link_secret_stays_out_of_history_and_public_pages(client, published):
    assert not hasattr(published.owner.history.first(), "link_secret")
    cache.clear()
    page = client.get(reverse("businesses:business_detail", args=[published.pk])).content.decode()
    assert published.owner.link_secret not in page
    assert not re.search(r"/usaha-saya/[A-Za-z0-9_-]{40,}", page)


def test_removing_every_link_is_a_change(published):
    BusinessLink.objects.create(business=published, platform="instagram", url="https://www.instagram.com/a/")
    proposal = proposal_submit(business=published, values={"links": []})
    assert proposal.changes == {"links": []}


class TestOwnerNotices:
    def test_a_return_is_mailed_with_the_note_and_the_link(
        self, client, bali_regions, kbli, operator, django_capture_on_commit_callbacks
    ):
        client.post(register_url(), form_data(bali_regions, owner_email="sari@example.id"))
        business = Business.objects.get()
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            business_return(business=business, actor=operator, note="Lengkapi NIB.")
        (message,) = mail.outbox
        assert message.to == ["sari@example.id"] and "dikembalikan" in message.subject
        assert "Lengkapi NIB." in message.body
        assert owner_url(Owner.objects.get().link_secret) in message.body
        # the owner's own resubmission tells nobody
        with django_capture_on_commit_callbacks(execute=True):
            from businesses.services.workflow import BUSINESS_WORKFLOW

            BUSINESS_WORKFLOW.perform(business, "resubmit", holder_of(business))
        assert len(mail.outbox) == 1

    def test_a_proposal_s_decision_is_mailed(self, published, operator, django_capture_on_commit_callbacks):
        proposal = proposal_submit(business=published, values={"name": "Endek Sari Baru"})
        with django_capture_on_commit_callbacks(execute=True):
            proposal_step(proposal, "approve", operator)
        (message,) = mail.outbox
        assert "disetujui" in message.subject and "Endek Sari Baru" in message.subject
        assert owner_url(published.owner.link_secret) in message.body

    def test_no_mail_without_an_address_or_a_link(self, published, operator, django_capture_on_commit_callbacks):
        Owner.objects.filter(pk=published.owner.pk).update(email="")
        proposal = proposal_submit(business=published, values={"name": "Endek Sari Baru"})
        with django_capture_on_commit_callbacks(execute=True):
            proposal_step(proposal, "reject", operator, note="Tidak sesuai.")
        assert mail.outbox == []
