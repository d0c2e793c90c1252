"""Where the stack's alarms go (issue 22): one operations topic, encrypted with the stack's key, that
every alarm notifies, with an optional e-mail subscription (``OperationsAlarmEmail``); and the alarm
on a month's matching run that did not finish.

    NoticeDeadLetterAlarm (notices_site) ─┐
    MatchingRunFailedAlarm (this module) ─┴─▶ OperationsAlarmTopic ─▶ e-mail (when given) / any subscriber

A failed matching run matters to the agency's numbers: its retirees are neither certified by their
records nor reminded in time, and nothing else would say so. A dead notice is a retiree not told.
"""
from __future__ import annotations

from typing import Any

from infra.stack import KEY_ARN, sub

OPERATIONS_TOPIC = "OperationsAlarmTopic"
OPERATIONS_SUBSCRIPTION = "OperationsAlarmEmailSubscription"
MATCHING_RUN_FAILED_ALARM = "MatchingRunFailedAlarm"
HAS_OPERATIONS_EMAIL = "HasOperationsAlarmEmail"
# What an alarm does when it fires and when it clears: both, so the on-call sees the end too.
ALARM_ACTIONS = {"AlarmActions": [{"Ref": OPERATIONS_TOPIC}], "OKActions": [{"Ref": OPERATIONS_TOPIC}]}
# Step Functions' own metrics of a run that did not succeed: failed, timed out, or stopped.
RUN_ENDINGS = ("ExecutionsFailed", "ExecutionsTimedOut", "ExecutionsAborted")


def parameters() -> dict[str, Any]:
    return {"OperationsAlarmEmail": {
        "Type": "String", "Default": "",
        "Description": "E-mail told of every alarm (dead notices, a failed matching run); empty: none "
                       "(subscribe to the OperationsAlarmTopic output instead)"}}


def conditions() -> dict[str, Any]:
    return {HAS_OPERATIONS_EMAIL: {"Fn::Not": [{"Fn::Equals": [{"Ref": "OperationsAlarmEmail"}, ""]}]}}


def key_statement() -> dict[str, Any]:
    """The stack key's statement that lets CloudWatch publish an alarm to the encrypted topic
    (CloudWatch cannot publish to a topic under the AWS-managed SNS key)."""
    return {
        "Sid": "CloudWatchAlarmsPublishToTheOperationsTopic",
        "Effect": "Allow",
        "Principal": {"Service": "cloudwatch.amazonaws.com"},
        "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
        "Resource": "*",
        "Condition": {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}},
    }


def resources(*, state_machine: str) -> dict[str, Any]:
    """``state_machine``: the matching run's state machine (matching_site.STATE_MACHINE)."""
    metrics = [{"Id": f"m{i}", "ReturnData": False,
                "MetricStat": {"Metric": {"Namespace": "AWS/States", "MetricName": name,
                                          "Dimensions": [{"Name": "StateMachineArn",
                                                          "Value": {"Ref": state_machine}}]},
                               "Period": 300, "Stat": "Sum"}}
               for i, name in enumerate(RUN_ENDINGS)]
    ended = "+".join(f"FILL(m{i},0)" for i in range(len(RUN_ENDINGS)))
    return {
        OPERATIONS_TOPIC: {
            "Type": "AWS::SNS::Topic",
            "Properties": {
                "DisplayName": "pensioncert alarms",
                "KmsMasterKeyId": KEY_ARN,
                "Tags": [{"Key": "app", "Value": "pensioncert"}, {"Key": "part", "Value": "operations"}],
            },
        },
        OPERATIONS_SUBSCRIPTION: {
            "Type": "AWS::SNS::Subscription",
            "Condition": HAS_OPERATIONS_EMAIL,
            "Properties": {"TopicArn": {"Ref": OPERATIONS_TOPIC}, "Protocol": "email",
                           "Endpoint": {"Ref": "OperationsAlarmEmail"}},
        },
        MATCHING_RUN_FAILED_ALARM: {
            "Type": "AWS::CloudWatch::Alarm",
            "Properties": {
                "AlarmDescription": sub("养老保险资格认证：数据比对批次未完成（失败、超时或中止）。"
                                        "A matching run of ${" + state_machine + ".Name} did not succeed: "
                                        "see docs/data_matching.md, run it again from its delivery."),
                "Metrics": [*metrics, {"Id": "ended", "Expression": ended, "ReturnData": True,
                                       "Label": "matching runs that did not succeed"}],
                "EvaluationPeriods": 1,
                "Threshold": 1,
                "ComparisonOperator": "GreaterThanOrEqualToThreshold",
                "TreatMissingData": "notBreaching",
                **ALARM_ACTIONS,
            },
        },
    }


def outputs() -> dict[str, Any]:
    return {"OperationsAlarmTopicArn": {"Value": {"Ref": OPERATIONS_TOPIC}}}
