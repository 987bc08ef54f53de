"""The storage of private files on S3-compatible object storage (AWS_PRIVATE_STORAGE_BUCKET_NAME; see
ikm_registry/object_storage.py). Imported only when STORAGES names it, so django-storages and boto3 (the `s3` extra)
are needed only then."""

from storages.backends.s3 import S3Storage


class PrivateS3Storage(S3Storage):
    """S3Storage for private files: every object written with the `private` ACL, names never overwritten, and no
    address at all — like the local PrivateFileSystemStorage, a private file reaches a browser only through a view
    that checks its owner (`private_file_response`), never by a link, signed or not, that could be passed on."""

    default_acl = "private"
    querystring_auth = True
    file_overwrite = False

    def url(self, name, *args, **kwargs):
        raise ValueError("A private file has no public address; serve it through a view that checks its owner.")
