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

The ids the parts share and the builders of their repeated shapes (a function with its role and
log group, above all) are in infra/stack.py; each part's own resources in its ``*_site`` module.

Every ARN is built with ``${AWS::Partition}`` (``aws-cn`` in cn-northwest-1) and service hosts with
``${AWS::URLSuffix}`` (``amazonaws.com.cn``). ``python -m infra.template --stage prod OUT.json``.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from infra import admin_site, h5_site, jobs_site, matching_site, notices_site, operations_site
from infra.stack import (
    ACCESS_LOG_BUCKET,
    APP_SECRET,
    BUCKET,
    DAL_TABLE_ACTIONS,
    KEY,
    KEY_ARN,
    LOG_RETENTION_DAYS,
    access_log_delivery,
    app_secret_statement,
    data_key_statement,
    deny_plain_http,
    deployed_name,
    from_image,
    function_skips,
    lambda_function,
    log_group,
    logs_statement,
    policies,
    private_bucket,
    skip,
    sms_by_sns_statement,
    sub,
    table_logical_id,
    table_statements,
)
from pensioncert.dal.binding import table_specs
from pensioncert.dal.evidence import EVIDENCE_PREFIX, REGISTRY_PHOTO_PREFIX, bucket_lifecycle
from pensioncert.errors import ErrorCode
from pensioncert.settings import Settings

DEFAULT_REGION = "cn-northwest-1"  # Ningxia (NWCD): personal data stays in mainland China

API_FUNCTION = "APIHandler"  # Chalice's logical id for the API function
API_ROLE = "DefaultRole"  # Chalice's logical id for its role (its policy is replaced here)
REST_API = "RestAPI"
VISION_FUNCTION = "VisionFunction"

# The vision function: a container image (the layer is 284 MiB unzipped, over Lambda's 250 MB).
# 2048 MB gives ~1.2 vCPU: one session's decision measured ~250 ms on one core here.
VISION_MEMORY_MB = 2048
VISION_TIMEOUT_S = 30

# Settings that hold a secret the services load from the secret store, and that are generated at
# deployment (the Aliyun key is issued by Alibaba Cloud, so it is a parameter instead).
PROVIDED_SECRETS = ("aliyun_access_key_id", "aliyun_access_key_secret")


def _arn(service: str, resource: str, *, region: bool = True, account: bool = True) -> dict:
    region_part = "${AWS::Region}" if region else ""
    account_part = "${AWS::AccountId}" if account else ""
    return sub(f"arn:${{AWS::Partition}}:{service}:{region_part}:{account_part}:{resource}")


def generated_secret_keys() -> list[str]:
    """token_secret first (rotated by replacing it), then the others (pii_key, admin_secret, ...)."""
    keys = [name for name, field in Settings.model_fields.items()
            if field.annotation in (SecretStr, SecretStr | None) and name not in PROVIDED_SECRETS]
    return sorted(keys, key=lambda name: name != "token_secret")


# --- data -------------------------------------------------------------------------------------


def key_resources(settings: Settings) -> dict[str, Any]:
    logs_principal = sub("logs.${AWS::Region}.${AWS::URLSuffix}")
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
                            "Principal": {"AWS": sub("arn:${AWS::Partition}:iam::${AWS::AccountId}:root")},
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
                        operations_site.key_statement(),
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
        resources[table_logical_id(spec["create"]["TableName"].removeprefix(settings.table_prefix))] = {
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
    return {
        BUCKET: {
            "Type": "AWS::S3::Bucket",
            "DeletionPolicy": "Retain",
            "UpdateReplacePolicy": "Retain",
            "Metadata": skip(
                ("CKV_AWS_21", "No versioning on purpose: evidence objects are written once under "
                 "a unique session key and must be gone when the lifecycle rule deletes them; "
                 "noncurrent versions would keep faces past the retention period."),
            ),
            "Properties": {
                "BucketName": sub(f"{settings.evidence_bucket}-${{AWS::AccountId}}"),
                "BucketEncryption": {"ServerSideEncryptionConfiguration": [{
                    "ServerSideEncryptionByDefault": {
                        "SSEAlgorithm": "aws:kms", "KMSMasterKeyID": KEY_ARN},
                    "BucketKeyEnabled": True,
                }]},
                **private_bucket(),
                "LifecycleConfiguration": {"Rules": rules},
                "LoggingConfiguration": {"DestinationBucketName": {"Ref": ACCESS_LOG_BUCKET},
                                         "LogFilePrefix": "evidence/"},
            },
        },
        "EvidenceBucketPolicy": {
            "Type": "AWS::S3::BucketPolicy",
            "Properties": {
                "Bucket": {"Ref": BUCKET},
                "PolicyDocument": {"Version": "2012-10-17", "Statement": [deny_plain_http(BUCKET)]},
            },
        },
        ACCESS_LOG_BUCKET: {
            "Type": "AWS::S3::Bucket",
            "DeletionPolicy": "Retain",
            "UpdateReplacePolicy": "Retain",
            "Metadata": skip(
                ("CKV_AWS_18", "This is the access-log target; logging it into itself would loop."),
                ("CKV_AWS_21", "Log objects are written once by the S3 log delivery and expire; "
                 "nothing overwrites them."),
            ),
            "Properties": {
                # S3 server access logs are delivered only to SSE-S3 (AES256) buckets, not SSE-KMS.
                "BucketEncryption": {"ServerSideEncryptionConfiguration": [{
                    "ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]},
                **private_bucket(),
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
                    access_log_delivery("S3ServerAccessLogDelivery", BUCKET, "evidence/"),
                    h5_site.access_log_statement(),
                    matching_site.access_log_statement(),
                    deny_plain_http(ACCESS_LOG_BUCKET),
                ]},
            },
        },
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
                "SecretStringTemplate": sub(json.dumps(template, separators=(",", ":"))),
                "GenerateStringKey": first,
                "PasswordLength": 64,
                "ExcludePunctuation": True,
            },
        },
    }
    return resources


# --- functions ----------------------------------------------------------------------------------


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
        "PC_VISION_FUNCTION_NAME": deployed_name(settings, "vision"),
        "PC_SMS_PROVIDER": {"Ref": "SmsProvider"},
        "PC_ALIYUN_TEMPLATES": {"Ref": "AliyunTemplates"},
        # The province's identity-authority gateway (its key is in the app secret, identity_authority_key).
        "PC_IDENTITY_AUTHORITY": {"Ref": "IdentityAuthority"},
        "PC_IDENTITY_AUTHORITY_URL": {"Ref": "IdentityAuthorityUrl"},
        # Where notice SMS are queued (infra/notices_site.py); verification codes are sent at once.
        "PC_NOTICE_QUEUE_NAME": notices_site.queue_name(settings),
        "POWERTOOLS_SERVICE_NAME": "pensioncert",
        "POWERTOOLS_METRICS_NAMESPACE": "PensionCert",
    }


def api_function(settings: Settings) -> dict[str, Any]:
    """Merged into Chalice's APIHandler and DefaultRole: name, environment, key, concurrency, policy."""
    environment = _environment(settings)
    statements = [
        logs_statement("ApiLogGroup"),
        *table_statements(settings, DAL_TABLE_ACTIONS),
        {"Sid": "Evidence", "Effect": "Allow", "Action": ["s3:PutObject", "s3:GetObject"],
         "Resource": [sub(f"${{{BUCKET}.Arn}}/{EVIDENCE_PREFIX}*"),
                      sub(f"${{{BUCKET}.Arn}}/{REGISTRY_PHOTO_PREFIX}*")]},
        data_key_statement("kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"),
        {"Sid": "InvokeVision", "Effect": "Allow", "Action": "lambda:InvokeFunction",
         "Resource": {"Fn::GetAtt": [VISION_FUNCTION, "Arn"]}},
        app_secret_statement(),
        notices_site.producer_statement(),  # "you were added" notices (logic/contacts.py)
        sms_by_sns_statement(),
    ]
    return {
        API_FUNCTION: {
            "Metadata": function_skips(
                no_dead_letter_queue="Invoked synchronously by API Gateway; a dead-letter queue only "
                                     "receives failed asynchronous invocations.",
                no_vpc="Reaches only AWS regional endpoints and the Aliyun SMS gateway over HTTPS; a VPC "
                       "would add a NAT gateway and cold-start cost for no isolation gain (no private "
                       "resources)."),
            "Properties": {
                "FunctionName": deployed_name(settings, "api"),
                "KmsKeyArn": KEY_ARN,
                "ReservedConcurrentExecutions": {"Ref": "ApiReservedConcurrency"},
                "Environment": {"Variables": environment},
            },
            "DependsOn": ["ApiLogGroup"],
        },
        API_ROLE: {
            "Properties": {"Policies": policies("pensioncert-api", statements)},
        },
        "ApiLogGroup": log_group(f"/aws/lambda/{deployed_name(settings, 'api')}"),
    }


def vision_function(settings: Settings) -> dict[str, Any]:
    return lambda_function(
        VISION_FUNCTION, settings, "vision", code=from_image("VisionImageUri"), memory_mb=VISION_MEMORY_MB,
        timeout_s=VISION_TIMEOUT_S, concurrency={"Ref": "VisionReservedConcurrency"},
        # A session's frames are read from its evidence object (the invoke payload would not carry
        # them); reads only, and only under the evidence prefix.
        statements=[
            {"Sid": "ReadEvidence", "Effect": "Allow", "Action": "s3:GetObject",
             "Resource": sub(f"${{{BUCKET}.Arn}}/{EVIDENCE_PREFIX}*")},
            {"Sid": "DecryptEvidence", "Effect": "Allow", "Action": "kms:Decrypt", "Resource": KEY_ARN},
        ],
        no_dead_letter_queue="Invoked synchronously (RequestResponse) by the API function only; a "
                             "dead-letter queue only receives failed asynchronous invocations.",
        no_vpc="Reaches only S3 (the session's evidence object) over AWS's regional endpoint; a VPC "
               "would add an endpoint and cold-start cost for nothing to isolate.",
    )


def admin_function(settings: Settings) -> dict[str, Any]:
    """The agency admin: its function, role and API of its own (infra/admin_site.py)."""
    return admin_site.resources(
        settings, environment={**_environment(settings), "POWERTOOLS_SERVICE_NAME": "pensioncert-admin"},
        vision_function=VISION_FUNCTION)


def jobs_function(settings: Settings) -> dict[str, Any]:
    """The daily reminder and suspension jobs (infra/jobs_site.py)."""
    return jobs_site.resources(
        settings, environment={**_environment(settings), "POWERTOOLS_SERVICE_NAME": "pensioncert-jobs"})


def notice_resources(settings: Settings) -> dict[str, Any]:
    """The notice queue, its dead-letter queue and alarm, the consumer (infra/notices_site.py)."""
    return notices_site.resources(
        settings, environment={**_environment(settings), "POWERTOOLS_SERVICE_NAME": "pensioncert-notices"})


def matching_resources(settings: Settings) -> dict[str, Any]:
    """Data matching at scale: feed bucket, Glue job, write-back function, state machine
    (infra/matching_site.py)."""
    return matching_site.resources(
        settings, environment={**_environment(settings), "POWERTOOLS_SERVICE_NAME": "pensioncert-write-back"})


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
            "Metadata": skip(
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
        "ApiAccessLogGroup": log_group(f"/aws/apigateway/pensioncert-{settings.stage}"),
        # Access logging needs the account's API Gateway CloudWatch role (one per account and
        # region; a second stack in the same account sets the same value).
        "ApiGatewayCloudWatchRole": {
            "Type": "AWS::IAM::Role",
            "Properties": {
                "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{
                    "Effect": "Allow", "Principal": {"Service": "apigateway.amazonaws.com"},
                    "Action": "sts:AssumeRole"}]},
                "ManagedPolicyArns": [sub("arn:${AWS::Partition}:iam::aws:policy/service-role/"
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
        **operations_site.parameters(),
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
                 h5_site.resources(rest_api=REST_API),
                 operations_site.resources(state_machine=matching_site.STATE_MACHINE)):
        overlap = resources.keys() & part.keys()
        assert not overlap, overlap
        resources.update(part)
    outputs = {
        "VisionFunctionName": {"Value": {"Ref": VISION_FUNCTION}},
        "EvidenceBucketName": {"Value": {"Ref": BUCKET}},
        "AppSecretArn": {"Value": {"Ref": APP_SECRET}},
        "DataKeyArn": {"Value": KEY_ARN},
        "TablePrefix": {"Value": settings.table_prefix},
        **admin_site.outputs(),
        **h5_site.outputs(),
        **matching_site.outputs(),
        **notices_site.outputs(),
        **operations_site.outputs(),
    }
    return {
        "Description": f"pensioncert ({settings.stage}): API, vision, tables, evidence bucket, key, secret",
        "Parameters": parameters(settings),
        "Conditions": {"UsesSnsSms": {"Fn::Equals": [{"Ref": "SmsProvider"}, "sns"]},
                       **operations_site.conditions()},
        "Resources": resources,
        "Outputs": outputs,
    }


def stage_settings(stage: str, region: str = DEFAULT_REGION) -> Settings:
    """The deployed stage's settings: names derive from the stage alone, never from this machine's
    PC_* environment (a developer's local variables must not leak into a template)."""
    # _env_file is pydantic-settings' own argument, which mypy does not see without its plugin.
    return Settings(_env_file=None, stage=stage, aws_region=region, table_prefix="",  # type: ignore[call-arg]
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
