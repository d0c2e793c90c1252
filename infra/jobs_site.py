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

from infra import notices_site
from infra.stack import (
    app_secret_statement,
    data_key_statement,
    from_api_zip,
    lambda_function,
    table_statements,
)
from pensioncert.settings import Settings

JOBS_FUNCTION = "JobsFunction"
JOBS_TIMEOUT_S = 900  # Lambda's maximum: a run cut short resumes the next day
JOBS_MEMORY_MB = 512  # one page of 100 recipients at a time: memory does not grow with the province
SCHEDULE = "cron(0 1 * * ? *)"  # 01:00 UTC = 09:00 Beijing


def resources(settings: Settings, *, environment: dict) -> dict[str, Any]:
    table_actions = ["dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:PutItem", "dynamodb:UpdateItem",
                     "dynamodb:DeleteItem", "dynamodb:ConditionCheckItem", "dynamodb:Query"]
    return lambda_function(
        JOBS_FUNCTION, settings, "jobs", code=from_api_zip("pensioncert.jobs.handler.handle"),
        memory_mb=JOBS_MEMORY_MB, timeout_s=JOBS_TIMEOUT_S, concurrency=1,  # one run at a time
        environment=environment,
        Events={"Daily": {"Type": "Schedule", "Properties": {
            "Schedule": SCHEDULE, "Input": '{"jobs": ["reminders", "suspensions"]}',
            "Description": "养老保险资格认证：认证提醒短信与到期暂停发放名单"}}},
        statements=[
            *table_statements(settings, table_actions),
            data_key_statement("kms:Decrypt", "kms:GenerateDataKey"),
            # Seals and keys the phones of the notices it queues (the vault's pii_key).
            app_secret_statement(),
            # Reminders are queued, not sent: the notice consumer holds sns:Publish.
            notices_site.producer_statement(),
        ],
        no_dead_letter_queue="Invoked by its EventBridge schedule only; a failed run is repeated by the "
                             "next day's (every write is conditional), so a dead-letter queue adds nothing.",
        no_vpc="Reaches only AWS regional endpoints (DynamoDB, Secrets Manager, SQS) over HTTPS; a VPC "
               "would add endpoints or a NAT gateway for no isolation gain.",
    )
