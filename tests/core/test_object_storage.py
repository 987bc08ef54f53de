"""Media on S3-compatible object storage (issue 15, point 7): MEDIA_STORAGE=s3 and the AWS_* variables choose
django-storages' S3Storage for public media and, with AWS_PRIVATE_STORAGE_BUCKET_NAME, a private bucket for private
files; a wrong or missing variable stops the start with a message naming it. No network: the storages are built and
their addresses computed offline; moto stands in for S3 where files are written and read."""

import os
import subprocess
import sys
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, default_storage
from django.db.migrations.writer import MigrationWriter
from django.test import override_settings
from django.urls import reverse
from moto import mock_aws
from storages.backends.s3 import S3Storage

from businesses.choices import BusinessStatus
from businesses.models import Product
from ikm_registry import object_storage
from ikm_registry.choices import StaffRole
from ikm_registry.models import Job
from ikm_registry.object_storage import media_storages
from ikm_registry.object_storage_s3 import PrivateS3Storage
from ikm_registry.private_files import PrivateFileSystemStorage, private_files_purge, private_storage
from tests.factories import BusinessFactory, ProductFactory, staff_user

MINIO = {
    "MEDIA_STORAGE": "s3",
    "AWS_STORAGE_BUCKET_NAME": "ikm-media",
    "AWS_PRIVATE_STORAGE_BUCKET_NAME": "ikm-private",
    "AWS_S3_ENDPOINT_URL": "http://127.0.0.1:9000",
    "AWS_S3_REGION_NAME": "us-east-1",
    "AWS_ACCESS_KEY_ID": "minio-key",
    "AWS_SECRET_ACCESS_KEY": "minio-secret",
}


def storages_for(environ: dict) -> dict:
    chosen = media_storages(environ)
    return {**settings.STORAGES, "default": chosen.default, "private": chosen.private}


# --- parsing ---------------------------------------------------------------------------------------------------------


def test_without_configuration_files_stay_on_the_local_file_system():
    chosen = media_storages({})
    assert chosen.default == {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    assert chosen.private == {"BACKEND": "ikm_registry.private_files.PrivateFileSystemStorage"}
    assert chosen.image_origins == []
    assert media_storages({"MEDIA_STORAGE": "local"}) == chosen


def test_the_running_settings_use_local_storages():
    assert default_storage.__class__ is FileSystemStorage  # a LazyObject's __class__ is its backend's
    assert private_storage.backend.__class__ is PrivateFileSystemStorage


@pytest.mark.parametrize(
    ("environ", "variable"),
    [
        ({"MEDIA_STORAGE": "ftp"}, "MEDIA_STORAGE"),
        ({"MEDIA_STORAGE": "s3"}, "AWS_STORAGE_BUCKET_NAME"),
        ({"MEDIA_STORAGE": "s3", "AWS_STORAGE_BUCKET_NAME": "  "}, "AWS_STORAGE_BUCKET_NAME"),
        ({"MEDIA_STORAGE": "s3", "AWS_STORAGE_BUCKET_NAME": "IKM_Media"}, "AWS_STORAGE_BUCKET_NAME"),
        ({"MEDIA_STORAGE": "s3", "AWS_STORAGE_BUCKET_NAME": "ab"}, "AWS_STORAGE_BUCKET_NAME"),
        ({"MEDIA_STORAGE": "s3", "AWS_STORAGE_BUCKET_NAME": "ikm..media"}, "AWS_STORAGE_BUCKET_NAME"),
        ({"MEDIA_STORAGE": "s3", "AWS_STORAGE_BUCKET_NAME": "s3://ikm-media"}, "AWS_STORAGE_BUCKET_NAME"),
        ({"AWS_PRIVATE_STORAGE_BUCKET_NAME": "ikm-private"}, "AWS_PRIVATE_STORAGE_BUCKET_NAME"),
        ({**MINIO, "AWS_PRIVATE_STORAGE_BUCKET_NAME": "Private!"}, "AWS_PRIVATE_STORAGE_BUCKET_NAME"),
        ({**MINIO, "AWS_PRIVATE_STORAGE_BUCKET_NAME": "ikm-media"}, "AWS_PRIVATE_STORAGE_BUCKET_NAME"),
        ({**MINIO, "AWS_S3_ENDPOINT_URL": "minio:9000"}, "AWS_S3_ENDPOINT_URL"),
        ({**MINIO, "AWS_S3_ENDPOINT_URL": "ftp://minio:9000"}, "AWS_S3_ENDPOINT_URL"),
        ({**MINIO, "AWS_SECRET_ACCESS_KEY": ""}, "AWS_SECRET_ACCESS_KEY"),
        ({**MINIO, "AWS_ACCESS_KEY_ID": ""}, "AWS_ACCESS_KEY_ID"),
        ({**MINIO, "AWS_DEFAULT_ACL": "private"}, "AWS_DEFAULT_ACL"),
        ({**MINIO, "AWS_S3_CUSTOM_DOMAIN": "https://media.ikm.example.go.id"}, "AWS_S3_CUSTOM_DOMAIN"),
        ({**MINIO, "AWS_S3_ADDRESSING_STYLE": "dns"}, "AWS_S3_ADDRESSING_STYLE"),
    ],
)
def test_a_wrong_or_missing_variable_is_named(environ, variable):
    with pytest.raises(ImproperlyConfigured, match=variable):
        media_storages(environ)


def test_the_same_bucket_for_private_files_is_refused_with_the_reason():
    with pytest.raises(ImproperlyConfigured, match="readable by anyone"):
        media_storages({**MINIO, "AWS_PRIVATE_STORAGE_BUCKET_NAME": MINIO["AWS_STORAGE_BUCKET_NAME"]})


def test_s3_without_the_extra_installed_says_how_to_install_it(monkeypatch):
    real = object_storage.importlib.util.find_spec
    monkeypatch.setattr(
        object_storage.importlib.util, "find_spec", lambda name: None if name == "boto3" else real(name)
    )
    with pytest.raises(ImproperlyConfigured, match=r"boto3 not installed\): pip install -e '\.\[s3\]'"):
        media_storages(MINIO)


def test_s3_options_for_public_media_and_private_files():
    chosen = media_storages({**MINIO, "AWS_DEFAULT_ACL": "public-read"})
    connection = {
        "endpoint_url": "http://127.0.0.1:9000",
        "region_name": "us-east-1",
        "access_key": "minio-key",
        "secret_key": "minio-secret",
    }
    assert chosen.default == {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            **connection,
            "bucket_name": "ikm-media",
            "default_acl": "public-read",
            "querystring_auth": False,
            "file_overwrite": False,
            "custom_domain": None,
            "object_parameters": {"CacheControl": "public, max-age=86400"},
        },
    }
    assert chosen.private == {
        "BACKEND": "ikm_registry.object_storage_s3.PrivateS3Storage",
        "OPTIONS": {
            **connection,
            "bucket_name": "ikm-private",
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
    assert chosen.image_origins == ["http://127.0.0.1:9000"]


def test_private_files_stay_local_unless_a_private_bucket_is_named():
    environ = {key: value for key, value in MINIO.items() if key != "AWS_PRIVATE_STORAGE_BUCKET_NAME"}
    chosen = media_storages(environ)
    assert chosen.default["BACKEND"] == "storages.backends.s3.S3Storage"
    assert chosen.private == {"BACKEND": "ikm_registry.private_files.PrivateFileSystemStorage"}


def test_without_keys_boto3_finds_its_own_credentials():
    environ = {"MEDIA_STORAGE": "s3", "AWS_STORAGE_BUCKET_NAME": "ikm-media", "AWS_S3_REGION_NAME": "ap-southeast-3"}
    options = media_storages(environ).default["OPTIONS"]
    assert "access_key" not in options and "secret_key" not in options and "endpoint_url" not in options


# --- the storages built from them ------------------------------------------------------------------------------------


def test_configured_storages_are_s3_with_those_options_and_model_fields_follow():
    with override_settings(STORAGES=storages_for({**MINIO, "AWS_DEFAULT_ACL": "public-read"})):
        public = default_storage
        assert public.__class__ is S3Storage
        assert (public.bucket_name, public.endpoint_url, public.region_name) == (
            "ikm-media",
            "http://127.0.0.1:9000",
            "us-east-1",
        )
        assert (public.access_key, public.secret_key) == ("minio-key", "minio-secret")
        assert (public.default_acl, public.querystring_auth, public.file_overwrite) == ("public-read", False, False)

        private = Job._meta.get_field("file").storage
        assert private is private_storage
        assert private.backend.__class__ is PrivateS3Storage and isinstance(private.backend, S3Storage)
        assert (private.bucket_name, private.default_acl, private.querystring_auth) == ("ikm-private", "private", True)
        with pytest.raises(ValueError, match="no public address"):
            private.url("reports/abc.pdf")
        with pytest.raises(ValueError, match="no public address"):
            private.backend.url("reports/abc.pdf")
    # back to the local storages with the settings
    assert private_storage.backend.__class__ is PrivateFileSystemStorage


def test_the_private_fields_deconstruct_as_before_whatever_the_backend():
    """A migration names PrivateStorage(), never the backend with its bucket and keys."""
    with override_settings(STORAGES=storages_for(MINIO)):
        assert private_storage.bucket_name == "ikm-private"  # the backend's own attributes pass through
        written, _imports = MigrationWriter.serialize(Job._meta.get_field("file"))
    assert "storage=ikm_registry.private_files.PrivateStorage()" in written
    assert "ikm-private" not in written and "minio" not in written


@pytest.mark.parametrize(
    ("environ", "start"),
    [
        (MINIO, "http://127.0.0.1:9000/ikm-media/products/2026/abc.jpg"),
        (
            {**MINIO, "AWS_S3_ENDPOINT_URL": "https://nos.wjv-1.neo.id", "AWS_S3_ADDRESSING_STYLE": "virtual"},
            "https://ikm-media.nos.wjv-1.neo.id/products/2026/abc.jpg",
        ),
        (
            {**MINIO, "AWS_S3_ENDPOINT_URL": "https://s3.example.co.id"},
            "https://s3.example.co.id/ikm-media/products/2026/abc.jpg",
        ),
        (
            {"MEDIA_STORAGE": "s3", "AWS_STORAGE_BUCKET_NAME": "ikm-media", "AWS_S3_REGION_NAME": "ap-southeast-3"},
            "https://ikm-media.s3.",
        ),
        (
            {**MINIO, "AWS_S3_ADDRESSING_STYLE": "path", "AWS_S3_ENDPOINT_URL": ""},
            "https://s3.amazonaws.com/ikm-media/products/2026/abc.jpg",
        ),
        ({**MINIO, "AWS_S3_CUSTOM_DOMAIN": "media.ikm.example.go.id/"}, "https://media.ikm.example.go.id/products/"),
    ],
)
def test_public_addresses_are_unsigned_and_allowed_by_the_content_security_policy(environ, start):
    chosen = media_storages(environ)
    with override_settings(STORAGES=storages_for(environ)):
        url = default_storage.url("products/2026/abc.jpg")
    assert url.startswith(start) and url.endswith("/products/2026/abc.jpg")
    assert not parse_qs(urlsplit(url).query)  # no signature: the page cache may keep it, a CDN may cache it
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}" in chosen.image_origins


def test_the_settings_module_reads_the_environment(tmp_path):
    """settings.py itself: STORAGES and the CSP's img-src from the variables, or a start refused naming one."""
    code = (
        "from ikm_registry import settings as s; "
        "print(s.STORAGES['default']['BACKEND'], s.STORAGES['default']['OPTIONS']['bucket_name'], "
        "s.STORAGES['private']['BACKEND'], s.STORAGES['private']['OPTIONS']['bucket_name'], "
        "s.CONTENT_SECURITY_POLICY['DIRECTIVES']['img-src'][-1])"
    )
    env = {key: value for key, value in os.environ.items() if not key.startswith(("AWS_", "MEDIA_STORAGE"))}
    env = {**env, **MINIO, "DJANGO_SETTINGS_MODULE": "ikm_registry.settings"}
    run = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, cwd=settings.BASE_DIR)
    assert run.stdout.split() == [
        "storages.backends.s3.S3Storage",
        "ikm-media",
        "ikm_registry.object_storage_s3.PrivateS3Storage",
        "ikm-private",
        "http://127.0.0.1:9000",
    ], run.stderr
    env.pop("AWS_STORAGE_BUCKET_NAME")
    run = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, cwd=settings.BASE_DIR)
    assert run.returncode != 0
    assert "ImproperlyConfigured: MEDIA_STORAGE=s3 needs AWS_STORAGE_BUCKET_NAME" in run.stderr


# --- files on a (mocked) bucket --------------------------------------------------------------------------------------


@pytest.fixture
def buckets(monkeypatch):
    """moto's S3 in this process (no network): the public and the private bucket of MINIO, on AWS's endpoint."""
    environ = {**MINIO, "AWS_S3_ENDPOINT_URL": "", "AWS_DEFAULT_ACL": "public-read"}
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, MINIO[name])
    with mock_aws(), override_settings(STORAGES=storages_for(environ)):
        client = boto3.client("s3", region_name="us-east-1")
        for bucket in ("ikm-media", "ikm-private"):
            client.create_bucket(Bucket=bucket)
        yield client


def grants(client, bucket: str, key: str) -> set[tuple[str, str]]:
    acl = client.get_object_acl(Bucket=bucket, Key=key)
    return {(grant["Grantee"].get("URI", grant["Grantee"]["Type"]), grant["Permission"]) for grant in acl["Grants"]}


ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"


@pytest.mark.django_db
def test_a_private_file_goes_to_the_private_bucket_unreadable_and_reaches_only_its_owner(buckets, client):
    owner = staff_user(StaffRole.OPERATOR, "51.03")
    job = Job.objects.create(
        kind="report",
        owner=owner,
        status=Job.Status.DONE,
        title="Daftar IKM Badung",
        params={"report": "daftar-ikm", "data": {"region": "51.03"}},
        result={"row_count": 1, "personal_data": True, "individual_data": True},
    )
    job.file.save("daftar.pdf", ContentFile(b"%PDF-1.4 NIK 5103015508850001"), save=True)

    keys = [entry["Key"] for entry in buckets.list_objects_v2(Bucket="ikm-private")["Contents"]]
    assert keys == [job.file.name] and job.file.name.startswith("reports/")
    assert "Contents" not in buckets.list_objects_v2(Bucket="ikm-media")
    assert all(grantee != ALL_USERS for grantee, _permission in grants(buckets, "ikm-private", job.file.name))
    with pytest.raises(ValueError):
        job.file.url  # noqa: B018  (no address, signed or not)

    url = reverse("admin:report_job_download", args=[job.pk])
    client.force_login(staff_user(StaffRole.OPERATOR, "51.03"))  # another operator of the same office
    assert client.get(url).status_code == 404
    client.force_login(owner)
    response = client.get(url)
    assert response.status_code == 200
    assert b"5103015508850001" in b"".join(response.streaming_content)


@pytest.mark.django_db
def test_the_purge_sweeps_a_private_bucket(buckets):
    private_storage.save("rejects/orphan.csv", ContentFile(b"nik"))
    private_storage.save("elsewhere/keep.txt", ContentFile(b"x"))
    assert private_files_purge(days=1).orphans == 0  # written just now
    result = private_files_purge(days=0)
    names = {entry["Key"] for entry in buckets.list_objects_v2(Bucket="ikm-private")["Contents"]}
    assert result.orphans == 1 and names == {"elsewhere/keep.txt"}


@pytest.mark.django_db
def test_a_public_photo_goes_to_the_public_bucket_readable_by_anyone(buckets):
    name = default_storage.save("products/2026/tenun.jpg", ContentFile(b"\xff\xd8jpeg"))
    assert name == "products/2026/tenun.jpg"
    assert (ALL_USERS, "READ") in grants(buckets, "ikm-media", name)
    head = buckets.head_object(Bucket="ikm-media", Key=name)
    assert head["CacheControl"] == "public, max-age=86400" and head["ContentType"] == "image/jpeg"
    # a second file of the same name gets a new name: a photo is never overwritten under its address
    assert default_storage.save("products/2026/tenun.jpg", ContentFile(b"other")) != name


@pytest.mark.django_db
def test_public_pages_and_the_api_link_a_photo_at_the_buckets_address(buckets, client, bali_regions, kbli, settings):
    settings.API_ANON_RATE = "1000/m"
    business = BusinessFactory(status=BusinessStatus.PUBLISHED, village=bali_regions.tuban)
    name = default_storage.save("products/2026/tenun-small.jpg", ContentFile(b"\xff\xd8jpeg"))
    product = ProductFactory(business=business)
    Product.objects.filter(pk=product.pk).update(photo=name, photo_thumbnail=name, photo_small=name)
    address = default_storage.url(name)
    assert address.startswith("https://ikm-media.s3.amazonaws.com/products/2026/")

    page = client.get(f"/direktori/ikm/{business.pk}/")
    assert page.status_code == 200 and f'src="{address}"' in page.content.decode()
    # (the Content Security Policy is built from the environment at start: test_the_settings_module_reads_...)
    api = client.get(f"/api/v1/usaha/{business.pk}/", HTTP_ACCEPT="application/json")
    assert [row["foto"] for row in api.json()["produk"]] == [address]  # as it is, not joined to PUBLIC_BASE_URL
