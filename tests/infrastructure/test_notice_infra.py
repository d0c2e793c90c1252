"""Notice SMS by queue, deployed (infra/notices_site.py): the queue and its dead-letter queue, the
consumer function and its event source mapping, the consumer's and the producers' rights, asserted on
the synthesized template against the consumer's own constants (cfn-lint and checkov run over the
whole template in test_template.py)."""
from __future__ import annotations

import importlib

from test_template import as_list, resources_of, role_statements

from infra import notices_site
from pensioncert.jobs import notices
from pensioncert.settings import Settings

PRODUCER_ROLES = ("DefaultRole", "JobsRole", "AdminRole")  # API (contact added), reminders, admin (photo)
QUEUE_ARN = {"Fn::GetAtt": ["NoticeQueue", "Arn"]}
KEY_ARN = {"Fn::GetAtt": ["DataKey", "Arn"]}


def statements_of(template, role: str) -> dict[str, dict]:
    return {s["Sid"]: s for r, s in role_statements(template) if r == role}


def functions_by_role(template) -> dict[str, dict]:
    return {f["Properties"]["Role"]["Fn::GetAtt"][0]: f["Properties"]
            for f in resources_of(template, "AWS::Serverless::Function").values()
            if isinstance(f["Properties"].get("Role"), dict) and "Fn::GetAtt" in f["Properties"]["Role"]}


# --- the queues -------------------------------------------------------------------------------------


def test_the_queue_redrives_to_its_dead_letter_queue_after_max_receives(template):
    queue = template["Resources"]["NoticeQueue"]["Properties"]
    dead = template["Resources"]["NoticeDeadLetterQueue"]["Properties"]
    assert queue["RedrivePolicy"] == {"deadLetterTargetArn": {"Fn::GetAtt": ["NoticeDeadLetterQueue", "Arn"]},
                                      "maxReceiveCount": notices.MAX_RECEIVES}
    assert queue["VisibilityTimeout"] == notices.VISIBILITY_TIMEOUT_SECONDS
    assert queue["MessageRetentionPeriod"] == dead["MessageRetentionPeriod"] == 14 * 24 * 3600
    assert queue["QueueName"] == "pc-prod-notice-sms" and dead["QueueName"] == "pc-prod-notice-sms-dead"
    for properties in (queue, dead):  # a message holds the phone sealed and the notice's text
        assert properties["KmsMasterKeyId"] == KEY_ARN


def test_a_dead_notice_raises_the_alarm(template):
    alarm = template["Resources"]["NoticeDeadLetterAlarm"]["Properties"]
    assert (alarm["Namespace"], alarm["MetricName"]) == ("AWS/SQS", "ApproximateNumberOfMessagesVisible")
    assert alarm["Dimensions"] == [{"Name": "QueueName",
                                    "Value": {"Fn::GetAtt": ["NoticeDeadLetterQueue", "QueueName"]}}]
    assert alarm["ComparisonOperator"] == "GreaterThanOrEqualToThreshold" and alarm["Threshold"] == 1
    assert alarm["AlarmActions"] == [{"Ref": "OperationsAlarmTopic"}]  # someone is told


# --- the consumer -----------------------------------------------------------------------------------


def test_the_mapping_feeds_the_consumer_with_the_consumers_own_numbers(template):
    mapping = template["Resources"]["NoticeEventSourceMapping"]["Properties"]
    assert mapping["EventSourceArn"] == QUEUE_ARN
    assert mapping["FunctionName"] == {"Ref": "NoticeFunction"}
    assert mapping["BatchSize"] == notices.BATCH_SIZE
    assert mapping["MaximumBatchingWindowInSeconds"] == 0
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]  # deliver() answers batchItemFailures
    assert mapping["ScalingConfig"] == {"MaximumConcurrency": notices.MAX_CONSUMERS}
    function = template["Resources"]["NoticeFunction"]["Properties"]
    assert function["ReservedConcurrentExecutions"] == notices.MAX_CONSUMERS
    # The gateway's share the docstring promises: consumers x sends a second, a tenth of 5,000/s.
    assert notices.MAX_CONSUMERS * Settings.model_fields["notice_sends_per_second"].default == 500


def test_the_consumer_runs_the_notice_handler_from_the_api_zip(template, package):
    function = template["Resources"]["NoticeFunction"]["Properties"]
    module, attribute = function["Handler"].rsplit(".", 1)
    assert module == "pensioncert.jobs.notice_handler" and callable(getattr(importlib.import_module(module), attribute))
    assert (package / "pensioncert" / "jobs" / "notice_handler.py").exists()
    assert function["CodeUri"] == "./deployment.zip" and function["Runtime"] == "python3.11"
    assert function["Timeout"] == notices.CONSUMER_TIMEOUT_SECONDS
    assert 6 * function["Timeout"] <= notices.VISIBILITY_TIMEOUT_SECONDS  # AWS's advice for an SQS source
    assert 256 <= function["MemorySize"] <= 512
    assert function["Role"] == {"Fn::GetAtt": ["NoticeRole", "Arn"]} and function["KmsKeyArn"] == KEY_ARN
    variables = function["Environment"]["Variables"]
    assert variables["PC_SECRETS_ID"] == {"Ref": "AppSecret"} and variables["PC_STAGE"] == "prod"
    group = template["Resources"]["NoticeLogGroup"]["Properties"]
    assert group["LogGroupName"] == f"/aws/lambda/{function['FunctionName']}"
    assert template["Resources"]["NoticeFunction"]["DependsOn"] == ["NoticeLogGroup"]


def test_the_consumer_role_receives_claims_and_sends_nothing_more(template):
    statements = statements_of(template, "NoticeRole")
    assert set(statements) == {"WriteOwnLogs", "ReceiveNotices", "NoticeSends", "DataKey", "AppSecret", "SmsBySns"}
    assert statements["ReceiveNotices"]["Resource"] == QUEUE_ARN
    assert set(statements["ReceiveNotices"]["Action"]) == {
        "sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"}
    assert statements["NoticeSends"]["Resource"] == {"Fn::GetAtt": ["TableNoticeSends", "Arn"]}
    assert template["Resources"]["TableNoticeSends"]["Properties"]["TableName"] == "pc-prod-notice-sends"
    assert set(statements["NoticeSends"]["Action"]) == {
        "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"}
    assert statements["DataKey"] == {"Sid": "DataKey", "Effect": "Allow", "Action": "kms:Decrypt", "Resource": KEY_ARN}
    assert statements["AppSecret"]["Resource"] == {"Ref": "AppSecret"}
    sms = [s for s in template["Resources"]["NoticeRole"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
           if "Fn::If" in s]
    assert sms and sms[0]["Fn::If"][0] == "UsesSnsSms"  # as the API's verification codes


# --- the producers ----------------------------------------------------------------------------------


def test_each_producer_can_queue_notices_with_the_key(template):
    for role in PRODUCER_ROLES:
        statements = statements_of(template, role)
        assert statements["QueueNotices"] == notices_site.producer_statement(), role
        assert statements["QueueNotices"]["Resource"] == QUEUE_ARN
        assert set(statements["QueueNotices"]["Action"]) == {"sqs:SendMessage", "sqs:GetQueueUrl"}
        assert {"kms:GenerateDataKey", "kms:Decrypt"} <= set(as_list(statements["DataKey"]["Action"])), role
        assert statements["DataKey"]["Resource"] == KEY_ARN, role


def test_only_the_producers_send_to_the_queue_and_only_the_consumer_receives(template):
    for role, statement in role_statements(template):
        actions = set(as_list(statement["Action"]))
        if actions & {"sqs:SendMessage", "sqs:GetQueueUrl"}:
            assert role in PRODUCER_ROLES, role
        if actions & {"sqs:ReceiveMessage", "sqs:DeleteMessage"}:
            assert role == "NoticeRole", role
    # The jobs queue reminders and send none: SNS publishing moved to the consumer.
    assert "SmsBySns" not in statements_of(template, "JobsRole")


def test_every_function_that_can_queue_a_notice_knows_the_queue_by_name(template, monkeypatch):
    queue_name = template["Resources"]["NoticeQueue"]["Properties"]["QueueName"]
    functions = functions_by_role(template)
    functions["DefaultRole"] = template["Resources"]["APIHandler"]["Properties"]  # Chalice's function
    for role in (*PRODUCER_ROLES, "NoticeRole"):
        variables = functions[role]["Environment"]["Variables"]
        assert variables["PC_NOTICE_QUEUE_NAME"] == queue_name, role
    # ... under the variable the settings read it from
    monkeypatch.setenv("PC_NOTICE_QUEUE_NAME", queue_name)
    assert Settings(_env_file=None).notice_queue_name == queue_name
