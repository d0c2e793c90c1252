"""Where the stack's alarms go (infra/operations_site.py): every alarm notifies the operations topic,
the topic is under the stack's key and CloudWatch may use that key for it, an e-mail is subscribed
only when one is given, and a matching run that does not succeed raises an alarm."""
from __future__ import annotations

from test_template import resources_of

from infra import operations_site

TOPIC = {"Ref": "OperationsAlarmTopic"}


def test_every_alarm_of_the_stack_tells_the_operations_topic_when_it_fires_and_when_it_clears(template):
    alarms = resources_of(template, "AWS::CloudWatch::Alarm")
    assert set(alarms) == {"NoticeDeadLetterAlarm", "MatchingRunFailedAlarm"}
    for name, alarm in alarms.items():
        assert alarm["Properties"]["AlarmActions"] == [TOPIC], name
        assert alarm["Properties"]["OKActions"] == [TOPIC], name


def test_the_topic_is_under_the_stacks_key_and_only_cloudwatch_of_this_account_may_publish_through_it(template):
    topic = template["Resources"]["OperationsAlarmTopic"]
    assert topic["Type"] == "AWS::SNS::Topic"
    assert topic["Properties"]["KmsMasterKeyId"] == {"Fn::GetAtt": ["DataKey", "Arn"]}
    statements = {s["Sid"]: s for s in template["Resources"]["DataKey"]["Properties"]["KeyPolicy"]["Statement"]}
    cloudwatch = statements["CloudWatchAlarmsPublishToTheOperationsTopic"]
    assert cloudwatch["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
    assert sorted(cloudwatch["Action"]) == ["kms:Decrypt", "kms:GenerateDataKey*"]
    assert cloudwatch["Condition"] == {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}}


def test_an_email_is_subscribed_only_when_the_stack_is_given_one(template):
    assert template["Parameters"]["OperationsAlarmEmail"]["Default"] == ""
    assert template["Conditions"][operations_site.HAS_OPERATIONS_EMAIL] == {
        "Fn::Not": [{"Fn::Equals": [{"Ref": "OperationsAlarmEmail"}, ""]}]}
    subscription = template["Resources"]["OperationsAlarmEmailSubscription"]
    assert subscription["Condition"] == operations_site.HAS_OPERATIONS_EMAIL
    assert subscription["Properties"] == {"TopicArn": TOPIC, "Protocol": "email",
                                          "Endpoint": {"Ref": "OperationsAlarmEmail"}}
    assert template["Outputs"]["OperationsAlarmTopicArn"] == {"Value": TOPIC}


def test_a_matching_run_that_fails_times_out_or_is_stopped_raises_the_alarm(template):
    alarm = template["Resources"]["MatchingRunFailedAlarm"]["Properties"]
    queries = {query["Id"]: query for query in alarm["Metrics"]}
    shown = [query for query in alarm["Metrics"] if query.get("ReturnData")]
    assert [query["Id"] for query in shown] == ["ended"]
    measured = {}
    for query in alarm["Metrics"]:
        if "MetricStat" in query:
            stat = query["MetricStat"]
            metric = stat["Metric"]
            assert metric["Namespace"] == "AWS/States" and stat["Stat"] == "Sum", query
            assert metric["Dimensions"] == [{"Name": "StateMachineArn", "Value": {"Ref": "MatchingStateMachine"}}]
            measured[query["Id"]] = metric["MetricName"]
    assert sorted(measured.values()) == ["ExecutionsAborted", "ExecutionsFailed", "ExecutionsTimedOut"]
    # The expression adds every one of them (a missing period counts as none), and one is enough.
    assert sorted(queries["ended"]["Expression"].split("+")) == sorted(f"FILL({i},0)" for i in measured)
    assert (alarm["ComparisonOperator"], alarm["Threshold"], alarm["EvaluationPeriods"]) == (
        "GreaterThanOrEqualToThreshold", 1, 1)
    assert alarm["TreatMissingData"] == "notBreaching"
