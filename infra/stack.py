"""What every part of the stack shares, written once: the logical ids of the key, the buckets and the
app secret the parts refer to, the log retention, the names of deployed things, and the builders of
the shapes the parts repeat: above all ``lambda_function``, the one way a function of the stack is
declared (its own role, its log group, its checkov skips), then a log group, a role's trust and
policy, a statement, a checkov skip.

template.py and the site modules (admin_site, jobs_site, notices_site, matching_site, h5_site)
import this; a site's ``resources(...)`` takes only its own inputs: the stage's settings, its
environment, and the ids of resources another module defines.

Plain dictionaries, not troposphere or CDK (issue 21, measured on jobs_site.py): troposphere 4.11
wrote the same resources in 47 lines plus 5 imports where the dicts took 52 and ``lambda_function``
takes 22; it refuses a dict where it wants ``GetAtt``/``Sub`` objects (every helper here would
change), and Chalice's APIHandler, DefaultRole and RestAPI, which the merge template patches without
a ``Type``, are not resources it can express. CDK (``chalice.cdk``) swaps ``chalice package
--merge-template`` for a synthesized stack: Node, the ``cdk`` CLI and a bootstrapped account in
every build, generated logical ids under the tests, and its grants (``grant_read_write_data``)
allow Scan and BatchWriteItem that the hand-scoped statements leave out. What either would check,
cfn-lint (with SAM's transform) and checkov already check on the merged template in
tests/infrastructure.
"""
from __future__ import annotations

import re
from typing import Any

from pensioncert.dal.binding import table_specs
from pensioncert.settings import Settings

KEY = "DataKey"
KEY_ARN = {"Fn::GetAtt": [KEY, "Arn"]}
BUCKET = "EvidenceBucket"
ACCESS_LOG_BUCKET = "AccessLogBucket"
APP_SECRET = "AppSecret"

LOG_RETENTION_DAYS = 365  # China's Cybersecurity Law asks for at least 6 months of network logs

# What the domain's dal (pensioncert/dal) does to DynamoDB, in whichever function runs it (the API,
# the write-back): single items, queries, conditional transactions. No Scan, no BatchWrite, no table
# management.
DAL_TABLE_ACTIONS = [
    "dynamodb:ConditionCheckItem",
    "dynamodb:DeleteItem",
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "dynamodb:Query",
    "dynamodb:UpdateItem",
]


def sub(text: str) -> dict:
    return {"Fn::Sub": text}


def skip(*checks: tuple[str, str]) -> dict:
    """checkov skips, each with its reason, where the resource is declared (shown by checkov)."""
    return {"checkov": {"skip": [{"id": check, "comment": reason} for check, reason in checks]}}


def deployed_name(settings: Settings, part: str) -> str:
    """The name of a function, queue, job or state machine of the stage: ``pc-<stage>-<part>``."""
    return f"pc-{settings.stage}-{part}"


def table_logical_id(base_name: str) -> str:
    return "Table" + "".join(part.capitalize() for part in re.split(r"[^A-Za-z0-9]+", base_name) if part)


def table_statements(settings: Settings, actions: list[str]) -> list[dict]:
    """``actions`` on every table of ``table_specs``, and queries on their indexes."""
    table_arns, index_arns = [], []
    for spec in table_specs(settings):
        table = {"Fn::GetAtt": [table_logical_id(spec["create"]["TableName"].removeprefix(settings.table_prefix)),
                                "Arn"]}
        table_arns.append(table)
        if spec["create"].get("GlobalSecondaryIndexes"):
            index_arns.append({"Fn::Join": ["", [table, "/index/*"]]})
    return [{"Sid": "Tables", "Effect": "Allow", "Action": actions, "Resource": table_arns},
            {"Sid": "TableIndexes", "Effect": "Allow", "Action": ["dynamodb:Query"], "Resource": index_arns}]


def data_key_statement(*actions: str) -> dict:
    return {"Sid": "DataKey", "Effect": "Allow", "Action": actions[0] if len(actions) == 1 else list(actions),
            "Resource": KEY_ARN}


def app_secret_statement() -> dict:
    return {"Sid": "AppSecret", "Effect": "Allow", "Action": "secretsmanager:GetSecretValue",
            "Resource": {"Ref": APP_SECRET}}


def sms_by_sns_statement() -> dict:
    """Only when the stage sends SMS through SNS (condition UsesSnsSms)."""
    return {"Fn::If": ["UsesSnsSms", {
        # SNS direct-to-phone publishing has no resource to scope to: it must be "*".
        "Sid": "SmsBySns", "Effect": "Allow", "Action": "sns:Publish", "Resource": "*",
    }, {"Ref": "AWS::NoValue"}]}


def deny_plain_http(bucket: str) -> dict:
    return {
        "Sid": "DenyPlainHttp",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": [{"Fn::GetAtt": [bucket, "Arn"]}, sub(f"${{{bucket}.Arn}}/*")],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }


def access_log_delivery(sid: str, bucket: str, prefix: str) -> dict:
    """Lets S3 deliver ``bucket``'s server access logs into the stack's log bucket under ``prefix``."""
    return {
        "Sid": sid,
        "Effect": "Allow",
        "Principal": {"Service": "logging.s3.amazonaws.com"},
        "Action": "s3:PutObject",
        "Resource": sub(f"${{{ACCESS_LOG_BUCKET}.Arn}}/{prefix}*"),
        "Condition": {
            "ArnLike": {"aws:SourceArn": {"Fn::GetAtt": [bucket, "Arn"]}},
            "StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}},
        },
    }


def private_bucket() -> dict:
    """The properties every bucket of the stack has: no public access, no ACLs."""
    return {
        "PublicAccessBlockConfiguration": {"BlockPublicAcls": True, "BlockPublicPolicy": True,
                                           "IgnorePublicAcls": True, "RestrictPublicBuckets": True},
        "OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]},
    }


def trust(service: str) -> dict:
    """An IAM role's trust policy: ``service`` may assume it."""
    return {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}]}


def policies(name: str, statements: list[dict]) -> list[dict]:
    """An IAM role's ``Policies``: one inline policy."""
    return [{"PolicyName": name, "PolicyDocument": {"Version": "2012-10-17", "Statement": statements}}]


def log_group(name: str) -> dict:
    """A log group kept LOG_RETENTION_DAYS, encrypted with the stack's key."""
    return {
        "Type": "AWS::Logs::LogGroup",
        "Properties": {"LogGroupName": name, "RetentionInDays": LOG_RETENTION_DAYS, "KmsKeyId": KEY_ARN},
    }


def logs_statement(log_group: str) -> dict:
    """A function writes its own log group only (the group is created by the stack, not by Lambda)."""
    return {
        "Sid": "WriteOwnLogs",
        "Effect": "Allow",
        "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
        "Resource": sub(f"${{{log_group}.Arn}}"),
    }


def function_skips(*, no_dead_letter_queue: str, no_vpc: str) -> dict:
    """Every function says why it has no dead-letter queue (CKV_AWS_116) and no VPC (CKV_AWS_117)."""
    return skip(("CKV_AWS_116", no_dead_letter_queue), ("CKV_AWS_117", no_vpc))


def from_api_zip(handler: str) -> dict:
    """Code: another handler of the API function's zip (Chalice's deployment.zip holds pensioncert)."""
    return {"CodeUri": "./deployment.zip", "Handler": handler, "Runtime": "python3.11"}


def from_image(parameter: str) -> dict:
    """Code: a container image whose URI is the stack parameter ``parameter``. x86_64: the
    opencv/dlib/LiteRT wheels of the vision image and the admin's numpy/pandas are built for it."""
    return {"PackageType": "Image", "ImageUri": {"Ref": parameter}, "Architectures": ["x86_64"]}


def lambda_function(logical_id: str, settings: Settings, part: str, *, code: dict, statements: list[dict],
                    memory_mb: int, timeout_s: int, concurrency: int | dict, no_dead_letter_queue: str,
                    no_vpc: str, environment: dict | None = None, tag: str | None = None,
                    **properties: Any) -> dict[str, Any]:
    """A function of the stack: ``<X>Function`` named ``pc-<stage>-<part>``, with

    - ``<X>Role``, its own: it writes its own log group, then what ``statements`` allow;
    - ``<X>LogGroup``, kept LOG_RETENTION_DAYS in the stack's key, created before the function
      (DependsOn), so Lambda never creates one without retention or key;
    - the reasons for its checkov skips; ``environment``, if any, encrypted with the stack's key.

    ``properties`` are added as they are (ImageConfig, Events); ``tag`` is the ``part`` tag when
    it is not ``part`` (the write-back is part of matching).
    """
    assert logical_id.endswith("Function"), logical_id
    resource = logical_id.removesuffix("Function")
    role, logs, name = f"{resource}Role", f"{resource}LogGroup", deployed_name(settings, part)
    function = {"FunctionName": name, **code, "MemorySize": memory_mb, "Timeout": timeout_s,
                "ReservedConcurrentExecutions": concurrency, "Role": {"Fn::GetAtt": [role, "Arn"]},
                "Tags": {"app": "pensioncert", "part": tag or part}, **properties}
    if environment is not None:
        function |= {"KmsKeyArn": KEY_ARN, "Environment": {"Variables": environment}}
    return {
        role: {"Type": "AWS::IAM::Role", "Properties": {
            "AssumeRolePolicyDocument": trust("lambda.amazonaws.com"),
            "Policies": policies(f"pensioncert-{part}", [logs_statement(logs), *statements])}},
        logs: log_group(f"/aws/lambda/{name}"),
        logical_id: {
            "Type": "AWS::Serverless::Function",
            "DependsOn": [logs],
            "Metadata": function_skips(no_dead_letter_queue=no_dead_letter_queue, no_vpc=no_vpc),
            "Properties": function,
        },
    }
