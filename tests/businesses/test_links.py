"""Online shop and social links: typed as handles or URLs, stored canonical, shown as links; WhatsApp from a consented
phone; the free text of before turned into links by the migration."""

import datetime
import importlib

import pytest
from django.apps import apps as django_apps
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.urls import reverse

from businesses.choices import BusinessStatus
from businesses.links import channels_to_links, display_name, link_url, platform_of_url, whatsapp_url
from businesses.models import Business, BusinessLink
from tests.factories import BusinessFactory
from tests.self_registration import form_data, register_url


@pytest.mark.parametrize(
    ("platform", "value", "url"),
    [
        ("instagram", "@batiksari", "https://www.instagram.com/batiksari/"),
        ("instagram", "batik.sari_bali", "https://www.instagram.com/batik.sari_bali/"),
        ("instagram", "instagram.com/batiksari", "https://instagram.com/batiksari"),
        ("shopee", "https://shopee.co.id/batiksari", "https://shopee.co.id/batiksari"),
        ("tokopedia", "tokosari", "https://www.tokopedia.com/tokosari"),
        ("tiktok", "@sari", "https://www.tiktok.com/@sari"),
        ("website", "batiksari.id", "https://batiksari.id"),
        ("website", "http://batiksari.id/katalog", "http://batiksari.id/katalog"),
    ],
)
def test_a_handle_or_an_address_becomes_the_canonical_url(platform, value, url):
    assert link_url(platform, value) == url


@pytest.mark.parametrize(
    ("platform", "value", "code"),
    [
        ("shopee", "https://evil.example/shopee.co.id", "domain"),  # a "Shopee" link elsewhere
        ("instagram", "https://shopee.co.id.evil.example/x", "domain"),
        ("website", "javascript:alert(1)", "scheme"),
        ("instagram", "javascript:alert(1)", "scheme"),
        ("instagram", "batik sari", "handle"),
        ("instagram", "<script>", "handle"),
        ("website", "tokosari", "url"),  # a website needs an address
        ("friendster", "sari", "platform"),
        ("instagram", "", "required"),
    ],
)
def test_a_bad_link_is_refused_with_its_reason(platform, value, code):
    with pytest.raises(ValidationError) as refused:
        link_url(platform, value)
    assert refused.value.code == code


def test_platform_and_display_name():
    assert platform_of_url("https://www.tokopedia.com/x") == "tokopedia"
    assert platform_of_url("https://m.facebook.com/x") == "facebook"
    assert platform_of_url("https://contoh.id") == "website"
    assert display_name("instagram", "https://www.instagram.com/batiksari/") == "@batiksari"
    assert display_name("website", "https://www.batiksari.id/katalog/") == "batiksari.id/katalog"


def test_free_text_channels_split_into_links_and_the_rest():
    links, rest = channels_to_links("Shopee, Instagram @batiksari, IG: sari.bali, https://www.tokopedia.com/sari; WA")
    assert links == [
        ("instagram", "https://www.instagram.com/batiksari/"),
        ("instagram", "https://www.instagram.com/sari.bali/"),
        ("tokopedia", "https://www.tokopedia.com/sari"),
    ]
    assert rest == "Shopee, WA"


@pytest.mark.parametrize(
    ("phone", "url"),
    [
        ("0812-3456-7890", "https://wa.me/6281234567890"),
        ("+62 812 3456 7890", "https://wa.me/6281234567890"),
        ("0361 123456", ""),  # a landline has no WhatsApp
        ("", ""),
    ],
)
def test_whatsapp_link_of_a_mobile_number(phone, url):
    assert whatsapp_url(phone) == url


def test_the_model_stores_the_canonical_url_and_names_the_field(db):
    business = BusinessFactory()
    link = BusinessLink(business=business, platform="instagram", url="@batiksari")
    link.full_clean()
    assert link.url == "https://www.instagram.com/batiksari/"
    bad = BusinessLink(business=business, platform="shopee", url="https://evil.example/")
    with pytest.raises(ValidationError) as refused:
        bad.full_clean()
    assert "url" in refused.value.message_dict


def test_the_migration_turns_accounts_into_links_and_keeps_the_rest(db):
    migration = importlib.import_module("businesses.migrations.0023_online_channels_into_links")
    named = BusinessFactory(online_channels="Shopee, Instagram @batiksari")
    plain = BusinessFactory(online_channels="Shopee, Facebook")
    empty = BusinessFactory(online_channels="")
    migration.forwards(django_apps, None)
    named.refresh_from_db()
    plain.refresh_from_db()
    assert named.online_channels == "Shopee"
    assert list(named.links.values_list("platform", "url")) == [("instagram", "https://www.instagram.com/batiksari/")]
    assert plain.online_channels == "Shopee, Facebook" and not plain.links.exists()
    assert not empty.links.exists()
    migration.forwards(django_apps, None)  # again: nothing doubled
    assert named.links.count() == 1


def test_self_registration_takes_link_rows(client, bali_regions, kbli):
    data = form_data(
        bali_regions,
        link_1_platform="instagram",
        link_1_value="@tenunsari",
        link_2_platform="shopee",
        link_2_value="https://shopee.co.id/tenunsari",
    )
    response = client.post(register_url(), data)
    assert response.status_code == 302
    business = Business.objects.get(name="Tenun Sari Kuta")
    assert sorted(business.links.values_list("url", flat=True)) == [
        "https://shopee.co.id/tenunsari",
        "https://www.instagram.com/tenunsari/",
    ]


def test_a_bad_link_row_is_named_and_nothing_is_written(client, bali_regions, kbli):
    data = form_data(bali_regions, link_2_platform="shopee", link_2_value="https://evil.example/toko")
    response = client.post(register_url(), data)
    assert response.status_code == 200
    assert response.context["form"].errors["link_2_value"]
    assert "shopee.co.id" not in response.content.decode() or "evil.example" in response.content.decode()
    missing_platform = client.post(register_url(), form_data(bali_regions, link_1_value="@tenun"))
    assert missing_platform.context["form"].errors["link_1_platform"]
    assert not Business.objects.exists()


def test_the_profile_shows_links_and_whatsapp_only_with_consent(client, db):
    business = BusinessFactory(status=BusinessStatus.PUBLISHED, owner__phone="081234567890")
    BusinessLink.objects.create(business=business, platform="instagram", url="https://www.instagram.com/sari/")
    url = reverse("businesses:business_detail", args=[business.pk])
    page = client.get(url).content.decode()
    assert 'href="https://www.instagram.com/sari/"' in page and "@sari" in page
    assert "wa.me" not in page and "081234567890" not in page  # no consent to publish the phone
    business.owner.phone_public_since = datetime.date(2020, 1, 1)
    business.owner.save()
    cache.clear()  # the page cache retires on commit; this test's transaction never commits
    page = client.get(url).content.decode()
    assert 'href="https://wa.me/6281234567890"' in page


def test_links_of_an_unpublished_business_are_not_public(client, db):
    business = BusinessFactory(status=BusinessStatus.SUBMITTED)
    BusinessLink.objects.create(business=business, platform="instagram", url="https://www.instagram.com/secret/")
    assert client.get(reverse("businesses:business_detail", args=[business.pk])).status_code == 404
