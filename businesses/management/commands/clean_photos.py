"""`python manage.py clean_photos [--dry-run] [--min-age MINUTES]`: product photos stored before uploads were
re-encoded, or before public pages had a small picture, are re-encoded (EXIF/GPS removed, thumbnail and small
picture made), and files no product uses are deleted."""

import datetime
import warnings

from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand
from django.db.models import Q
from django.utils.translation import gettext as _
from PIL import Image

from businesses import photos
from businesses.models import Product


class Command(BaseCommand):
    help = (
        "Re-encode product photos stored without a thumbnail (strips EXIF/GPS) and delete files under "
        "MEDIA_ROOT/products/ that no product uses (replaced or deleted photos, uploads of failed saves)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="only list what would be done")
        parser.add_argument(
            "--min-age",
            type=int,
            default=60,
            help="leave files younger than this many minutes alone (uploads still being saved); default 60",
        )

    def handle(self, *args, dry_run=False, min_age=60, **options):
        # Stored before uploads were re-encoded (no thumbnail), or before public pages had a small picture.
        legacy = list(
            Product.objects.exclude(photo="").filter(Q(photo_thumbnail="") | Q(photo_small="")).order_by("pk")
        )
        reencoded = failed = 0
        guard = Image.MAX_IMAGE_PIXELS
        Image.MAX_IMAGE_PIXELS = None  # files already stored are re-encoded whatever their size (JPEG decodes scaled)
        try:
            for product in legacy:
                if dry_run:
                    self.stdout.write(_("akan disimpan ulang: %(name)s") % {"name": product.photo.name})
                    continue
                try:
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
                        if product.photo_thumbnail:
                            photos.add_small(product)
                        else:
                            photos.reencode_stored(product)
                    reencoded += 1
                except (ValidationError, OSError) as error:
                    failed += 1
                    reason = "; ".join(error.messages) if isinstance(error, ValidationError) else str(error)
                    self.stderr.write(
                        _("produk %(id)s, foto %(name)s: %(reason)s")
                        % {"id": product.pk, "name": product.photo.name, "reason": reason}
                    )
        finally:
            Image.MAX_IMAGE_PIXELS = guard
        orphans = photos.orphaned_files(default_storage, older_than=datetime.timedelta(minutes=min_age))
        size = 0
        for name in orphans:
            size += default_storage.size(name)
            if dry_run:
                self.stdout.write(_("akan dihapus: %(name)s") % {"name": name})
            else:
                default_storage.delete(name)
        summary = _(
            "Foto disimpan ulang tanpa EXIF: %(reencoded)s (gagal %(failed)s); berkas tanpa produk dihapus: "
            "%(orphans)s (%(megabytes).1f MB)."
        )
        if dry_run:
            summary = _(
                "Uji coba, tidak ada yang diubah: %(legacy)s foto akan disimpan ulang, %(orphans)s berkas akan dihapus (%(megabytes).1f MB)."
            )
        self.stdout.write(
            summary
            % {
                "reencoded": reencoded,
                "failed": failed,
                "legacy": len(legacy),
                "orphans": len(orphans),
                "megabytes": size / 1024 / 1024,
            }
        )
