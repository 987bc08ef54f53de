"""A sentra's members lie in the sentra's kabupaten/kota (issue 9.12; Business.clean refuses new ones). Memberships
recorded before the rule are ended here, each with a version in the business's history saying why, so that no office
sees a business of another region through its sentra and no business shows a sentra of another region."""

from django.db import migrations
from django.db.models import F
from django.db.models.functions import Left
from django.utils import timezone

REASON = "Sentra di kabupaten/kota lain dilepas: anggota sentra harus di kabupaten/kota sentranya"


def detach(apps, schema_editor):
    Business = apps.get_model("businesses", "Business")
    Historical = apps.get_model("businesses", "HistoricalBusiness")
    crossing = (
        Business.objects.filter(sentra__isnull=False)
        .annotate(sentra_regency=Left("sentra__village_id", 5), own_regency=Left("village_id", 5))
        .exclude(sentra_regency=F("own_regency"))
    )
    historical = {field.attname for field in Historical._meta.concrete_fields}
    copied = [
        field.attname
        for field in Business._meta.concrete_fields
        if field.attname in historical and not getattr(field, "generated", False)
    ]
    now = timezone.now()
    for business in crossing.iterator():
        business.sentra_id = None
        business.save(update_fields=["sentra"])
        Historical.objects.create(
            **{name: getattr(business, name) for name in copied},
            history_date=now,
            history_type="~",
            history_change_reason=REASON[:100],
            history_user_id=None,
        )


class Migration(migrations.Migration):
    dependencies = [
        ("businesses", "0013_private_import_files_import_jobs"),
    ]

    operations = [migrations.RunPython(detach, migrations.RunPython.noop)]
