"""The free-text channels of existing businesses become links where they name an account ("Instagram @batiksari",
a URL); what names none ("Shopee") stays as text, so nothing is lost. Chunked by primary key: constant memory on a
registry of millions."""

from django.db import migrations

CHUNK = 2000


def forwards(apps, schema_editor):
    from businesses.links import channels_to_links

    Business = apps.get_model("businesses", "Business")
    BusinessLink = apps.get_model("businesses", "BusinessLink")
    last = 0
    while True:
        rows = list(
            Business.objects.filter(pk__gt=last)
            .exclude(online_channels="")
            .order_by("pk")
            .values_list("pk", "online_channels")[:CHUNK]
        )
        if not rows:
            break
        links = []
        for pk, text in rows:
            found, rest = channels_to_links(text)
            if not found:
                continue
            links += [BusinessLink(business_id=pk, platform=platform, url=url) for platform, url in found]
            Business.objects.filter(pk=pk).update(online_channels=rest)
        BusinessLink.objects.bulk_create(links, ignore_conflicts=True)
        last = rows[-1][0]


def backwards(apps, schema_editor):
    Business = apps.get_model("businesses", "Business")
    BusinessLink = apps.get_model("businesses", "BusinessLink")
    for business_id in BusinessLink.objects.values_list("business_id", flat=True).distinct().iterator():
        business = Business.objects.get(pk=business_id)
        urls = list(BusinessLink.objects.filter(business_id=business_id).values_list("url", flat=True))
        text = ", ".join([business.online_channels, *urls] if business.online_channels else urls)
        Business.objects.filter(pk=business_id).update(online_channels=text[:300])


class Migration(migrations.Migration):
    dependencies = [("businesses", "0022_owner_self_service_and_links")]

    operations = [migrations.RunPython(forwards, backwards, elidable=True)]
