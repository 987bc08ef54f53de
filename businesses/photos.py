"""Product photos: refused before decoding when too big, re-encoded when stored, with a thumbnail for pages and PDFs.

An upload is checked in this order, each with a message that names the field and the reason:
1. its size in bytes (PHOTO_MAX_UPLOAD_MB);
2. its format and pixel count, read from the image header only (PHOTO_MAX_MEGAPIXELS); Pillow's own
   decompression-bomb guard (Image.MAX_IMAGE_PIXELS, set to the same limit in BusinessesConfig.ready) stops anything
   far beyond it even where this check is not called (e.g. WeasyPrint reading a file);
3. decoding and re-encoding it: EXIF orientation applied, colour converted to sRGB, alpha flattened on white, the
   longer side brought down to PHOTO_MAX_SIDE, written as a fresh JPEG, so EXIF (GPS position, camera, date) and
   any other metadata are not carried over; and a thumbnail of PHOTO_THUMBNAIL_SIDE.

Only the re-encoded files are stored, under random names (an upload's own file name may say whose photo it is).
Files a product no longer uses (replaced, cleared, or its product deleted) are deleted after the transaction
commits by django-cleanup; `manage.py clean_photos` re-encodes photos stored before this existed and removes files
no product refers to.
"""

from __future__ import annotations

import datetime
import io
import re
import secrets
import warnings
from dataclasses import dataclass

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import models
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

from ikm_registry.private_files import stored_names

# Pillow format names we accept (MPO: the multi-picture JPEG some phone cameras write).
ACCEPTED_FORMATS = {"JPEG", "MPO", "PNG", "WEBP", "GIF"}
JPEG_QUALITY = 85
THUMBNAIL_QUALITY = 80
SMALL_QUALITY = 72
PROCESSED = "_registri_photo"  # attribute of an uploaded file that holds its re-encoded result


def max_bytes() -> int:
    return int(settings.PHOTO_MAX_UPLOAD_MB * 1024 * 1024)


def max_pixels() -> int:
    return int(settings.PHOTO_MAX_MEGAPIXELS * 1_000_000)


def _megabytes(size: int) -> str:
    return number_format(size / 1024 / 1024, 1)


def _limit(value: float) -> str:
    """A limit from the settings as people write it: 10, or 0,5."""
    return number_format(value, 0 if value == int(value) else 1, force_grouping=True)


@dataclass
class ProcessedPhoto:
    photo: bytes
    thumbnail: bytes
    size: tuple[int, int]
    small: bytes = b""  # for public pages (PHOTO_SMALL_SIDE)


def _open_header(file, *, limits: bool = True) -> Image.Image:
    """Open `file` reading its header only; check its format and (with `limits`) pixel count. Raises
    ValidationError."""
    file.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(file)
    except Image.DecompressionBombError as error:
        # Far beyond the limit (Pillow's guard, at twice it): Pillow names the pixel count in its message.
        found = re.search(r"\((\d+) pixels\)", str(error))
        pixels = int(found.group(1)) if found else 2 * max_pixels()
        raise ValidationError(
            _("Foto terlalu besar: %(megapixels)s megapiksel; paling banyak %(limit)s megapiksel.")
            % {"megapixels": number_format(pixels / 1_000_000, 1), "limit": _limit(settings.PHOTO_MAX_MEGAPIXELS)},
            code="photo_pixels",
        ) from error
    except (UnidentifiedImageError, OSError, ValueError) as error:
        raise ValidationError(
            _("Foto tidak dapat dibaca sebagai gambar; unggah berkas JPEG, PNG, WebP atau GIF."), code="photo_invalid"
        ) from error
    if image.format not in ACCEPTED_FORMATS:
        raise ValidationError(
            _("Format foto %(format)s tidak didukung; unggah berkas JPEG, PNG, WebP atau GIF.")
            % {"format": image.format or "?"},
            code="photo_format",
        )
    width, height = image.size
    if limits and width * height > max_pixels():
        raise ValidationError(
            _(
                "Foto terlalu besar: %(width)s × %(height)s piksel (%(megapixels)s megapiksel); paling banyak "
                "%(limit)s megapiksel."
            )
            % {
                "width": number_format(width, 0, force_grouping=True),
                "height": number_format(height, 0, force_grouping=True),
                "megapixels": number_format(width * height / 1_000_000, 1),
                "limit": _limit(settings.PHOTO_MAX_MEGAPIXELS),
            },
            code="photo_pixels",
        )
    return image


def check_upload(file, *, limits: bool = True) -> Image.Image:
    """Size in bytes, then format and pixels from the header, without decoding. Raises ValidationError."""
    size = getattr(file, "size", None)
    if limits and size is not None and size > max_bytes():
        raise ValidationError(
            _("Berkas foto terlalu besar: %(size)s MB; paling besar %(limit)s MB.")
            % {"size": _megabytes(size), "limit": _limit(settings.PHOTO_MAX_UPLOAD_MB)},
            code="photo_size",
        )
    return _open_header(file, limits=limits)


def _to_srgb(image: Image.Image) -> Image.Image:
    """`image` in RGB, converted from its embedded colour profile to sRGB when it has one."""
    profile = image.info.get("icc_profile")
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        image = Image.new("RGB", rgba.size, "white")
        image.paste(rgba, mask=rgba.getchannel("A"))
    elif image.mode != "RGB":
        image = image.convert("RGB")
    if profile:
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(profile))
            image = ImageCms.profileToProfile(image, source, ImageCms.createProfile("sRGB"), outputMode="RGB")
        except (ImageCms.PyCMSError, OSError, ValueError):
            pass  # a broken profile: keep the pixels as they are
    return image


def _jpeg(image: Image.Image, quality: int) -> bytes:
    buffer = io.BytesIO()
    # Nothing from the source's info (EXIF, XMP, ICC, comments) is passed on: only pixels are written.
    image.save(buffer, format="JPEG", quality=quality, optimize=True, progressive=True)
    return buffer.getvalue()


def process(file, *, limits: bool = True) -> ProcessedPhoto:
    """Check, decode and re-encode an image file: the stored photo and its thumbnail. Raises ValidationError.

    The decoded image is brought down to PHOTO_MAX_SIDE in place before anything else copies it (orientation,
    colour), and the thumbnail is made from that reduced image: a 50-megapixel upload is held in full once.

    limits=False: for a file already stored (manage.py clean_photos), whatever its size in bytes and pixels.
    """
    image = check_upload(file, limits=limits)
    side = settings.PHOTO_MAX_SIDE
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            # JPEG decodes at 1/2, 1/4 or 1/8 scale when that is still at least `side`: a 50-megapixel photo
            # needs a fraction of the memory and time. Other formats decode whole (their pixel count is capped).
            image.draft("RGB", (side, side))
            image.seek(0)  # the first frame of an animation
            image.load()
            if image.mode in ("1", "P"):  # resized pixel by pixel (nearest neighbour) in these modes
                image = image.convert("RGBA" if image.has_transparency_data else "RGB")
            # A square box: the longer side fits whichever way the EXIF orientation turns the image.
            image.thumbnail((side, side), Image.Resampling.LANCZOS)
            ImageOps.exif_transpose(image, in_place=True)
            rgb = _to_srgb(image)
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as error:
        raise ValidationError(
            _("Foto rusak atau tidak lengkap dan tidak dapat dibaca: %(reason)s") % {"reason": error},
            code="photo_invalid",
        ) from error
    size = rgb.size
    photo = _jpeg(rgb, JPEG_QUALITY)
    side = settings.PHOTO_THUMBNAIL_SIDE
    rgb.thumbnail((side, side), Image.Resampling.LANCZOS)  # the photo is encoded: reduce it in place too
    thumbnail = _jpeg(rgb, THUMBNAIL_QUALITY)
    side = settings.PHOTO_SMALL_SIDE
    rgb.thumbnail((side, side), Image.Resampling.LANCZOS)
    return ProcessedPhoto(photo=photo, thumbnail=thumbnail, size=size, small=_jpeg(rgb, SMALL_QUALITY))


def processed(file) -> ProcessedPhoto:
    """`process(file)`, computed once per uploaded file (form validation, model validation and save share it)."""
    result = getattr(file, PROCESSED, None)
    if result is None:
        result = process(file)
        setattr(file, PROCESSED, result)
        file.seek(0)
    return result


def validate_photo(value) -> None:
    """Model validator of PhotoField: an upload not yet stored must pass `process()` (stored files are not re-read)."""
    if value and not getattr(value, "_committed", True):
        processed(value.file)


def thumbnail_name(photo_name: str) -> str:
    """The thumbnail that belongs to a stored photo: products/2026/<token>.jpg → products/2026/<token>-thumb.jpg."""
    stem, dot, extension = photo_name.rpartition(".")
    return f"{stem}-thumb.{extension}" if dot else f"{photo_name}-thumb"


def small_name(photo_name: str) -> str:
    """The small picture of a stored photo (public pages): products/2026/<token>.jpg → <token>-small.jpg."""
    stem, dot, extension = photo_name.rpartition(".")
    return f"{stem}-small.{extension}" if dot else f"{photo_name}-small"


def drop_stale_pictures(instance, field: str = "photo") -> list[str]:
    """Before a model with a PhotoField saves: clear its thumbnail (and small picture) when they were not made from
    the photo it holds now (cleared, or set by name to a file never re-encoded: clean_photos makes new ones).
    Returns the names of those fields, for a save with update_fields."""
    photo_field = instance._meta.get_field(field)
    photo = getattr(instance, field)
    derived = [(photo_field.thumbnail_field, thumbnail_name)]
    if photo_field.small_field:
        derived.append((photo_field.small_field, small_name))
    for name, naming in derived:
        if not photo or getattr(instance, name).name != naming(photo.name):
            setattr(instance, name, "")
    return [name for name, _naming in derived]


def new_names(upload_to: str = "products") -> tuple[str, str]:
    """Random storage names for a photo and its thumbnail, by year: products/2026/<token>.jpg, <token>-thumb.jpg."""
    photo_name = f"{upload_to}/{timezone.now():%Y}/{secrets.token_urlsafe(12)}.jpg"
    return photo_name, thumbnail_name(photo_name)


def store(result: ProcessedPhoto, storage, root: str = "products") -> tuple[str, str]:
    """Write a processed photo and its thumbnail under `root`; returns their storage names."""
    while True:
        photo_name, thumbnail = new_names(root)
        if not storage.exists(photo_name) and not storage.exists(thumbnail):
            break
    # Saved under exactly these names (the storage renames only on a clash, which the check above rules out short
    # of a race), so that the thumbnail's name keeps telling which photo it belongs to.
    photo_name = storage.save(photo_name, ContentFile(result.photo))
    thumbnail = storage.save(thumbnail_name(photo_name), ContentFile(result.thumbnail))
    return photo_name, thumbnail


def store_small(result: ProcessedPhoto, storage, photo_name: str) -> str:
    """Write the small picture of a photo stored as `photo_name`; returns its storage name."""
    return storage.save(small_name(photo_name), ContentFile(result.small))


class PhotoFormField(forms.ImageField):
    """An ImageField that refuses an oversized upload by its size and header before Django or Pillow decode it, and
    re-encodes it once during validation, so that a file that cannot be decoded is a form error, not a failed save."""

    def to_python(self, data):
        if data in self.empty_values:
            return super().to_python(data)
        result = processed(data)  # raises ValidationError naming the reason
        data.seek(0)
        checked = super().to_python(data)
        setattr(checked, PROCESSED, result)
        return checked


class PhotoFieldFile(models.fields.files.ImageFieldFile):
    """Stores only the re-encoded photo and its thumbnail, whichever way a file arrives: a form upload (the field's
    pre_save) or `product.photo.save(name, content)`."""

    def save(self, name, content, save=True):
        result = processed(content)  # raises ValidationError for a file that failed no form
        photo_name, thumbnail = store(result, self.storage, self.field.photo_root)
        self.name = photo_name
        setattr(self.instance, self.field.attname, self.name)
        setattr(self.instance, self.field.thumbnail_field, thumbnail)
        if self.field.small_field:
            setattr(self.instance, self.field.small_field, store_small(result, self.storage, photo_name))
        self._committed = True
        if save:
            self.instance.save()

    save.alters_data = True


class PhotoField(models.ImageField):
    """The model field of a photo (a product's, an event's documentation): PhotoFormField in forms, `validate_photo`
    on full_clean(), and only the re-encoded file stored under `photo_root`, its thumbnail in the model's
    `thumbnail_field`."""

    attr_class = PhotoFieldFile
    default_validators = [validate_photo]
    thumbnail_field = "photo_thumbnail"

    def __init__(self, *args, photo_root: str = "products", small_field: str = "", **kwargs):
        self.photo_root = photo_root
        self.small_field = small_field  # the model field of the small picture for public pages, if it has one
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        if self.photo_root != "products":
            kwargs["photo_root"] = self.photo_root
        if self.small_field:
            kwargs["small_field"] = self.small_field
        return name, path, args, kwargs

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": PhotoFormField, **kwargs})


# --- photos already on disk (manage.py clean_photos) --------------------------------------------------------------

PHOTO_ROOT = "products"


def reencode_stored(product) -> None:
    """Re-encode a product photo stored before uploads were re-encoded (it has no thumbnail): the stored file is
    replaced by a clean JPEG with its thumbnail and small picture; django-cleanup deletes the old file after the commit. No upload limits
    apply (the file is already here), and Pillow's bomb guard is lifted by the caller for oversized ones."""
    from django.db import transaction

    from ikm_registry.history import attributed

    with product.photo.open("rb") as handle:
        result = process(handle, limits=False)
    with transaction.atomic(), attributed(None, "clean_photos"):
        product.photo, product.photo_thumbnail = store(result, product.photo.storage)
        product.photo_small = store_small(result, product.photo.storage, product.photo.name)
        product.save(update_fields=["photo", "photo_thumbnail", "photo_small"])


def add_small(product) -> None:
    """Make the small picture of a product photo stored before public pages had one (the photo stays as it is)."""
    from django.db import transaction

    from ikm_registry.history import attributed

    with product.photo.open("rb") as handle:
        result = process(handle, limits=False)
    with transaction.atomic(), attributed(None, "clean_photos"):
        product.photo_small = store_small(result, product.photo.storage, product.photo.name)
        product.save(update_fields=["photo_small"])


def stored_files(storage, root: str = PHOTO_ROOT):
    """Every file name under `root` in `storage`, recursively."""
    return stored_names(storage, root)


def orphaned_files(storage, *, older_than: datetime.timedelta) -> list[str]:
    """Files under products/ that no product uses as its photo, thumbnail or small picture, last changed more than `older_than` ago
    (younger ones may belong to an upload whose transaction has not committed yet). Old versions in the history do
    not count as a use: a photo that was replaced or deleted leaves its public address."""
    from businesses.models import Product

    used = set()
    for names in Product.objects.values_list("photo", "photo_thumbnail", "photo_small").iterator():
        used.update(name for name in names if name)
    cutoff = timezone.now() - older_than
    return sorted(
        name for name in stored_files(storage) if name not in used and storage.get_modified_time(name) < cutoff
    )
