"""A missing key reads as None even where S3 answers 403 for it: the functions may list only
their own prefixes (template.yaml), and without a bucket-wide ListBucket S3 hides a missing
key behind AccessDenied. Unit test of that one adapter rule, with botocore's Stubber."""

from __future__ import annotations

import boto3
import pytest
from botocore.stub import Stubber

from syndicate.adapters.aws import S3ObjectStore
from syndicate.ports import StorageError


def store_with(stub_calls: list[tuple[str, dict, dict | None, str | None]]) -> S3ObjectStore:
    client = boto3.client("s3", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    stubber = Stubber(client)
    for method, params, response, error in stub_calls:
        if error:
            stubber.add_client_error(method, service_error_code=error, http_status_code=403, expected_params=params)
        else:
            stubber.add_response(method, response or {}, params)
    stubber.activate()
    return S3ObjectStore("b", prefix="public/", client=client)


def test_access_denied_for_a_key_that_is_not_listed_is_missing() -> None:
    store = store_with([
        ("get_object", {"Bucket": "b", "Key": "public/feed.json"}, None, "AccessDenied"),
        ("list_objects_v2", {"Bucket": "b", "Prefix": "public/feed.json", "MaxKeys": 1},
         {"Contents": [], "KeyCount": 0}, None),
    ])
    assert store.get_with_etag("feed.json") is None


def test_access_denied_for_a_key_that_exists_is_an_error() -> None:
    store = store_with([
        ("get_object", {"Bucket": "b", "Key": "public/feed.json"}, None, "AccessDenied"),
        ("list_objects_v2", {"Bucket": "b", "Prefix": "public/feed.json", "MaxKeys": 1},
         {"Contents": [{"Key": "public/feed.json"}], "KeyCount": 1}, None),
    ])
    with pytest.raises(StorageError, match="AccessDenied"):
        store.get("feed.json")


def test_access_denied_when_listing_is_denied_too_is_an_error() -> None:
    store = store_with([
        ("get_object", {"Bucket": "b", "Key": "public/feed.json"}, None, "AccessDenied"),
        ("list_objects_v2", {"Bucket": "b", "Prefix": "public/feed.json", "MaxKeys": 1}, None, "AccessDenied"),
    ])
    with pytest.raises(StorageError, match="AccessDenied"):
        store.get("feed.json")
