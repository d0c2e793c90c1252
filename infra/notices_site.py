"""Notice SMS by queue, deployed (issue 22; pensioncert/sms/queue.py, pensioncert/jobs/notices.py):
the queue the producers put notices on, its dead-letter queue and alarm, and the consumer function
an SQS event source mapping feeds.

    reminder job, API (contact added), admin (reference photo) ─ SendMessageBatch ─▶ NoticeQueue
      └─ event source mapping (batches of BATCH_SIZE, at most MAX_CONSUMERS at once) ─▶ NoticeFunction
           (pensioncert.jobs.notice_handler.handle: claim in notice-sends, send, mark sent)
      └─ a message received MAX_RECEIVES times without success ─▶ NoticeDeadLetterQueue (alarmed:
           operations_site's topic)

Every number of the consumer's contract (batch, concurrency, receives, timeouts) is imported from
``pensioncert.jobs.notices``, where its reason is written; the local stage's queue on the emulator
(devstack) is made from the same constants. Both queues are in the stack's KMS key: a message holds
the phone sealed, and the notice's text.
"""
from __future__ import annotations

from typing import Any

from infra.operations_site import ALARM_ACTIONS
from infra.stack import (
    KEY_ARN,
    app_secret_statement,
    data_key_statement,
    deployed_name,
    from_api_zip,
    lambda_function,
    sms_by_sns_statement,
    table_logical_id,
)
from pensioncert.dal.notice_tables import NoticeSendTable
from pensioncert.jobs.notices import (
    BATCH_SIZE,
    CONSUMER_TIMEOUT_SECONDS,
    MAX_CONSUMERS,
    MAX_RECEIVES,
    VISIBILITY_TIMEOUT_SECONDS,
)
from pensioncert.settings import Settings

NOTICE_QUEUE = "NoticeQueue"
NOTICE_DEAD_LETTER_QUEUE = "NoticeDeadLetterQueue"
NOTICE_DEAD_LETTER_ALARM = "NoticeDeadLetterAlarm"
NOTICE_FUNCTION = "NoticeFunction"
NOTICE_MAPPING = "NoticeEventSourceMapping"

# SQS's longest: a standard queue's message expires by its first enqueue time, in the dead-letter
# queue too, so operations have up to 14 days from the queueing to redrive a dead notice.
RETENTION_SECONDS = 14 * 24 * 3600
# One send at a time at 5 a second: network waits, not memory (256 MB gives the import room).
NOTICE_MEMORY_MB = 256

PRODUCER_ACTIONS = ["sqs:GetQueueUrl", "sqs:SendMessage"]  # SendMessage covers SendMessageBatch
CONSUMER_ACTIONS = ["sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ReceiveMessage"]
# What dal/notices.py does to the notice-sends table: claim (get, conditional put), mark, release.
SEND_TABLE_ACTIONS = ["dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"]

_QUEUE_ARN = {"Fn::GetAtt": [NOTICE_QUEUE, "Arn"]}


def queue_name(settings: Settings) -> str:
    """The stage's notice queue (settings.notice_queue_name, prefixed like the functions)."""
    return deployed_name(settings, settings.notice_queue_name)


def producer_statement() -> dict[str, Any]:
    """The statement a role that puts notices adds (the jobs', the API's, the admin's). Their
    existing DataKey statement already allows kms:GenerateDataKey and kms:Decrypt on the key,
    which SQS asks of a sender to an SSE-KMS queue."""
    return {"Sid": "QueueNotices", "Effect": "Allow", "Action": PRODUCER_ACTIONS, "Resource": _QUEUE_ARN}


def _queues(queue_name: str) -> dict[str, Any]:
    return {
        NOTICE_DEAD_LETTER_QUEUE: {
            "Type": "AWS::SQS::Queue",
            "Properties": {
                # The local stage's name for it too (sms/queue.create_notice_queue).
                "QueueName": f"{queue_name}-dead",
                "MessageRetentionPeriod": RETENTION_SECONDS,
                "KmsMasterKeyId": KEY_ARN,
                "Tags": [{"Key": "app", "Value": "pensioncert"}, {"Key": "part", "Value": "notices"}],
            },
        },
        NOTICE_QUEUE: {
            "Type": "AWS::SQS::Queue",
            "Properties": {
                "QueueName": queue_name,  # the producers look the URL up by this name
                "VisibilityTimeout": VISIBILITY_TIMEOUT_SECONDS,
                "MessageRetentionPeriod": RETENTION_SECONDS,
                "RedrivePolicy": {"deadLetterTargetArn": {"Fn::GetAtt": [NOTICE_DEAD_LETTER_QUEUE, "Arn"]},
                                  "maxReceiveCount": MAX_RECEIVES},
                "KmsMasterKeyId": KEY_ARN,
                "Tags": [{"Key": "app", "Value": "pensioncert"}, {"Key": "part", "Value": "notices"}],
            },
        },
        NOTICE_DEAD_LETTER_ALARM: {
            "Type": "AWS::CloudWatch::Alarm",
            "Properties": {
                "AlarmDescription": ("养老保险资格认证：通知短信进入死信队列（多次发送失败）。"
                                     "Notices failed MAX_RECEIVES times: see docs/operations.md, redrive."),
                "Namespace": "AWS/SQS",
                "MetricName": "ApproximateNumberOfMessagesVisible",
                "Dimensions": [{"Name": "QueueName",
                                "Value": {"Fn::GetAtt": [NOTICE_DEAD_LETTER_QUEUE, "QueueName"]}}],
                "Statistic": "Maximum",
                "Period": 300,
                "EvaluationPeriods": 1,
                "Threshold": 1,
                "ComparisonOperator": "GreaterThanOrEqualToThreshold",
                "TreatMissingData": "notBreaching",
                **ALARM_ACTIONS,
            },
        },
    }


def resources(settings: Settings, *, environment: dict) -> dict[str, Any]:
    """``environment``: the other functions' variables (PC_NOTICE_QUEUE_NAME among them)."""
    send_table_arn = {"Fn::GetAtt": [table_logical_id(NoticeSendTable.Meta.base_name), "Arn"]}
    return {
        **_queues(queue_name(settings)),
        **lambda_function(
            NOTICE_FUNCTION, settings, "notices", code=from_api_zip("pensioncert.jobs.notice_handler.handle"),
            memory_mb=NOTICE_MEMORY_MB, timeout_s=CONSUMER_TIMEOUT_SECONDS,
            # The gateway's share is MAX_CONSUMERS sends at a time: reserved, so neither more
            # nor (the account's other functions busy) fewer run.
            concurrency=MAX_CONSUMERS, environment=environment,
            statements=[
                {"Sid": "ReceiveNotices", "Effect": "Allow", "Action": CONSUMER_ACTIONS, "Resource": _QUEUE_ARN},
                {"Sid": "NoticeSends", "Effect": "Allow", "Action": SEND_TABLE_ACTIONS, "Resource": send_table_arn},
                # Messages are SSE-KMS; the phone inside is sealed with the app secret's pii_key.
                data_key_statement("kms:Decrypt"),
                app_secret_statement(),
                sms_by_sns_statement(),
            ],
            no_dead_letter_queue="Invoked by its SQS event source mapping only (synchronously); a notice "
                                 "that keeps failing goes to the queue's own dead-letter queue by its redrive policy.",
            no_vpc="Reaches only DynamoDB, Secrets Manager, SQS and the SMS gateway over HTTPS; a VPC would "
                   "add endpoints or a NAT gateway for no isolation gain.",
        ),
        NOTICE_MAPPING: {
            "Type": "AWS::Lambda::EventSourceMapping",
            "Properties": {
                "EventSourceArn": _QUEUE_ARN,
                "FunctionName": {"Ref": NOTICE_FUNCTION},
                "BatchSize": BATCH_SIZE,
                "MaximumBatchingWindowInSeconds": 0,  # a notice is sent as soon as it is queued
                "FunctionResponseTypes": ["ReportBatchItemFailures"],  # only the failed come back
                "ScalingConfig": {"MaximumConcurrency": MAX_CONSUMERS},
            },
        },
    }


def outputs() -> dict[str, Any]:
    return {
        "NoticeQueueUrl": {"Value": {"Ref": NOTICE_QUEUE}},
        "NoticeDeadLetterQueueUrl": {"Description": "redrive to NoticeQueue after a failure is fixed",
                                     "Value": {"Ref": NOTICE_DEAD_LETTER_QUEUE}},
    }
