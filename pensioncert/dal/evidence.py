"""The evidence bucket (S3): reference photos, ID card images and liveness frames.

Objects are encrypted at rest by the bucket's default encryption (the customer key when deployed;
no per-object setting, which would override it) and expire by the bucket's lifecycle rules;
DynamoDB only ever holds their keys, never the images.
"""
from __future__ import annotations

import json
from typing import Any

REGISTRY_PHOTO_PREFIX = "registry-photos/"
EVIDENCE_PREFIX = "evidence/"


def bucket_lifecycle(evidence_retention_days: int) -> dict[str, Any]:
    """The lifecycle rules the local stack applies and infra declares (one definition)."""
    return {
        "Rules": [
            {
                "ID": "expire-liveness-evidence",
                "Filter": {"Prefix": EVIDENCE_PREFIX},
                "Status": "Enabled",
                "Expiration": {"Days": evidence_retention_days},
            }
        ]
    }


def put_registry_photo(s3, bucket: str, id_key: str, image: bytes) -> str:
    key = f"{REGISTRY_PHOTO_PREFIX}{id_key}"
    s3.put_object(Bucket=bucket, Key=key, Body=image)
    return key


def put_json(s3, bucket: str, key: str, document: dict) -> None:
    s3.put_object(Bucket=bucket, Key=key, Body=json.dumps(document).encode(),
                  ContentType="application/json")


def get_object(s3, bucket: str, key: str) -> bytes:
    return s3.get_object(Bucket=bucket, Key=key)["Body"].read()


def create_bucket(s3, bucket: str, region: str, evidence_retention_days: int) -> None:
    """Local stage and tests: the bucket as infra deploys it (private, encrypted, expiring)."""
    existing = {b["Name"] for b in s3.list_buckets().get("Buckets", [])}
    if bucket in existing:
        return
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": region})
    s3.put_public_access_block(
        Bucket=bucket,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True, "IgnorePublicAcls": True,
            "BlockPublicPolicy": True, "RestrictPublicBuckets": True,
        },
    )
    s3.put_bucket_encryption(
        Bucket=bucket,
        ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
        },
    )
    s3.put_bucket_lifecycle_configuration(
        Bucket=bucket, LifecycleConfiguration=bucket_lifecycle(evidence_retention_days)
    )
