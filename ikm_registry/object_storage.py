"""Where uploaded files live: the local file system (the default), or S3-compatible object storage (MinIO, AWS S3,
or a provider that speaks S3) chosen by the environment — README, Configuration and Past one machine.

settings.py calls `media_storages(os.environ)`: it returns the "default" and "private" entries of STORAGES and the
origins the Content Security Policy must allow images from, or raises ImproperlyConfigured naming the variable that
is missing or wrong. Nothing here imports django-storages or boto3 (the optional `s3` extra): STORAGES names their
classes, which Django imports when a storage is first used.

- Public media (product photos and their pictures, office logos; `default_storage`) go to AWS_STORAGE_BUCKET_NAME
  with plain, unsigned addresses: the bucket (or AWS_S3_CUSTOM_DOMAIN, a CDN in front of it) must let anyone read
  them, as the proxy serves MEDIA_ROOT to anyone today.
- Private files (import uploads, rejects files, job and report files, asesi documents, MoU, event and proposal
  photos; `ikm_registry.private_files.private_storage`) stay under PRIVATE_FILES_ROOT unless
  AWS_PRIVATE_STORAGE_BUCKET_NAME names a second bucket. There every object is written with the `private` ACL, the
  storage gives no address at all (`PrivateS3Storage.url` raises, as the local storage does), and a file reaches a
  browser only through the view that checks its owner and streams it (`private_file_response`). The bucket must
  differ from the public one, whose policy lets anyone read it.
"""

from __future__ import annotations

import importlib.util
import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

LOCAL, S3 = "local", "s3"
LOCAL_PRIVATE_BACKEND = "ikm_registry.private_files.PrivateFileSystemStorage"
S3_BACKEND = "storages.backends.s3.S3Storage"
S3_PRIVATE_BACKEND = "ikm_registry.object_storage_s3.PrivateS3Storage"
# Public objects have random names that never change (a new photo gets a new name): browsers and CDNs may keep them.
PUBLIC_CACHE_CONTROL = "public, max-age=86400"
# S3 bucket names: 3-63 characters, lowercase letters, digits, dots and hyphens, a letter or digit at each end.
BUCKET_NAME = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
PUBLIC_ACLS = ("", "public-read")
ADDRESSING_STYLES = ("", "path", "virtual")


@dataclass(frozen=True)
class MediaStorage:
    """The "default" and "private" entries of STORAGES, and the origins of public media for the CSP's img-src."""

    default: dict
    private: dict
    image_origins: list[str] = field(default_factory=list)


def media_storages(environ: Mapping[str, str]) -> MediaStorage:
    """The storages the environment asks for (MEDIA_STORAGE=local|s3 and the AWS_* variables)."""
    kind = environ.get("MEDIA_STORAGE", LOCAL).strip().lower() or LOCAL
    private_bucket = environ.get("AWS_PRIVATE_STORAGE_BUCKET_NAME", "").strip()
    if kind == LOCAL:
        if private_bucket:
            raise ImproperlyConfigured(
                "AWS_PRIVATE_STORAGE_BUCKET_NAME is set but MEDIA_STORAGE is not s3: set MEDIA_STORAGE=s3 (with "
                "AWS_STORAGE_BUCKET_NAME for the public media), or unset AWS_PRIVATE_STORAGE_BUCKET_NAME."
            )
        return MediaStorage(
            default={"BACKEND": "django.core.files.storage.FileSystemStorage"},
            private={"BACKEND": LOCAL_PRIVATE_BACKEND},
        )
    if kind != S3:
        raise ImproperlyConfigured(f"MEDIA_STORAGE must be 'local' or 's3', not {kind!r}.")
    missing = [name for name in ("storages", "boto3") if importlib.util.find_spec(name) is None]
    if missing:
        raise ImproperlyConfigured(
            f"MEDIA_STORAGE=s3 needs django-storages and boto3 ({', '.join(missing)} not installed): "
            "pip install -e '.[s3]'."
        )
    bucket = _bucket(environ, "AWS_STORAGE_BUCKET_NAME", "the bucket of the public media (product photos, logos)")
    if private_bucket:
        private_bucket = _bucket(environ, "AWS_PRIVATE_STORAGE_BUCKET_NAME", "")
        if private_bucket == bucket:
            raise ImproperlyConfigured(
                "AWS_PRIVATE_STORAGE_BUCKET_NAME must differ from AWS_STORAGE_BUCKET_NAME: the public media's bucket "
                "is readable by anyone, and private files (NIK, phones) must not be."
            )
    connection = _connection(environ)
    acl = environ.get("AWS_DEFAULT_ACL", "").strip()
    if acl not in PUBLIC_ACLS:
        raise ImproperlyConfigured(
            f"AWS_DEFAULT_ACL must be empty (the bucket's policy makes the media public) or 'public-read', not {acl!r}."
        )
    domain = environ.get("AWS_S3_CUSTOM_DOMAIN", "").strip().strip("/")
    if "://" in domain or " " in domain:
        raise ImproperlyConfigured(
            "AWS_S3_CUSTOM_DOMAIN is a host name (and path) without a scheme, e.g. media.ikm.example.go.id; "
            f"not {domain!r}."
        )
    public_options = {
        **connection,
        "bucket_name": bucket,
        "default_acl": acl or None,
        "querystring_auth": False,
        "file_overwrite": False,
        "custom_domain": domain or None,
        "object_parameters": {"CacheControl": PUBLIC_CACHE_CONTROL},
    }
    if private_bucket:
        private = {
            "BACKEND": S3_PRIVATE_BACKEND,
            "OPTIONS": {
                **connection,
                "bucket_name": private_bucket,
                "default_acl": "private",
                "querystring_auth": True,
                "file_overwrite": False,
            },
        }
    else:
        private = {"BACKEND": LOCAL_PRIVATE_BACKEND}
    return MediaStorage(
        default={"BACKEND": S3_BACKEND, "OPTIONS": public_options},
        private=private,
        image_origins=_origins(bucket, domain, connection),
    )


def _bucket(environ: Mapping[str, str], name: str, what: str) -> str:
    value = environ.get(name, "").strip()
    if not value:
        raise ImproperlyConfigured(f"MEDIA_STORAGE=s3 needs {name}, {what}.")
    if not BUCKET_NAME.fullmatch(value) or ".." in value:
        raise ImproperlyConfigured(
            f"{name} {value!r} is not a valid bucket name: 3-63 lowercase letters, digits, dots and hyphens, "
            "beginning and ending with a letter or digit."
        )
    return value


def _connection(environ: Mapping[str, str]) -> dict:
    """Endpoint, region, addressing style and keys, shared by both buckets. Without keys boto3 finds its own
    credentials (AWS_ACCESS_KEY_ID in the environment, ~/.aws, an instance role)."""
    options = {}
    endpoint = environ.get("AWS_S3_ENDPOINT_URL", "").strip().rstrip("/")
    if endpoint:
        parts = urlsplit(endpoint)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ImproperlyConfigured(
                f"AWS_S3_ENDPOINT_URL must be an http(s) address, e.g. https://s3.example.co.id; not {endpoint!r}."
            )
        options["endpoint_url"] = endpoint
    region = environ.get("AWS_S3_REGION_NAME", "").strip()
    if region:
        options["region_name"] = region
    style = environ.get("AWS_S3_ADDRESSING_STYLE", "").strip().lower()
    if style not in ADDRESSING_STYLES:
        raise ImproperlyConfigured(f"AWS_S3_ADDRESSING_STYLE must be 'path' or 'virtual' (or empty), not {style!r}.")
    if style:
        options["addressing_style"] = style
    key, secret = environ.get("AWS_ACCESS_KEY_ID", "").strip(), environ.get("AWS_SECRET_ACCESS_KEY", "").strip()
    if bool(key) != bool(secret):
        given, lacking = (
            ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY") if key else ("AWS_SECRET_ACCESS_KEY", "AWS_ACCESS_KEY_ID")
        )
        raise ImproperlyConfigured(f"{given} is set without {lacking}: set both, or neither (boto3's own credentials).")
    if key:
        options["access_key"], options["secret_key"] = key, secret
    return options


def _origins(bucket: str, domain: str, connection: dict) -> list[str]:
    """Where the browser fetches public media from, as boto3 builds their addresses (unsigned GET URLs)."""
    if domain:
        return [f"https://{domain.split('/')[0]}"]
    style = connection.get("addressing_style", "")
    endpoint = connection.get("endpoint_url")
    if endpoint:
        parts = urlsplit(endpoint)
        origin = f"{parts.scheme}://{parts.netloc}"
        if style == "virtual" and not _is_ip(parts.hostname):
            return [f"{parts.scheme}://{bucket}.{parts.netloc}"]
        return [origin]
    region = connection.get("region_name", "")
    if style == "path":
        return ["https://s3.amazonaws.com"] + ([f"https://s3.{region}.amazonaws.com"] if region else [])
    return [f"https://{bucket}.s3.amazonaws.com"] + ([f"https://{bucket}.s3.{region}.amazonaws.com"] if region else [])


def _is_ip(host: str | None) -> bool:
    try:
        ipaddress.ip_address(host or "")
    except ValueError:
        return False
    return True
