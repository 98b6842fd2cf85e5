"""A local S3 API server for the object-storage tests: moto in server mode
(``ThreadedMotoServer``) on a free port of 127.0.0.1, started once per test session, and a
fresh private bucket per test with the private storage switched to it (FILE_STORAGE=s3's
backend, ``consultancy.documents.s3.PrivateS3Storage``). Nothing reaches AWS: every call
goes to the local server, with throwaway keys. If moto cannot start, the tests are skipped
(it should: ``moto[server]`` is a dev dependency)."""

import uuid

import pytest

KEY_ID, SECRET = "testing-not-a-key", "testing-not-a-secret"  # noqa: S105 (moto accepts any)
REGION = "us-east-1"


@pytest.fixture(scope="session")
def moto_endpoint():
    try:
        from moto.server import ThreadedMotoServer

        server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        server.start()
    except Exception as exc:  # noqa: BLE001 - any failure to start is a skip, said why
        pytest.skip(f"moto's S3 server could not start: {exc!r}")
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3(settings, moto_endpoint, monkeypatch):
    """A new private bucket on the local server, and the default storage on it. Yields a
    boto3 client of the server and the bucket's name."""
    import boto3

    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
                 "AWS_PROFILE", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"):
        monkeypatch.delenv(name, raising=False)
    bucket = f"private-{uuid.uuid4().hex[:12]}"
    client = boto3.client("s3", endpoint_url=moto_endpoint, region_name=REGION,
                          aws_access_key_id=KEY_ID, aws_secret_access_key=SECRET)
    client.create_bucket(Bucket=bucket)
    settings.AWS_ACCESS_KEY_ID = KEY_ID
    settings.AWS_SECRET_ACCESS_KEY = SECRET
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "consultancy.documents.s3.PrivateS3Storage", "OPTIONS": {
            "bucket_name": bucket, "endpoint_url": moto_endpoint, "region_name": REGION,
            "location": "private"}},
    }
    yield client, bucket


def keys(client, bucket) -> list[str]:
    listed = client.list_objects_v2(Bucket=bucket)
    return sorted(item["Key"] for item in listed.get("Contents", []))


def local_files(media_root) -> list:
    """Files written under MEDIA_ROOT (the upload spool's folder aside): none with S3."""
    from pathlib import Path

    root = Path(media_root)
    return [p for p in root.rglob("*") if p.is_file() and ".upload-tmp" not in p.parts]
