"""Product photos (issue 9, point 14): size and pixel limits checked before decoding, re-encoding that drops EXIF/GPS
and applies the orientation, thumbnails for pages and PDFs, files deleted when replaced or their product deleted,
and `clean_photos` for what is already on disk."""

import io
import json
import os
import struct
import subprocess
import sys
import time
import zlib
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.http import Http404
from django.test import RequestFactory
from django.urls import reverse
from django.views.static import serve
from PIL import Image

from businesses.choices import BusinessStatus
from businesses.models import Business, Product
from businesses.reports.profiles import business_profile
from ikm_registry.choices import StaffRole
from tests.admin_forms import business_form_data
from tests.factories import BusinessFactory, ProductFactory, staff_user
from tests.processes import PROJECT

pytestmark = pytest.mark.django_db

GPS_SOUTH = (8.0, 39.0, 30.5)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.PHOTO_MAX_UPLOAD_MB = 10
    settings.PHOTO_MAX_MEGAPIXELS = 50
    settings.PHOTO_MAX_SIDE = 1600
    settings.PHOTO_THUMBNAIL_SIDE = 480
    return Path(settings.MEDIA_ROOT)


def jpeg(width=300, height=200, *, orientation=None, gps=True, noise=False, quality=90) -> bytes:
    """A JPEG with EXIF (camera, GPS position, orientation) as phones write them."""
    if noise:
        image = Image.effect_noise((width, height), 80).convert("RGB")
    else:
        image = Image.new("RGB", (width, height), (200, 30, 30))
        image.paste((30, 30, 200), (0, 0, width // 2, height // 4))  # a blue block in the top-left corner
    exif = Image.Exif()
    exif[0x010F] = "KameraPonsel"
    if orientation:
        exif[0x0112] = orientation
    if gps:
        exif[0x8825] = {1: "S", 2: GPS_SOUTH, 3: "E", 4: (115.0, 12.0, 45.25)}
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=quality, exif=exif)
    return buffer.getvalue()


def png_bomb(width=30000, height=30000) -> bytes:
    """A PNG whose header claims 900 megapixels, a few hundred bytes long: refused from the header alone."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    rows = zlib.compress(b"\0" * (width * 3 + 1) * 8)  # the first rows only; nothing reads further
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", rows) + chunk(b"IEND", b"")


def media_status(name: str) -> int:
    """What the address /media/<name> answers when MEDIA_ROOT is served as files (Django's static serve view)."""
    try:
        response = serve(RequestFactory().get(f"/media/{name}"), name, document_root=settings.MEDIA_ROOT)
    except Http404:
        return 404
    response.file_to_stream.close()  # not response.close(): that signals the end of a request (closes connections)
    return response.status_code


def stored_files(media: Path) -> list[Path]:
    return sorted(path for path in media.rglob("*") if path.is_file())


@pytest.fixture
def operator(bali_regions, kbli):
    return staff_user(StaffRole.OPERATOR, "51.03")


@pytest.fixture
def business(operator, bali_regions, kbli):
    return BusinessFactory(status=BusinessStatus.PUBLISHED, village=bali_regions.tuban, kbli=kbli.batik)


def post_product(client, business, photo: SimpleUploadedFile):
    """Add a product with `photo` on the admin change page of `business`, as an operator does."""
    data = business_form_data(
        business,
        **{
            "products-TOTAL_FORMS": "1",
            "products-INITIAL_FORMS": "0",
            "products-0-business": business.pk,
            "products-0-name": "Kain endek",
            "products-0-description": "",
            "products-0-photo": photo,
        },
    )
    return client.post(reverse("admin:businesses_business_change", args=[business.pk]), data)


def inline_errors(response) -> list[str]:
    formset = next(f for f in response.context["inline_admin_formsets"] if f.formset.prefix == "products")
    return [message for form in formset.formset.forms for message in form.errors.get("photo", [])]


# --- refused uploads ----------------------------------------------------------------------------------------------


def test_an_upload_over_the_size_limit_is_refused_naming_field_and_reason(client, operator, business, media, settings):
    settings.PHOTO_MAX_UPLOAD_MB = 0.1
    client.force_login(operator)
    big = jpeg(900, 900, noise=True, quality=98)
    assert len(big) > 0.1 * 1024 * 1024
    response = post_product(client, business, SimpleUploadedFile("foto.jpg", big, "image/jpeg"))
    assert response.status_code == 200
    errors = inline_errors(response)
    assert len(errors) == 1 and errors[0].startswith("Berkas foto terlalu besar:")
    assert errors[0].endswith("; paling besar 0,1 MB.")
    assert not Product.objects.exists()
    assert stored_files(media) == []


def test_an_upload_over_the_pixel_limit_is_refused_from_its_header(client, operator, business, media, settings):
    settings.PHOTO_MAX_MEGAPIXELS = 0.1
    client.force_login(operator)
    response = post_product(client, business, SimpleUploadedFile("foto.jpg", jpeg(500, 400), "image/jpeg"))
    errors = inline_errors(response)
    assert errors == ["Foto terlalu besar: 500 × 400 piksel (0,2 megapiksel); paling banyak 0,1 megapiksel."]
    assert not Product.objects.exists()
    assert stored_files(media) == []


def test_a_decompression_bomb_is_refused_without_decoding_it(client, operator, business, media):
    client.force_login(operator)
    bomb = png_bomb()
    assert len(bomb) < 10_000
    started = time.monotonic()
    response = post_product(client, business, SimpleUploadedFile("bom.png", bomb, "image/png"))
    assert time.monotonic() - started < 5  # decoding 900 megapixels would take far longer (and 2.7 GB)
    errors = inline_errors(response)
    assert errors == ["Foto terlalu besar: 900,0 megapiksel; paling banyak 50 megapiksel."]
    assert not Product.objects.exists()


@pytest.mark.parametrize(
    ("name", "content", "start"),
    [
        ("catatan.txt", b"bukan gambar", "Foto tidak dapat dibaca sebagai gambar"),
        ("foto.jpg", jpeg(noise=True)[:20_000], "Foto rusak atau tidak lengkap"),
    ],
)
def test_a_file_that_is_no_image_or_broken_is_a_form_error(client, operator, business, name, content, start):
    client.force_login(operator)
    response = post_product(client, business, SimpleUploadedFile(name, content, "image/jpeg"))
    assert response.status_code == 200
    errors = inline_errors(response)
    assert len(errors) >= 1 and any(error.startswith(start) for error in errors), errors
    assert not Product.objects.exists()


# --- what is stored -----------------------------------------------------------------------------------------------


def test_a_stored_photo_is_re_encoded_without_exif_upright_and_with_a_thumbnail(client, operator, business, media):
    client.force_login(operator)
    upload = SimpleUploadedFile("rumah-bu-komang-gps.jpg", jpeg(3000, 2000, orientation=6), "image/jpeg")
    response = post_product(client, business, upload)
    assert response.status_code == 302, inline_errors(response)
    product = Product.objects.get()
    assert "rumah-bu-komang" not in product.photo.name  # the uploaded name is not kept
    with Image.open(product.photo.path) as photo:
        assert photo.format == "JPEG"
        assert dict(photo.getexif()) == {}
        assert "exif" not in photo.info
        # orientation 6 (rotate 90° clockwise) applied: portrait, at most PHOTO_MAX_SIDE; the blue block that was
        # top-left is now top-right
        assert photo.size == (1067, 1600)
        red, green, blue = photo.convert("RGB").getpixel((photo.width - 20, 20))
        assert blue > 150 and red < 100
    with Image.open(product.photo_thumbnail.path) as thumbnail:
        assert max(thumbnail.size) == 480
        assert dict(thumbnail.getexif()) == {}
    with Image.open(product.photo_small.path) as small:  # for public pages
        assert max(small.size) == 320 and small.size == (213, 320)
        assert dict(small.getexif()) == {}
    raw = b"".join(Path(f.path).read_bytes() for f in (product.photo, product.photo_thumbnail, product.photo_small))
    assert b"KameraPonsel" not in raw and b"Exif" not in raw
    assert len(stored_files(media)) == 3


MEASURE_PROCESS = """
import json, re, sys
from pathlib import Path
import django
django.setup()
from businesses.photos import process

def peak_mb():
    return int(re.search(r"VmHWM:\\s+(\\d+) kB", Path("/proc/self/status").read_text()).group(1)) / 1024

with open(sys.argv[1], "rb") as handle:
    before = peak_mb()
    result = process(handle)
print(json.dumps({"extra_mb": peak_mb() - before, "size": result.size}))
"""


@pytest.mark.parametrize(("mode", "bytes_per_pixel"), [("L", 1), ("RGB", 4)])
def test_a_large_photo_is_reduced_before_it_is_copied(tmp_path, mode, bytes_per_pixel):
    """A 24-megapixel PNG (within the limits) is decoded once; everything after works on the reduced image. Before,
    the EXIF orientation, the colour conversion and each JPEG copied the full-size image (3 to 11 times its size)."""
    width, height = 6000, 4000
    path = tmp_path / "besar.png"
    Image.linear_gradient("L").resize((width, height)).convert(mode).save(path)
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "ikm_registry.settings", "LOG_LEVEL": "ERROR"}
    env.update(PHOTO_MAX_SIDE="1600", PHOTO_MAX_MEGAPIXELS="50", PHOTO_MAX_UPLOAD_MB="10")
    output = subprocess.run(
        [sys.executable, "-c", MEASURE_PROCESS, str(path)],
        cwd=PROJECT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    measured = json.loads(output.splitlines()[-1])
    decoded_mb = width * height * bytes_per_pixel / 1024 / 1024  # Pillow keeps RGB in 4 bytes a pixel
    assert measured["extra_mb"] < 2 * decoded_mb
    assert measured["size"] == [1600, 1067]  # the stored photo's size


def test_pages_use_the_small_picture_and_the_pdf_the_thumbnail(client, business, media):
    product = ProductFactory(business=business, is_featured=True)
    product.photo = SimpleUploadedFile("foto.jpg", jpeg(2000, 1500), "image/jpeg")
    product.save()
    profile = client.get(f"/direktori/ikm/{business.pk}/").content.decode()
    home = client.get("/").content.decode()
    for page in (profile, home):
        assert f'src="{product.photo_small.url}"' in page
        assert f'src="{product.photo.url}"' not in page and f'src="{product.photo_thumbnail.url}"' not in page
    pdf = business_profile(Business.objects.get(pk=business.pk))
    assert [item["photo_url"] for item in pdf["products"]] == [Path(product.photo_thumbnail.path).as_uri()]


# --- files that are no longer used --------------------------------------------------------------------------------


def test_replaced_and_deleted_photos_leave_their_public_address(
    client, operator, business, media, django_capture_on_commit_callbacks
):
    product = ProductFactory(business=business)
    with django_capture_on_commit_callbacks(execute=True):
        product.photo = SimpleUploadedFile("a.jpg", jpeg(), "image/jpeg")
        product.save()
    first = [Path(product.photo.path), Path(product.photo_thumbnail.path)]
    assert all(path.exists() for path in first)

    with django_capture_on_commit_callbacks(execute=True):
        product.photo = SimpleUploadedFile("b.jpg", jpeg(400, 300), "image/jpeg")
        product.save()
    assert not any(path.exists() for path in first)
    second = [Path(product.photo.path), Path(product.photo_thumbnail.path)]
    assert all(path.exists() for path in second)
    # The media view of `make run` (the proxy serves MEDIA_ROOT the same way): the replaced photo's address is gone.
    assert [media_status(path.relative_to(media).as_posix()) for path in first] == [404, 404]
    assert media_status(product.photo.name) == media_status(product.photo_thumbnail.name) == 200

    with django_capture_on_commit_callbacks(execute=True):
        product.photo = ""
        product.save()
    assert not any(path.exists() for path in second)
    assert product.photo_thumbnail.name == ""

    with django_capture_on_commit_callbacks(execute=True):
        product.photo = SimpleUploadedFile("c.jpg", jpeg(), "image/jpeg")
        product.save()
    third = [Path(product.photo.path), Path(product.photo_thumbnail.path)]
    with django_capture_on_commit_callbacks(execute=True):
        Business.objects.filter(pk=business.pk).delete()  # a superuser's hard delete cascades to the products
    assert not any(path.exists() for path in third)
    assert stored_files(media) == []


def test_files_stay_when_the_transaction_is_rolled_back(business, media, django_capture_on_commit_callbacks):
    product = ProductFactory(business=business)
    product.photo = SimpleUploadedFile("a.jpg", jpeg(), "image/jpeg")
    product.save()
    kept = Path(product.photo.path)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        product.delete()
    assert callbacks  # the deletion waits for the commit; a rollback would run none of it
    assert kept.exists()


def test_clean_photos_re_encodes_old_photos_and_deletes_orphans(business, media, django_capture_on_commit_callbacks):
    legacy_dir = media / "products" / "2025"
    legacy_dir.mkdir(parents=True)
    (legacy_dir / "IMG_20251103_rumah.jpg").write_bytes(jpeg(5000, 3000, orientation=6))
    legacy = ProductFactory(business=business)
    Product.objects.filter(pk=legacy.pk).update(photo="products/2025/IMG_20251103_rumah.jpg")
    old_orphan = legacy_dir / "dihapus.jpg"
    old_orphan.write_bytes(jpeg())
    os.utime(old_orphan, (time.time() - 7200, time.time() - 7200))
    young_orphan = legacy_dir / "baru-diunggah.jpg"
    young_orphan.write_bytes(jpeg())
    unrelated = media / "offices" / "logo.png"
    unrelated.parent.mkdir(parents=True)
    unrelated.write_bytes(b"logo")

    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("clean_photos", stdout=out)

    legacy.refresh_from_db()
    assert legacy.photo_thumbnail.name
    with Image.open(legacy.photo.path) as photo:
        assert dict(photo.getexif()) == {}
        assert photo.size == (960, 1600)
    assert not (legacy_dir / "IMG_20251103_rumah.jpg").exists()
    assert not old_orphan.exists()
    assert young_orphan.exists() and unrelated.exists()
    assert "disimpan ulang tanpa EXIF: 1" in out.getvalue()
    # a second run has nothing to do
    again = StringIO()
    call_command("clean_photos", stdout=again)
    assert "disimpan ulang tanpa EXIF: 0" in again.getvalue() and "dihapus: 0" in again.getvalue()


def test_clean_photos_adds_the_small_picture_of_a_photo_stored_before_it_existed(business, media):
    product = ProductFactory(business=business)
    product.photo = SimpleUploadedFile("a.jpg", jpeg(1200, 900), "image/jpeg")
    product.save()
    photo, thumbnail, small = product.photo.name, product.photo_thumbnail.name, product.photo_small.name
    Product.objects.filter(pk=product.pk).update(photo_small="")  # as stored before public pages had one
    (media / small).unlink()
    call_command("clean_photos", stdout=StringIO())
    product.refresh_from_db()
    assert (product.photo.name, product.photo_thumbnail.name, product.photo_small.name) == (photo, thumbnail, small)
    with Image.open(product.photo_small.path) as picture:
        assert picture.size == (320, 240)


def test_a_photo_set_by_name_loses_the_thumbnail_of_the_previous_one(business, media):
    """A thumbnail is named after its photo: a photo put in place by name (a revert, a script) never shows another
    photo's thumbnail, and clean_photos re-encodes it."""
    product = ProductFactory(business=business)
    product.photo = SimpleUploadedFile("a.jpg", jpeg(), "image/jpeg")
    product.save()
    assert product.photo_thumbnail.name == product.photo.name.removesuffix(".jpg") + "-thumb.jpg"
    product.photo = "products/2025/lama.jpg"
    product.save()
    assert product.photo_thumbnail.name == ""
