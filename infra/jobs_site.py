"""The scheduled jobs of data matching (issue 13): one function on the API function's code
(``deployment.zip`` holds ``pensioncert``; handler ``pensioncert.jobs.handler.handle``) and an
EventBridge schedule that invokes it daily at 09:00 Beijing (01:00 UTC), within the hours a
reminder SMS may be sent.

What runs where and why: the reminder and suspension runs read a province's recipients by the
registry's region index a page at a time; bench/events_bench.py measures the calls per 100,000
recipients, and a province of a few million stays within one 15-minute invocation only per region,
so the schedule's input names the jobs and the function walks the regions (a run cut short resumes
the next day: each region's run is recorded when it ends). Event feeds of millions of rows a month
are imported by `make import-events` (or the admin upload for a district's file); for a province's
monthly file the same ``import_events`` runs in a Step Functions Map over S3 object parts or a Glue
Python shell job (no 15-minute limit), both streaming the object.
"""
from __future__ import annotations

from typing import Any

JOBS_FUNCTION = "JobsFunction"
JOBS_TIMEOUT_S = 900  # Lambda's maximum: a run cut short resumes the next day
JOBS_MEMORY_MB = 512  # one page of 100 recipients at a time: memory does not grow with the province
SCHEDULE = "cron(0 1 * * ? *)"  # 01:00 UTC = 09:00 Beijing


def resources(*, skip, log_group, logs_statement, lambda_trust, environment: dict, table_arns: list,
              index_arns: list, queue_statement: dict, key_arn, secret: str, function_name: str) -> dict[str, Any]:
    table_actions = ["dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:PutItem", "dynamodb:UpdateItem",
                     "dynamodb:DeleteItem", "dynamodb:ConditionCheckItem", "dynamodb:Query"]
    return {
        "JobsRole": {
            "Type": "AWS::IAM::Role",
            "Properties": {
                "AssumeRolePolicyDocument": lambda_trust,
                "Policies": [{"PolicyName": "pensioncert-jobs", "PolicyDocument": {
                    "Version": "2012-10-17", "Statement": [
                        logs_statement("JobsLogGroup"),
                        {"Sid": "Tables", "Effect": "Allow", "Action": table_actions, "Resource": table_arns},
                        {"Sid": "TableIndexes", "Effect": "Allow", "Action": ["dynamodb:Query"],
                         "Resource": index_arns},
                        {"Sid": "DataKey", "Effect": "Allow", "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
                         "Resource": key_arn},
                        # Seals and keys the phones of the notices it queues (the vault's pii_key).
                        {"Sid": "AppSecret", "Effect": "Allow", "Action": "secretsmanager:GetSecretValue",
                         "Resource": {"Ref": secret}},
                        # Reminders are queued, not sent: the notice consumer holds sns:Publish.
                        queue_statement,
                    ]}}],
            },
        },
        "JobsLogGroup": log_group(f"/aws/lambda/{function_name}"),
        JOBS_FUNCTION: {
            "Type": "AWS::Serverless::Function",
            "DependsOn": ["JobsLogGroup"],
            "Metadata": skip(
                ("CKV_AWS_116", "Invoked by its EventBridge schedule only; a failed run is repeated "
                 "by the next day's (every write is conditional), so a dead-letter queue adds nothing."),
                ("CKV_AWS_117", "Reaches only AWS regional endpoints (DynamoDB, Secrets Manager, SQS) "
                 "over HTTPS; a VPC would add endpoints or a NAT gateway for no isolation gain."),
            ),
            "Properties": {
                "FunctionName": function_name,
                "CodeUri": "./deployment.zip",
                "Handler": "pensioncert.jobs.handler.handle",
                "Runtime": "python3.11",
                "MemorySize": JOBS_MEMORY_MB,
                "Timeout": JOBS_TIMEOUT_S,
                "KmsKeyArn": key_arn,
                "ReservedConcurrentExecutions": 1,  # one run at a time
                "Role": {"Fn::GetAtt": ["JobsRole", "Arn"]},
                "Environment": {"Variables": environment},
                "Tags": {"app": "pensioncert", "part": "jobs"},
                "Events": {"Daily": {"Type": "Schedule", "Properties": {
                    "Schedule": SCHEDULE, "Input": '{"jobs": ["reminders", "suspensions"]}',
                    "Description": "养老保险资格认证：认证提醒短信与到期暂停发放名单"}}},
            },
        },
    }
