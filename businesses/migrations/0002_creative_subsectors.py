"""The 17 creative-economy subsectors (Kemenparekraf/Baparekraf, since 2019/2020). Codes are our own slugs."""

from django.db import migrations

SUBSECTORS = [
    ("aplikasi", "Aplikasi", "Applications (apps)"),
    ("arsitektur", "Arsitektur", "Architecture"),
    ("desain-interior", "Desain Interior", "Interior Design"),
    ("desain-komunikasi-visual", "Desain Komunikasi Visual", "Visual Communication Design"),
    ("desain-produk", "Desain Produk", "Product Design"),
    ("fesyen", "Fesyen", "Fashion"),
    ("film-animasi-video", "Film, Animasi, dan Video", "Film, Animation and Video"),
    ("fotografi", "Fotografi", "Photography"),
    ("kriya", "Kriya", "Crafts"),
    ("kuliner", "Kuliner", "Culinary"),
    ("musik", "Musik", "Music"),
    ("penerbitan", "Penerbitan", "Publishing"),
    ("pengembang-permainan", "Pengembang Permainan", "Game Development"),
    ("periklanan", "Periklanan", "Advertising"),
    ("seni-pertunjukan", "Seni Pertunjukan", "Performing Arts"),
    ("seni-rupa", "Seni Rupa", "Fine Arts"),
    ("televisi-radio", "Televisi dan Radio", "Television and Radio"),
]


def add_subsectors(apps, schema_editor):
    CreativeSubsector = apps.get_model("businesses", "CreativeSubsector")
    for code, name, name_en in SUBSECTORS:
        CreativeSubsector.objects.update_or_create(code=code, defaults={"name": name, "name_en": name_en})


class Migration(migrations.Migration):
    dependencies = [("businesses", "0001_initial")]

    operations = [migrations.RunPython(add_subsectors, migrations.RunPython.noop)]
