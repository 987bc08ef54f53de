"""The public self-registration form ("Daftarkan usaha") as a visitor fills it in, shared by its tests."""

from django.urls import reverse

VALID_NIK = "5103015708900001"  # Badung (51.03.01), a woman born 17.08.1990


def form_data(bali_regions, **changes):
    data = {
        "village": bali_regions.tuban.code,
        "address": "Jl. Raya Tuban No. 5",
        "name": "Tenun Sari Kuta",
        "legal_form": "perorangan",
        "nib": "",
        "main_product": "Kain tenun endek",
        "kbli": "13134",
        "subsector": "",
        "year_founded": "2015",
        "online_channels": "",
        "owner_name": "Ni Made Sari",
        "owner_sex": "P",
        "owner_nik": VALID_NIK,
        "owner_phone": "081234567890",
        "owner_email": "",
        "agree": "on",
        "website": "",
    }
    data.update(changes)
    return data


def register_url(code="51.03.01"):
    return f"{reverse('businesses:register')}?wilayah={code}"
