"""The merge template: everything the deployed stack needs beyond what `chalice package` generates.

`chalice package --merge-template` deep-merges this into Chalice's SAM template (dicts merge key by
key, anything else is replaced), so the API function, its REST API, the vision function, the tables,
the bucket, the key and the secret are ONE template, deployed as one stack.

Nothing here is copied by hand from elsewhere:
- the tables come from ``table_specs(settings)`` (the same CreateTable parameters the local stack
  uses, admin tables included), with on-demand billing, PITR, TTL and the customer key added;
- the bucket's lifecycle comes from ``bucket_lifecycle(settings.evidence_retention_days)``;
- the generated secret values are the ``SecretStr`` settings the services load from the secret;
- the gateway responses carry the Chinese messages of ``pensioncert.errors``.

Every ARN is built with ``${AWS::Partition}`` (``aws-cn`` in cn-northwest-1) and service hosts with
``${AWS::URLSuffix}`` (``amazonaws.com.cn``). ``python -m infra.template --stage prod OUT.json``.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from infra import admin_site, h5_site, jobs_site, matching_site, notices_site
from pensioncert.dal.binding import table_specs
from pensioncert.dal.evidence import EVIDENCE_PREFIX, REGISTRY_PHOTO_PREFIX, bucket_lifecycle
from pensioncert.dal.notice_tables import NoticeSendTable
from pensioncert.dal.staff_photos import STAFF_PHOTO_PREFIX
from pensioncert.errors import ErrorCode
from pensioncert.settings import Settings

DEFAULT_REGION = "cn-northwest-1"  # Ningxia (NWCD): personal data stays in mainland China

API_FUNCTION = "APIHandler"  # Chalice's logical id for the API function
API_ROLE = "DefaultRole"  # Chalice's logical id for its role (its policy is replaced here)
REST_API = "RestAPI"
VISION_FUNCTION = "VisionFunction"
KEY = "DataKey"
BUCKET = "EvidenceBucket"
ACCESS_LOG_BUCKET = "AccessLogBucket"
APP_SECRET = "AppSecret"

# The vision function: a container image (the layer is 284 MiB unzipped, over Lambda's 250 MB).
# 2048 MB gives ~1.2 vCPU: one session's decision measured ~250 ms on one core here.
VISION_MEMORY_MB = 2048
VISION_TIMEOUT_S = 30
LOG_RETENTION_DAYS = 365  # China's Cybersecurity Law asks for at least 6 months of network logs

# What the API function does to DynamoDB (pensioncert/dal): single items, queries, conditional
# transactions. No Scan, no BatchWrite, no table management.
API_TABLE_ACTIONS = [
    "dynamodb:ConditionCheckItem",
    "dynamodb:DeleteItem",
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "dynamodb:Query",
    "dynamodb:UpdateItem",
]
# Settings that hold a secret the services load from the secret store, and that are generated at
# deployment (the Aliyun key is issued by Alibaba Cloud, so it is a parameter instead).
PROVIDED_SECRETS = ("aliyun_access_key_id", "aliyun_access_key_secret")


def _sub(text: str) -> dict:
    return {"Fn::Sub": text}


def _arn(service: str, resource: str, *, region: bool = True, account: bool = True) -> dict:
    region_part = "${AWS::Region}" if region else ""
    account_part = "${AWS::AccountId}" if account else ""
    return _sub(f"arn:${{AWS::Partition}}:{service}:{region_part}:{account_part}:{resource}")


def _skip(*checks: tuple[str, str]) -> dict:
    """checkov skips, each with its reason, where the resource is declared (shown by checkov)."""
    return {"checkov": {"skip": [{"id": check, "comment": reason} for check, reason in checks]}}


def logical_id(base_name: str) -> str:
    return "Table" + "".join(part.capitalize() for part in re.split(r"[^A-Za-z0-9]+", base_name) if part)


def generated_secret_keys() -> list[str]:
    """token_secret first (rotated by replacing it), then the others (pii_key, admin_secret, ...)."""
    keys = [name for name, field in Settings.model_fields.items()
            if field.annotation in (SecretStr, SecretStr | None) and name not in PROVIDED_SECRETS]
    return sorted(keys, key=lambda name: name != "token_secret")


def function_name(settings: Settings, part: str) -> str:
    return f"pc-{settings.stage}-{part}"


def notice_queue_name(settings: Settings) -> str:
    """The stage's notice queue (settings.notice_queue_name, prefixed like the functions)."""
    return f"pc-{settings.stage}-{settings.notice_queue_name}"


# --- data -------------------------------------------------------------------------------------


def key_resources(settings: Settings) -> dict[str, Any]:
    logs_principal = _sub("logs.${AWS::Region}.${AWS::URLSuffix}")
    return {
        KEY: {
            "Type": "AWS::KMS::Key",
            "DeletionPolicy": "Retain",
            "UpdateReplacePolicy": "Retain",
            "Properties": {
                "Description": "pensioncert: tables, evidence bucket, secret, logs, Lambda environment",
                "EnableKeyRotation": True,
                "KeyPolicy": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {   # IAM policies of this account decide who uses the key (the roles below)
                            "Sid": "AccountAdministersThroughIam",
                            "Effect": "Allow",
                            "Principal": {"AWS": _sub("arn:${AWS::Partition}:iam::${AWS::AccountId}:root")},
                            "Action": "kms:*",
                            "Resource": "*",
                        },
                        {   # CloudWatch Logs encrypts this stack's log groups with the key
                            "Sid": "LogsEncryptThisStacksLogGroups",
                            "Effect": "Allow",
                            "Principal": {"Service": logs_principal},
                            "Action": ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*",
                                       "kms:GenerateDataKey*", "kms:Describe*"],
                            "Resource": "*",
                            "Condition": {"ArnLike": {"kms:EncryptionContext:aws:logs:arn": _arn(
                                "logs", "log-group:*")}},
                        },
                    ],
                },
            },
        },
        "DataKeyAlias": {
            "Type": "AWS::KMS::Alias",
            "Properties": {"AliasName": f"alias/pensioncert-{settings.stage}", "TargetKeyId": {"Ref": KEY}},
        },
    }


def table_resources(settings: Settings) -> dict[str, Any]:
    resources = {}
    for spec in table_specs(settings):
        properties: dict[str, Any] = {
            **spec["create"],
            "BillingMode": "PAY_PER_REQUEST",
            "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
            "SSESpecification": {"SSEEnabled": True, "SSEType": "KMS", "KMSMasterKeyId": {"Ref": KEY}},
            "DeletionProtectionEnabled": True,
        }
        if spec["ttl_attribute"]:
            properties["TimeToLiveSpecification"] = {
                "AttributeName": spec["ttl_attribute"], "Enabled": True}
        resources[logical_id(spec["create"]["TableName"].removeprefix(settings.table_prefix))] = {
            "Type": "AWS::DynamoDB::Table",
            "DeletionPolicy": "Retain",
            "UpdateReplacePolicy": "Retain",
            "Properties": properties,
        }
    return resources



def bucket_resources(settings: Settings) -> dict[str, Any]:
    lifecycle = bucket_lifecycle(settings.evidence_retention_days)
    rules = [
        {
            "Id": rule["ID"],
            "Prefix": rule["Filter"]["Prefix"],
            "Status": rule["Status"],
            "ExpirationInDays": rule["Expiration"]["Days"],
        }
        for rule in lifecycle["Rules"]
    ]
    # Not in bucket_lifecycle because it only matters on AWS: unfinished uploads hold data too.
    rules.append({"Id": "abort-incomplete-uploads", "Status": "Enabled",
                  "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 1}})
    block_all = {"BlockPublicAcls": True, "BlockPublicPolicy": True,
                 "IgnorePublicAcls": True, "RestrictPublicBuckets": True}
    return {
        BUCKET: {
            "Type": "AWS::S3::Bucket",
            "DeletionPolicy": "Retain",
            "UpdateReplacePolicy": "Retain",
            "Metadata": _skip(
                ("CKV_AWS_21", "No versioning on purpose: evidence objects are written once under "
                 "a unique session key and must be gone when the lifecycle rule deletes them; "
                 "noncurrent versions would keep faces past the retention period."),
            ),
            "Properties": {
                "BucketName": _sub(f"{settings.evidence_bucket}-${{AWS::AccountId}}"),
                "BucketEncryption": {"ServerSideEncryptionConfiguration": [{
                    "ServerSideEncryptionByDefault": {
                        "SSEAlgorithm": "aws:kms", "KMSMasterKeyID": {"Fn::GetAtt": [KEY, "Arn"]}},
                    "BucketKeyEnabled": True,
                }]},
                "PublicAccessBlockConfiguration": block_all,
                "OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]},
                "LifecycleConfiguration": {"Rules": rules},
                "LoggingConfiguration": {"DestinationBucketName": {"Ref": ACCESS_LOG_BUCKET},
                                         "LogFilePrefix": "evidence/"},
            },
        },
        "EvidenceBucketPolicy": {
            "Type": "AWS::S3::BucketPolicy",
            "Properties": {
                "Bucket": {"Ref": BUCKET},
                "PolicyDocument": {"Version": "2012-10-17", "Statement": [_deny_plain_http(BUCKET)]},
            },
        },
        ACCESS_LOG_BUCKET: {
            "Type": "AWS::S3::Bucket",
            "DeletionPolicy": "Retain",
            "UpdateReplacePolicy": "Retain",
            "Metadata": _skip(
                ("CKV_AWS_18", "This is the access-log target; logging it into itself would loop."),
                ("CKV_AWS_21", "Log objects are written once by the S3 log delivery and expire; "
                 "nothing overwrites them."),
            ),
            "Properties": {
                # S3 server access logs are delivered only to SSE-S3 (AES256) buckets, not SSE-KMS.
                "BucketEncryption": {"ServerSideEncryptionConfiguration": [{
                    "ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]},
                "PublicAccessBlockConfiguration": block_all,
                "OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]},
                "LifecycleConfiguration": {"Rules": [
                    {"Id": "expire-access-logs", "Status": "Enabled",
                     "ExpirationInDays": LOG_RETENTION_DAYS}]},
            },
        },
        "AccessLogBucketPolicy": {
            "Type": "AWS::S3::BucketPolicy",
            "Properties": {
                "Bucket": {"Ref": ACCESS_LOG_BUCKET},
                "PolicyDocument": {"Version": "2012-10-17", "Statement": [
                    {
                        "Sid": "S3ServerAccessLogDelivery",
                        "Effect": "Allow",
                        "Principal": {"Service": "logging.s3.amazonaws.com"},
                        "Action": "s3:PutObject",
                        "Resource": _sub(f"${{{ACCESS_LOG_BUCKET}.Arn}}/evidence/*"),
                        "Condition": {
                            "ArnLike": {"aws:SourceArn": {"Fn::GetAtt": [BUCKET, "Arn"]}},
                            "StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}},
                        },
                    },
                    h5_site.access_log_statement(ACCESS_LOG_BUCKET),
                    matching_site.access_log_statement(ACCESS_LOG_BUCKET),
                    _deny_plain_http(ACCESS_LOG_BUCKET),
                ]},
            },
        },
    }


def _deny_plain_http(bucket: str) -> dict:
    return {
        "Sid": "DenyPlainHttp",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": [{"Fn::GetAtt": [bucket, "Arn"]}, _sub(f"${{{bucket}.Arn}}/*")],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }


def secret_resources(settings: Settings) -> dict[str, Any]:
    """One secret the API reads (PC_SECRETS_ID): {token_secret, pii_key, admin_secret, aliyun_*}.

    Secrets Manager generates one value per secret, so each further generated value (pii_key,
    admin_secret) is generated in its own seed secret, kept on stack deletion, and copied into the
    app secret by a dynamic reference when the app secret is created. token_secret is generated in
    the app secret itself; rotating it is replacing it there (docs/operations.md).
    """
    first, *others = generated_secret_keys()
    resources: dict[str, Any] = {}
    template = {}
    for name in others:
        seed = "SecretSeed" + "".join(part.capitalize() for part in name.split("_"))
        resources[seed] = {
            "Type": "AWS::SecretsManager::Secret",
            "DeletionPolicy": "Retain",
            "UpdateReplacePolicy": "Retain",
            "Properties": {
                "Name": f"pensioncert/{settings.stage}/seed/{name}",
                "Description": f"pensioncert: generated {name} (copied into the app secret)",
                "KmsKeyId": {"Ref": KEY},
                "GenerateSecretString": {"SecretStringTemplate": "{}", "GenerateStringKey": name,
                                         "PasswordLength": 64, "ExcludePunctuation": True},
            },
        }
        template[name] = f"{{{{resolve:secretsmanager:${{{seed}}}:SecretString:{name}}}}}"
    template["aliyun_access_key_id"] = "${AliyunAccessKeyId}"
    template["aliyun_access_key_secret"] = "${AliyunAccessKeySecret}"
    resources[APP_SECRET] = {
        "Type": "AWS::SecretsManager::Secret",
        "Properties": {
            "Name": f"pensioncert/{settings.stage}/app",
            "Description": "pensioncert: signing secret, PII key, admin secret, SMS gateway key",
            "KmsKeyId": {"Ref": KEY},
            "GenerateSecretString": {
                "SecretStringTemplate": _sub(json.dumps(template, separators=(",", ":"))),
                "GenerateStringKey": first,
                "PasswordLength": 64,
                "ExcludePunctuation": True,
            },
        },
    }
    return resources


# --- functions ----------------------------------------------------------------------------------


def _log_group(name: dict) -> dict:
    return {
        "Type": "AWS::Logs::LogGroup",
        "Properties": {"LogGroupName": name, "RetentionInDays": LOG_RETENTION_DAYS,
                       "KmsKeyId": {"Fn::GetAtt": [KEY, "Arn"]}},
    }


def _logs_statement(log_group: str) -> dict:
    return {
        "Sid": "WriteOwnLogs",
        "Effect": "Allow",
        "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
        "Resource": {"Fn::Sub": f"${{{log_group}.Arn}}"},
    }


def _lambda_trust() -> dict:
    return {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}


def _table_arns(settings: Settings) -> tuple[list, list]:
    """(every table's ARN, every table's index ARNs) for the functions' policies."""
    table_arns, index_arns = [], []
    for spec in table_specs(settings):
        table = {"Fn::GetAtt": [logical_id(spec["create"]["TableName"].removeprefix(settings.table_prefix)),
                                "Arn"]}
        table_arns.append(table)
        if spec["create"].get("GlobalSecondaryIndexes"):
            index_arns.append({"Fn::Join": ["", [table, "/index/*"]]})
    return table_arns, index_arns


def _environment(settings: Settings) -> dict[str, Any]:
    """The settings of the API function and the admin (one stage, the same data and secret)."""
    return {
        "PC_STAGE": settings.stage,
        "PC_AWS_REGION": {"Ref": "AWS::Region"},
        "PC_TABLE_PREFIX": settings.table_prefix,
        "PC_EVIDENCE_BUCKET": {"Ref": BUCKET},
        "PC_EVIDENCE_RETENTION_DAYS": str(settings.evidence_retention_days),
        "PC_SECRETS_ID": {"Ref": APP_SECRET},
        "PC_VISION_MODE": "lambda",
        "PC_VISION_FUNCTION_NAME": function_name(settings, "vision"),
        "PC_SMS_PROVIDER": {"Ref": "SmsProvider"},
        "PC_ALIYUN_TEMPLATES": {"Ref": "AliyunTemplates"},
        # The province's identity-authority gateway (its key is in the app secret, identity_authority_key).
        "PC_IDENTITY_AUTHORITY": {"Ref": "IdentityAuthority"},
        "PC_IDENTITY_AUTHORITY_URL": {"Ref": "IdentityAuthorityUrl"},
        # Where notice SMS are queued (infra/notices_site.py); verification codes are sent at once.
        "PC_NOTICE_QUEUE_NAME": notice_queue_name(settings),
        "POWERTOOLS_SERVICE_NAME": "pensioncert",
        "POWERTOOLS_METRICS_NAMESPACE": "PensionCert",
    }


def api_function(settings: Settings) -> dict[str, Any]:
    """Merged into Chalice's APIHandler and DefaultRole: name, environment, key, concurrency, policy."""
    table_arns, index_arns = _table_arns(settings)
    environment = _environment(settings)
    statements = [
        _logs_statement("ApiLogGroup"),
        {"Sid": "Tables", "Effect": "Allow", "Action": API_TABLE_ACTIONS, "Resource": table_arns},
        {"Sid": "TableIndexes", "Effect": "Allow", "Action": ["dynamodb:Query"], "Resource": index_arns},
        {"Sid": "Evidence", "Effect": "Allow", "Action": ["s3:PutObject", "s3:GetObject"],
         "Resource": [_sub(f"${{{BUCKET}.Arn}}/{EVIDENCE_PREFIX}*"),
                      _sub(f"${{{BUCKET}.Arn}}/{REGISTRY_PHOTO_PREFIX}*")]},
        {"Sid": "DataKey", "Effect": "Allow",
         "Action": ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"],
         "Resource": {"Fn::GetAtt": [KEY, "Arn"]}},
        {"Sid": "InvokeVision", "Effect": "Allow", "Action": "lambda:InvokeFunction",
         "Resource": {"Fn::GetAtt": [VISION_FUNCTION, "Arn"]}},
        {"Sid": "AppSecret", "Effect": "Allow", "Action": "secretsmanager:GetSecretValue",
         "Resource": {"Ref": APP_SECRET}},
        notices_site.producer_statement(),  # "you were added" notices (logic/contacts.py)
        {"Fn::If": ["UsesSnsSms", {
            # SNS direct-to-phone publishing has no resource to scope to: it must be "*".
            "Sid": "SmsBySns", "Effect": "Allow", "Action": "sns:Publish", "Resource": "*",
        }, {"Ref": "AWS::NoValue"}]},
    ]
    return {
        API_FUNCTION: {
            "Metadata": _skip(
                ("CKV_AWS_116", "Invoked synchronously by API Gateway; a dead-letter queue only "
                 "receives failed asynchronous invocations."),
                ("CKV_AWS_117", "Reaches only AWS regional endpoints and the Aliyun SMS gateway "
                 "over HTTPS; a VPC would add a NAT gateway and cold-start cost for no isolation "
                 "gain (no private resources)."),
            ),
            "Properties": {
                "FunctionName": function_name(settings, "api"),
                "KmsKeyArn": {"Fn::GetAtt": [KEY, "Arn"]},
                "ReservedConcurrentExecutions": {"Ref": "ApiReservedConcurrency"},
                "Environment": {"Variables": environment},
            },
            "DependsOn": ["ApiLogGroup"],
        },
        API_ROLE: {
            "Properties": {
                "Policies": [{"PolicyName": "pensioncert-api",
                              "PolicyDocument": {"Version": "2012-10-17", "Statement": statements}}],
            },
        },
        "ApiLogGroup": _log_group(f"/aws/lambda/{function_name(settings, 'api')}"),
    }


def vision_function(settings: Settings) -> dict[str, Any]:
    name = function_name(settings, "vision")
    return {
        "VisionRole": {
            "Type": "AWS::IAM::Role",
            "Properties": {
                "AssumeRolePolicyDocument": _lambda_trust(),
                # A session's frames are read from its evidence object (the invoke payload would
                # not carry them); reads only, and only under the evidence prefix.
                "Policies": [{"PolicyName": "pensioncert-vision", "PolicyDocument": {
                    "Version": "2012-10-17", "Statement": [
                        _logs_statement("VisionLogGroup"),
                        {"Sid": "ReadEvidence", "Effect": "Allow", "Action": "s3:GetObject",
                         "Resource": _sub(f"${{{BUCKET}.Arn}}/{EVIDENCE_PREFIX}*")},
                        {"Sid": "DecryptEvidence", "Effect": "Allow", "Action": "kms:Decrypt",
                         "Resource": {"Fn::GetAtt": [KEY, "Arn"]}},
                    ]}}],
            },
        },
        "VisionLogGroup": _log_group(f"/aws/lambda/{name}"),
        VISION_FUNCTION: {
            "Type": "AWS::Serverless::Function",
            "DependsOn": ["VisionLogGroup"],
            "Metadata": _skip(
                ("CKV_AWS_116", "Invoked synchronously (RequestResponse) by the API function only; "
                 "a dead-letter queue only receives failed asynchronous invocations."),
                ("CKV_AWS_117", "Reaches only S3 (the session's evidence object) over AWS's regional "
                 "endpoint; a VPC would add an endpoint and cold-start cost for nothing to isolate."),
            ),
            "Properties": {
                "FunctionName": name,
                "PackageType": "Image",
                "ImageUri": {"Ref": "VisionImageUri"},
                "Architectures": ["x86_64"],  # opencv/dlib/LiteRT wheels are manylinux x86_64
                "MemorySize": VISION_MEMORY_MB,
                "Timeout": VISION_TIMEOUT_S,
                "ReservedConcurrentExecutions": {"Ref": "VisionReservedConcurrency"},
                "Role": {"Fn::GetAtt": ["VisionRole", "Arn"]},
                "Tags": {"app": "pensioncert", "part": "vision"},
            },
        },
    }


def admin_function(settings: Settings) -> dict[str, Any]:
    """The agency admin: its function, role and API of its own (infra/admin_site.py)."""
    table_arns, index_arns = _table_arns(settings)
    bucket = {"Sid": "EvidenceAndPhotos", "Effect": "Allow", "Action": ["s3:PutObject", "s3:GetObject"],
              "Resource": [_sub(f"${{{BUCKET}.Arn}}/{prefix}*")
                           for prefix in (EVIDENCE_PREFIX, REGISTRY_PHOTO_PREFIX, STAFF_PHOTO_PREFIX)]}
    return admin_site.resources(
        skip=_skip, log_group=_log_group, logs_statement=_logs_statement, lambda_trust=_lambda_trust(),
        environment={**_environment(settings), "POWERTOOLS_SERVICE_NAME": "pensioncert-admin"},
        table_arns=table_arns, index_arns=index_arns, bucket_statement=bucket,
        queue_statement=notices_site.producer_statement(),  # the reference-photo notice
        key_arn={"Fn::GetAtt": [KEY, "Arn"]}, secret=APP_SECRET, vision_function=VISION_FUNCTION,
        function_name=function_name(settings, "admin"), stage=settings.stage)


def jobs_function(settings: Settings) -> dict[str, Any]:
    """The daily reminder and suspension jobs (infra/jobs_site.py)."""
    table_arns, index_arns = _table_arns(settings)
    return jobs_site.resources(
        skip=_skip, log_group=_log_group, logs_statement=_logs_statement, lambda_trust=_lambda_trust(),
        environment={**_environment(settings), "POWERTOOLS_SERVICE_NAME": "pensioncert-jobs"},
        table_arns=table_arns, index_arns=index_arns, queue_statement=notices_site.producer_statement(),
        key_arn={"Fn::GetAtt": [KEY, "Arn"]}, secret=APP_SECRET, function_name=function_name(settings, "jobs"))


def notice_resources(settings: Settings) -> dict[str, Any]:
    """The notice queue, its dead-letter queue and alarm, the consumer (infra/notices_site.py)."""
    send_table = logical_id(NoticeSendTable.Meta.base_name)
    return notices_site.resources(
        skip=_skip, log_group=_log_group, logs_statement=_logs_statement, lambda_trust=_lambda_trust(),
        environment={**_environment(settings), "POWERTOOLS_SERVICE_NAME": "pensioncert-notices"},
        send_table_arn={"Fn::GetAtt": [send_table, "Arn"]}, key_arn={"Fn::GetAtt": [KEY, "Arn"]},
        secret=APP_SECRET, queue_name=notice_queue_name(settings), function_name=function_name(settings, "notices"))


def matching_resources(settings: Settings) -> dict[str, Any]:
    """Data matching at scale: feed bucket, Glue job, write-back function, state machine
    (infra/matching_site.py)."""
    table_arns, index_arns = _table_arns(settings)
    return matching_site.resources(
        skip=_skip, log_group=_log_group, logs_statement=_logs_statement, lambda_trust=_lambda_trust(),
        deny_plain_http=_deny_plain_http, access_log_bucket=ACCESS_LOG_BUCKET,
        environment={**_environment(settings), "POWERTOOLS_SERVICE_NAME": "pensioncert-write-back"},
        table_arns=table_arns, index_arns=index_arns, table_actions=API_TABLE_ACTIONS, key=KEY,
        secret=APP_SECRET, registry_table=logical_id("registry"), certifications_table=logical_id("certifications"),
        stage=settings.stage)


def gateway_responses() -> dict[str, Any]:
    """API Gateway's own refusals (no route, throttled, ...) in the contract's error shape."""
    def response(code: ErrorCode, status: str | None = None) -> dict:
        body = json.dumps({"error": {"code": code.name, "message": code.message}}, ensure_ascii=False)
        answer: dict[str, Any] = {
            "ResponseTemplates": {"application/json": body},
            "ResponseParameters": {"Headers": {
                "Content-Type": "'application/json; charset=utf-8'", "Cache-Control": "'no-store'"}},
        }
        if status:
            answer["StatusCode"] = status
        return answer

    return {
        "DEFAULT_4XX": response(ErrorCode.BAD_REQUEST),
        # API Gateway answers 403 "Missing Authentication Token" for a path it does not know.
        "MISSING_AUTHENTICATION_TOKEN": response(ErrorCode.ROUTE_NOT_FOUND, "404"),
        "RESOURCE_NOT_FOUND": response(ErrorCode.ROUTE_NOT_FOUND, "404"),
        "REQUEST_TOO_LARGE": response(ErrorCode.PAYLOAD_TOO_LARGE, "413"),
        "THROTTLED": response(ErrorCode.SERVICE_UNAVAILABLE, "429"),
        "DEFAULT_5XX": response(ErrorCode.INTERNAL_ERROR),
    }


def rest_api(settings: Settings) -> dict[str, Any]:
    return {
        REST_API: {
            "Metadata": _skip(
                ("CKV_AWS_120", "Every answer is per user and marked no-store; caching would serve "
                 "one retiree's data to another."),
            ),
            "Properties": {
                "EndpointConfiguration": "REGIONAL",  # edge-optimized endpoints do not exist in China
                "GatewayResponses": gateway_responses(),
                "TracingEnabled": True,
                "AccessLogSetting": {
                    "DestinationArn": {"Fn::GetAtt": ["ApiAccessLogGroup", "Arn"]},
                    # No path or body: request ids, status and latency only (no personal data).
                    "Format": json.dumps({
                        "requestId": "$context.requestId", "ip": "$context.identity.sourceIp",
                        "method": "$context.httpMethod", "resource": "$context.resourcePath",
                        "status": "$context.status", "latencyMs": "$context.responseLatency",
                        "integrationLatencyMs": "$context.integrationLatency",
                        "time": "$context.requestTimeEpoch"}),
                },
                "MethodSettings": [{"ResourcePath": "/*", "HttpMethod": "*",
                                    "ThrottlingBurstLimit": {"Ref": "ApiThrottleBurst"},
                                    "ThrottlingRateLimit": {"Ref": "ApiThrottleRate"},
                                    "MetricsEnabled": True}],
            },
        },
        "ApiAccessLogGroup": _log_group(f"/aws/apigateway/pensioncert-{settings.stage}"),
        # Access logging needs the account's API Gateway CloudWatch role (one per account and
        # region; a second stack in the same account sets the same value).
        "ApiGatewayCloudWatchRole": {
            "Type": "AWS::IAM::Role",
            "Properties": {
                "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{
                    "Effect": "Allow", "Principal": {"Service": "apigateway.amazonaws.com"},
                    "Action": "sts:AssumeRole"}]},
                "ManagedPolicyArns": [_sub("arn:${AWS::Partition}:iam::aws:policy/service-role/"
                                           "AmazonAPIGatewayPushToCloudWatchLogs")],
            },
        },
        "ApiGatewayAccount": {
            "Type": "AWS::ApiGateway::Account",
            "Properties": {"CloudWatchRoleArn": {"Fn::GetAtt": ["ApiGatewayCloudWatchRole", "Arn"]}},
        },
    }


# --- the whole --------------------------------------------------------------------------------


def parameters(settings: Settings) -> dict[str, Any]:
    return {
        "VisionImageUri": {"Type": "String", "Description": (
            "ECR image of the vision function (infra/vision.Dockerfile), "
            "e.g. ACCOUNT.dkr.ecr.cn-northwest-1.amazonaws.com.cn/pensioncert-vision:TAG")},
        "SmsProvider": {"Type": "String", "Default": "aliyun", "AllowedValues": ["aliyun", "sns"],
                        "Description": "SNS cannot send SMS from the China regions: aliyun there."},
        "AliyunTemplates": {"Type": "String", "Default": "{}", "Description": (
            'JSON: template code per purpose, {"register": "SMS_...", "reset_password": "SMS_...", '
            '"bind_phone": "SMS_...", "reminder": "SMS_...", "reference_changed": "SMS_...", '
            '"contact_added": "SMS_..."}')},
        "AliyunAccessKeyId": {"Type": "String", "Default": "", "NoEcho": True,
                              "Description": "Alibaba Cloud SMS AccessKey id (stored in the app secret)"},
        "AliyunAccessKeySecret": {"Type": "String", "Default": "", "NoEcho": True,
                                  "Description": "Alibaba Cloud SMS AccessKey secret (stored in the app secret)"},
        "ApiReservedConcurrency": {"Type": "Number", "Default": 300, "MinValue": 1},
        "VisionReservedConcurrency": {"Type": "Number", "Default": 300, "MinValue": 1},
        "ApiThrottleRate": {"Type": "Number", "Default": 500, "Description": "requests/s, steady"},
        "ApiThrottleBurst": {"Type": "Number", "Default": 1000},
        **admin_site.parameters(),
        **h5_site.parameters(),
        **matching_site.parameters(),
        "IdentityAuthority": {"Type": "String", "Default": "none", "AllowedValues": ["none", "http"],
                              "Description": "http: compare live faces with the identity authority's photo "
                                             "(pensioncert/identity, the signed JSON protocol)"},
        "IdentityAuthorityUrl": {"Type": "String", "Default": "",
                                 "Description": "HTTPS URL of the province's identity-authority gateway"},
    }


def merge_template(settings: Settings) -> dict[str, Any]:
    resources: dict[str, Any] = {}
    for part in (key_resources(settings), table_resources(settings), bucket_resources(settings),
                 secret_resources(settings), api_function(settings), vision_function(settings),
                 rest_api(settings), admin_function(settings), jobs_function(settings),
                 notice_resources(settings), matching_resources(settings),
                 h5_site.resources(_skip, _deny_plain_http, ACCESS_LOG_BUCKET, REST_API)):
        overlap = resources.keys() & part.keys()
        assert not overlap, overlap
        resources.update(part)
    outputs = {
        "VisionFunctionName": {"Value": {"Ref": VISION_FUNCTION}},
        "EvidenceBucketName": {"Value": {"Ref": BUCKET}},
        "AppSecretArn": {"Value": {"Ref": APP_SECRET}},
        "DataKeyArn": {"Value": {"Fn::GetAtt": [KEY, "Arn"]}},
        "TablePrefix": {"Value": settings.table_prefix},
        **admin_site.outputs(),
        **h5_site.outputs(),
        **matching_site.outputs(),
        **notices_site.outputs(),
    }
    return {
        "Description": f"pensioncert ({settings.stage}): API, vision, tables, evidence bucket, key, secret",
        "Parameters": parameters(settings),
        "Conditions": {"UsesSnsSms": {"Fn::Equals": [{"Ref": "SmsProvider"}, "sns"]}},
        "Resources": resources,
        "Outputs": outputs,
    }


def stage_settings(stage: str, region: str = DEFAULT_REGION) -> Settings:
    """The deployed stage's settings: names derive from the stage alone, never from this machine's
    PC_* environment (a developer's local variables must not leak into a template)."""
    return Settings(_env_file=None, stage=stage, aws_region=region, table_prefix="",
                    evidence_bucket="", aws_endpoint_url=None)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--stage", default="prod")
    args = parser.parse_args(argv)
    if args.stage == "local":
        parser.error("'local' is the emulated stage; deploy a named stage (prod, staging, ...)")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(merge_template(stage_settings(args.stage)), indent=2,
                                   ensure_ascii=False) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
