"""The owner's private link in a real Chromium: the owner proposes a change to their published business (on a phone),
the Badung operator approves it, and the public page changes only then."""

import io

import pytest
from PIL import Image

from businesses.choices import BusinessStatus
from businesses.services.owner_link import owner_link_issue
from ikm_registry.choices import StaffRole
from tests.browser.conftest import log_in
from tests.factories import BusinessFactory, make_kbli, make_village, staff_user

PHONE = {"width": 360, "height": 740}


@pytest.fixture
def published(transactional_db, tmp_path):
    tuban = make_village("51.03.01.1001", "Tuban")
    make_kbli("13134")
    staff_user(StaffRole.OPERATOR, "51.03", username="operator.badung")
    business = BusinessFactory(
        name="Endek Sari",
        village=tuban,
        status=BusinessStatus.PUBLISHED,
        owner__phone="081234567890",
        owner__email="sari@example.id",
    )
    owner_link_issue(business.owner)
    return business


def photo_file(tmp_path):
    path = tmp_path / "endek.jpg"
    buffer = io.BytesIO()
    Image.new("RGB", (120, 90), (180, 40, 60)).save(buffer, "JPEG")
    path.write_bytes(buffer.getvalue())
    return str(path)


def no_horizontal_scroll(page) -> bool:
    wide = page.evaluate(
        """() => [...document.querySelectorAll('body *')]
        .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
        .map(e => e.tagName + '.' + e.className)"""
    )
    assert wide == [], wide
    return page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")


def test_owner_proposes_staff_approve_and_only_then_the_public_page_changes(page, published, tmp_path):
    public = f"/direktori/ikm/{published.pk}/"
    page.set_viewport_size(PHONE)
    page.goto(f"/usaha-saya/{published.owner.link_secret}/")
    assert page.locator("h1").inner_text() == "Endek Sari"
    assert no_horizontal_scroll(page)
    page.fill("#id_name", "Endek Sari Bali")
    page.check("#id_publish_phone")
    page.select_option("#id_link_1_platform", "instagram")
    page.fill("#id_link_1_value", "@endeksari")
    page.fill("#id_photo_1_name", "Kain endek merah")
    page.set_input_files("#id_photo_1", photo_file(tmp_path))
    page.get_by_role("button", name="Kirim usulan").click()
    page.wait_for_load_state()
    assert "Usulan perubahan terkirim" in page.locator(".notice").inner_text()
    assert "Endek Sari Bali" in page.locator("table.diff").inner_text()
    assert no_horizontal_scroll(page)

    page.goto(public)
    assert page.locator("h1").inner_text() == "Endek Sari"
    assert page.locator("a[href^='https://wa.me/']").count() == 0
    assert page.locator("ul.links a").count() == 0

    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, "operator.badung")
    page.get_by_role("link", name="usulan perubahan dari pemilik menunggu keputusan").click()
    page.get_by_role("link", name="Endek Sari").first.click()
    comparison = page.locator("table.proposal-diff").inner_text()
    assert "Endek Sari" in comparison and "Endek Sari Bali" in comparison
    assert page.locator(".proposal-photos img").evaluate("img => img.naturalWidth") > 0
    page.locator("details.action-approve summary").click()
    page.locator("details.action-approve").get_by_role("button", name="Setujui").click()
    page.wait_for_load_state()
    assert "Disetujui" in page.locator("ul.messagelist").inner_text()

    page.goto(public)
    assert page.locator("h1").inner_text() == "Endek Sari Bali"
    assert page.locator("ul.links a").inner_text().startswith("Instagram")
    assert page.locator("a[href^='https://wa.me/6281234567890']").count() == 1
    assert page.locator(".product img").evaluate("img => img.naturalWidth") > 0


def camera_photo(seed: int) -> bytes:
    """A 1600×1200 JPEG with a photo's texture (gradients and noise), as a phone camera sends it."""
    import random

    rng = random.Random(seed)
    image = Image.new("RGB", (160, 120))
    image.putdata(
        [(rng.randrange(90, 200), (x * 2) % 256, (y * 2 + seed * 40) % 256) for y in range(120) for x in range(160)]
    )
    image = image.resize((1600, 1200))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=92)
    return buffer.getvalue()


@pytest.mark.parametrize("viewport", [PHONE, {"width": 1280, "height": 900}])
def test_a_profile_with_product_photos_keeps_to_the_page_budget(page, published, viewport):
    """Product photos show as their thumbnails (lazy below the fold); the full photo only when tapped."""
    import gzip

    from django.core.files.base import ContentFile

    from businesses.models import Product

    for number in range(8):
        product = Product(business=published, name=f"Kain endek {number}", is_featured=number == 0)
        product.photo.save(f"endek-{number}.jpg", ContentFile(camera_photo(number)), save=False)
        product.save()
    responses = []
    page.on("response", lambda response: responses.append(response))
    page.set_viewport_size(viewport)
    page.goto(f"/direktori/ikm/{published.pk}/")
    page.wait_for_load_state("networkidle")
    images = page.locator(".product img")
    assert images.count() == 8
    assert images.first.evaluate("img => img.naturalWidth") > 0
    assert page.locator("details.more-products summary").inner_text() == "Lihat 4 produk lainnya"
    sizes = {
        response.url: len(gzip.compress(response.body(), compresslevel=6))
        for response in responses
        if 200 <= response.status < 300
    }
    total = sum(sizes.values())
    for url, size in sorted(sizes.items(), key=lambda item: -item[1]):
        print(f"  {size / 1024:6.1f} KB  {url}")
    print(f"\nprofile with 8 product photos at {viewport['width']} px: {len(sizes)} responses, {total / 1024:.1f} KB")
    photos = [url for url in sizes if "/products/" in url]
    # the small pictures of the first four only: never a full photo, nor the PDFs' thumbnails
    assert len(photos) == 4 and all(url.endswith("-small.jpg") for url in photos), photos
    page.locator("details.more-products summary").click()
    page.locator("details.more-products img").last.scroll_into_view_if_needed()
    assert page.locator("details.more-products img").last.evaluate("img => img.complete && img.naturalWidth > 0")
    assert total < 100 * 1024
