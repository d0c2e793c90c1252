"""The mobile web client (h5/app) deployed: a private S3 bucket behind CloudFront.

One origin for the page and the API: CloudFront serves the files from the bucket (read only
through an origin access identity: Origin Access Control is not offered in
the China regions) and passes ``/api/*`` to the REST API (Chalice's stage is named
``api``, so ``/api/auth/login`` is the API's ``/auth/login``), exactly as ``h5/serve.py`` does
locally. The browser therefore never makes a cross-origin call, and the API answers no CORS
preflight: a page of any other origin cannot use a retiree's token against it. That is stricter
than an allow-list of one origin, and leaves no CORS configuration to get wrong.

Every response carries the same security headers as the local server (``h5/serve.py``
SECURITY_HEADERS: a strict Content-Security-Policy with nothing inline and nothing from another
origin) plus HSTS. In the China regions CloudFront serves HTTPS only on an ICP-filed domain with a
certificate uploaded to IAM: both are parameters (docs/operations.md).
"""
from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

from infra.stack import ACCESS_LOG_BUCKET, access_log_delivery, deny_plain_http, private_bucket, skip, sub

H5_BUCKET = "H5Bucket"
H5_DISTRIBUTION = "H5Distribution"
H5_HEADERS = "H5SecurityHeaders"
H5_OAI = "H5OriginAccessIdentity"
HSTS_MAX_AGE_S = 63_072_000  # two years, with preload: the domain is HTTPS-only for good

_SERVE = Path(__file__).resolve().parent.parent / "h5" / "serve.py"


def local_security_headers() -> dict[str, str]:
    """The local server's headers: one definition for both stages."""
    spec = importlib.util.spec_from_file_location("pensioncert_h5_serve_headers", _SERVE)
    assert spec is not None and spec.loader is not None, _SERVE
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return dict(module.SECURITY_HEADERS)


def parameters() -> dict[str, Any]:
    return {
        "H5DomainName": {"Type": "String", "Description": (
            "ICP-filed domain of the mobile web client, e.g. rzrz.example.gov.cn (CloudFront alias)")},
        "H5CertificateId": {"Type": "String", "Description": (
            "IAM server certificate id for H5DomainName (CloudFront in the China regions takes "
            "certificates from IAM, not ACM)")},
    }


def resources(*, rest_api: str) -> dict[str, Any]:
    """``rest_api``: the API's logical id (Chalice's REST API), the origin of ``/api/*``."""
    headers = local_security_headers()
    custom = [{"Header": name, "Value": value, "Override": True}
              for name, value in headers.items()
              if name not in ("Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy")]
    api_domain = sub(f"${{{rest_api}}}.execute-api.${{AWS::Region}}.${{AWS::URLSuffix}}")
    return {
        H5_BUCKET: {
            "Type": "AWS::S3::Bucket",
            "Metadata": skip(
                ("CKV_AWS_21", "The files are the build of one commit, uploaded whole at each "
                 "release from git; git is their history."),
            ),
            "Properties": {
                # The page holds no personal data: SSE-S3 lets CloudFront's OAC read it without a
                # key grant on the data key that protects evidence.
                "BucketEncryption": {"ServerSideEncryptionConfiguration": [{
                    "ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]},
                **private_bucket(),
                "LoggingConfiguration": {"DestinationBucketName": {"Ref": ACCESS_LOG_BUCKET},
                                         "LogFilePrefix": "h5/"},
            },
        },
        "H5BucketPolicy": {
            "Type": "AWS::S3::BucketPolicy",
            "Properties": {
                "Bucket": {"Ref": H5_BUCKET},
                "PolicyDocument": {"Version": "2012-10-17", "Statement": [
                    deny_plain_http(H5_BUCKET),
                    {
                        "Sid": "CloudFrontReadsThroughItsIdentity",
                        "Effect": "Allow",
                        "Principal": {"CanonicalUser": {"Fn::GetAtt": [H5_OAI, "S3CanonicalUserId"]}},
                        "Action": "s3:GetObject",
                        "Resource": sub(f"${{{H5_BUCKET}.Arn}}/*"),
                    },
                ]},
            },
        },
        H5_OAI: {
            "Type": "AWS::CloudFront::CloudFrontOriginAccessIdentity",
            "Properties": {"CloudFrontOriginAccessIdentityConfig": {
                "Comment": "pensioncert mobile web client: the only reader of its bucket"}},
        },
        H5_HEADERS: {
            "Type": "AWS::CloudFront::ResponseHeadersPolicy",
            "Properties": {"ResponseHeadersPolicyConfig": {
                "Name": sub("pensioncert-h5-${AWS::StackName}"),
                "SecurityHeadersConfig": {
                    "ContentSecurityPolicy": {"ContentSecurityPolicy": headers["Content-Security-Policy"],
                                              "Override": True},
                    "ContentTypeOptions": {"Override": True},
                    "FrameOptions": {"FrameOption": "DENY", "Override": True},
                    "ReferrerPolicy": {"ReferrerPolicy": headers["Referrer-Policy"], "Override": True},
                    "StrictTransportSecurity": {"AccessControlMaxAgeSec": HSTS_MAX_AGE_S,
                                                "IncludeSubdomains": True, "Preload": True,
                                                "Override": True},
                },
                "CustomHeadersConfig": {"Items": custom},
            }},
        },
        H5_DISTRIBUTION: {
            "Type": "AWS::CloudFront::Distribution",
            "Metadata": skip(
                ("CKV_AWS_68", "A web ACL for CloudFront is created in the global scope, outside "
                 "this regional stack (attach one by id where the province runs WAF); the API behind "
                 "/api/* keeps its own throttling and the app's per-account limits."),
                ("CKV_AWS_86", "CloudFront's standard logs need a bucket with ACLs, which this stack "
                 "disables everywhere; the files are the same for everyone, and every personal call "
                 "behind /api/* is logged by API Gateway and the API function."),
            ),
            "Properties": {"DistributionConfig": {
                "Enabled": True,
                "Comment": "pensioncert mobile web client and its API, one origin",
                "Aliases": [{"Ref": "H5DomainName"}],
                "ViewerCertificate": {"IamCertificateId": {"Ref": "H5CertificateId"},
                                      "SslSupportMethod": "sni-only",
                                      "MinimumProtocolVersion": "TLSv1.2_2021"},
                "DefaultRootObject": "index.html",
                "HttpVersion": "http2",
                "PriceClass": "PriceClass_All",
                "Origins": [
                    {"Id": "h5-files", "DomainName": {"Fn::GetAtt": [H5_BUCKET, "RegionalDomainName"]},
                     "S3OriginConfig": {"OriginAccessIdentity": sub(
                         f"origin-access-identity/cloudfront/${{{H5_OAI}}}")}},
                    {"Id": "api", "DomainName": api_domain,
                     "CustomOriginConfig": {"OriginProtocolPolicy": "https-only",
                                            "OriginSSLProtocols": ["TLSv1.2"]}},
                ],
                "DefaultCacheBehavior": {
                    "TargetOriginId": "h5-files",
                    "ViewerProtocolPolicy": "redirect-to-https",
                    "AllowedMethods": ["GET", "HEAD"],
                    "Compress": True,
                    "ForwardedValues": {"QueryString": False},
                    "ResponseHeadersPolicyId": {"Ref": H5_HEADERS},
                },
                "CacheBehaviors": [{
                    "PathPattern": "/api/*",
                    "TargetOriginId": "api",
                    "ViewerProtocolPolicy": "https-only",
                    "AllowedMethods": ["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"],
                    # Never cached: every answer is personal. The token travels in Authorization.
                    "ForwardedValues": {"QueryString": True, "Headers": ["Authorization", "Content-Type", "Accept"]},
                    "MinTTL": 0, "DefaultTTL": 0, "MaxTTL": 0,
                    "ResponseHeadersPolicyId": {"Ref": H5_HEADERS},
                }],
            }},
        },
    }


def access_log_statement() -> dict[str, Any]:
    """Lets S3 deliver the H5 bucket's server access logs into the stack's log bucket."""
    return access_log_delivery("H5AccessLogDelivery", H5_BUCKET, "h5/")


def outputs() -> dict[str, Any]:
    return {
        "H5BucketName": {"Value": {"Ref": H5_BUCKET}},
        "H5DistributionDomain": {"Value": {"Fn::GetAtt": [H5_DISTRIBUTION, "DomainName"]}},
    }
