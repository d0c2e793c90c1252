"""Data matching deployed (infra/matching_site.py): the feed bucket, the EventBridge rule, the state
machine (export → Glue job → distributed map of the write-back Lambda), their roles, and the build
artefacts the Glue job runs, asserted on the synthesized template (cfn-lint and checkov run over
the whole of it in test_template.py)."""
from __future__ import annotations

import importlib
import json
import re
import subprocess
import zipfile

import pytest
from support import REPO
from test_template import as_list, role_statements

from infra import matching_site
from pensioncert.matching import glue_job, handler, write_back


def statements_of(template, role: str) -> dict[str, dict]:
    return {s["Sid"]: s for r, s in role_statements(template) if r == role}


def actions_of(template, role: str) -> set[str]:
    return {a for s in statements_of(template, role).values() for a in as_list(s["Action"])}


@pytest.fixture(scope="module")
def definition(template) -> dict:
    """The state machine's definition as CloudFormation will fill it (``${…}`` left in place)."""
    return json.loads(template["Resources"]["MatchingStateMachine"]["Properties"]["DefinitionString"]["Fn::Sub"])


# --- the bucket -----------------------------------------------------------------------------------


def test_the_feed_bucket_is_encrypted_private_versioned_expiring_and_logged(template):
    bucket = template["Resources"]["FeedBucket"]
    properties = bucket["Properties"]
    assert bucket["DeletionPolicy"] == "Retain"
    rule = properties["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]
    assert rule["ServerSideEncryptionByDefault"] == {
        "SSEAlgorithm": "aws:kms", "KMSMasterKeyID": {"Fn::GetAtt": ["DataKey", "Arn"]}}
    assert all(properties["PublicAccessBlockConfiguration"].values())
    assert len(properties["PublicAccessBlockConfiguration"]) == 4
    assert properties["VersioningConfiguration"] == {"Status": "Enabled"}
    rules = {r["Id"]: r for r in properties["LifecycleConfiguration"]["Rules"]}
    assert {(r["Prefix"], r["ExpirationInDays"]) for r in rules.values() if "Prefix" in r} == {
        ("feed/", matching_site.FEED_RETENTION_DAYS), ("ready/", matching_site.FEED_RETENTION_DAYS),
        ("exports/", matching_site.EXPORT_RETENTION_DAYS), ("runs/", matching_site.RUN_RETENTION_DAYS)}
    # The registry's export holds sealed ID numbers and face templates: gone within days, versions too.
    assert matching_site.EXPORT_RETENTION_DAYS <= 7
    assert rules["expire-old-versions"]["NoncurrentVersionExpiration"] == {"NoncurrentDays": 1}
    assert all(r["Status"] == "Enabled" for r in rules.values())
    assert properties["LoggingConfiguration"] == {"DestinationBucketName": {"Ref": "AccessLogBucket"},
                                                  "LogFilePrefix": "feeds/"}
    delivery = [s for s in template["Resources"]["AccessLogBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
                if s.get("Sid") == "FeedsAccessLogDelivery"]
    assert delivery and delivery[0]["Condition"]["ArnLike"] == {"aws:SourceArn": {"Fn::GetAtt": ["FeedBucket", "Arn"]}}
    policy = template["Resources"]["FeedBucketPolicy"]["Properties"]
    assert policy["Bucket"] == {"Ref": "FeedBucket"}
    assert policy["PolicyDocument"]["Statement"][0]["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


# --- the wiring -----------------------------------------------------------------------------------


def test_a_delivery_marker_in_the_bucket_starts_the_state_machine(template):
    resources = template["Resources"]
    assert resources["FeedBucket"]["Properties"]["NotificationConfiguration"] == {
        "EventBridgeConfiguration": {"EventBridgeEnabled": True}}
    rule = resources["FeedDeliveredRule"]["Properties"]
    assert rule["EventPattern"] == {"source": ["aws.s3"], "detail-type": ["Object Created"], "detail": {
        "bucket": {"name": [{"Ref": "FeedBucket"}]}, "object": {"key": [{"prefix": "ready/"}]}}}
    (target,) = rule["Targets"]
    assert target["Arn"] == {"Ref": "MatchingStateMachine"}
    assert target["RoleArn"] == {"Fn::GetAtt": ["FeedDeliveredRuleRole", "Arn"]}
    assert list(statements_of(template, "FeedDeliveredRuleRole").values()) == [{
        "Sid": "StartMatching", "Effect": "Allow", "Action": "states:StartExecution",
        "Resource": {"Ref": "MatchingStateMachine"}}]


def test_the_state_machine_exports_both_tables_then_runs_the_glue_job_then_maps_the_write_back(definition):
    states = definition["States"]
    assert definition["StartAt"] == "Snapshot"
    assert [states["Snapshot"]["Next"], states["Match"]["Next"]] == ["Match", "WriteBack"]
    exported = set()
    for branch in states["Snapshot"]["Branches"]:
        export = branch["States"][branch["StartAt"]]
        assert export["Resource"] == "arn:${AWS::Partition}:states:::aws-sdk:dynamodb:exportTableToPointInTime"
        assert export["Parameters"]["S3Bucket"] == "${FeedBucket}"
        assert export["Parameters"]["S3SseKmsKeyId"] == "${DataKey.Arn}"
        assert export["Parameters"]["S3Prefix.$"].startswith("States.Format('exports/{}/")
        exported.add(export["Parameters"]["TableArn"])
        assert {s["Type"] for s in branch["States"].values()} == {"Task", "Wait", "Choice", "Succeed", "Fail"}
    assert exported == {"${TableRegistry.Arn}", "${TableCertifications.Arn}"}

    match = states["Match"]
    assert match["Resource"] == "arn:${AWS::Partition}:states:::glue:startJobRun.sync"
    assert match["Parameters"]["JobName"] == "${MatchingJob}"
    arguments = match["Parameters"]["Arguments"]
    assert set(arguments) == {"--registry_export.$", "--certifications_export.$", "--run.$"}
    assert arguments["--run.$"] == "States.Format('s3://${FeedBucket}/runs/{}/', $$.Execution.Name)"

    write = states["WriteBack"]
    assert write["Type"] == "Map" and write["ItemProcessor"]["ProcessorConfig"]["Mode"] == "DISTRIBUTED"
    reader = write["ItemReader"]
    assert reader["Resource"] == "arn:${AWS::Partition}:states:::s3:getObject"
    assert reader["Parameters"]["Key.$"] == (
        f"States.Format('runs/{{}}/decisions/{write_back.MANIFEST}', $$.Execution.Name)")
    task = write["ItemProcessor"]["States"]["WriteBackChunk"]
    assert task["Resource"] == "arn:${AWS::Partition}:states:::lambda:invoke"
    assert task["Parameters"]["FunctionName"] == "${WriteBackFunction.Arn}"
    assert write["MaxConcurrency"] == matching_site.WRITE_BACK_CONCURRENCY
    assert "ResultWriter" in write  # 10,000 chunks' results exceed a state's 256 KB


def test_the_map_hands_the_handler_the_event_it_reads(definition):
    """The item selector's keys are handler.handle's, and its run is where the Glue job planned."""
    selector = definition["States"]["WriteBack"]["ItemSelector"]
    assert set(selector) == {"bucket", "run.$", "chunk.$"}
    assert selector["run.$"] == "States.Format('runs/{}/decisions', $$.Execution.Name)"
    import inspect

    source = inspect.getsource(handler.handle)
    assert all(f'event["{key.removesuffix(".$")}"]' in source for key in selector)
    assert 'f"{run}/decisions"' in inspect.getsource(glue_job.run)


def test_the_state_machine_logs_errors_without_execution_data(template):
    properties = template["Resources"]["MatchingStateMachine"]["Properties"]
    assert properties["RoleArn"] == {"Fn::GetAtt": ["MatchingStateMachineRole", "Arn"]}
    logging = properties["LoggingConfiguration"]
    assert logging["Level"] == "ERROR" and logging["IncludeExecutionData"] is False
    assert logging["Destinations"] == [{"CloudWatchLogsLogGroup": {
        "LogGroupArn": {"Fn::GetAtt": ["MatchingStateMachineLogGroup", "Arn"]}}}]
    group = template["Resources"]["MatchingStateMachineLogGroup"]["Properties"]
    assert group["LogGroupName"].startswith("/aws/vendedlogs/states/")


# --- the Glue job -------------------------------------------------------------------------------


def test_the_glue_job_runs_the_matching_module_with_the_stacks_key(template):
    resources = template["Resources"]
    job = resources["MatchingJob"]["Properties"]
    assert job["GlueVersion"] == "5.0" and job["Command"]["Name"] == "glueetl"
    assert job["Command"]["ScriptLocation"] == {"Fn::Sub": "s3://${MatchingArtifactBucket}/${MatchingScriptKey}"}
    arguments = job["DefaultArguments"]
    assert arguments["--extra-py-files"] == {"Fn::Sub": "s3://${MatchingArtifactBucket}/${MatchingLibraryKey}"}
    assert arguments["--feed"] == {"Fn::Sub": "s3://${FeedBucket}/feed/"}
    pin = re.search(r"^pynamodb==(\S+)$", (REPO / "functions" / "requirements.txt").read_text(), re.MULTILINE)
    assert arguments["--additional-python-modules"] == f"pynamodb=={pin[1]}"
    assert job["Role"] == {"Fn::GetAtt": ["MatchingJobRole", "Arn"]}
    assert job["ExecutionProperty"] == {"MaxConcurrentRuns": 1}
    assert job["SecurityConfiguration"] == {"Ref": "MatchingJobSecurity"}
    encryption = resources["MatchingJobSecurity"]["Properties"]["EncryptionConfiguration"]
    key = {"Fn::GetAtt": ["DataKey", "Arn"]}
    assert encryption["S3Encryptions"] == [{"S3EncryptionMode": "SSE-KMS", "KmsKeyArn": key}]
    assert encryption["CloudWatchEncryption"]["KmsKeyArn"] == key
    assert encryption["JobBookmarksEncryption"]["KmsKeyArn"] == key


def test_the_glue_script_and_package_are_built_beside_the_template(deploy_dir):
    assert (deploy_dir / "matching_job.py").read_bytes() == (REPO / "pensioncert/matching/glue_job.py").read_bytes()
    with zipfile.ZipFile(deploy_dir / "matching_lib.zip") as archive:
        names = set(archive.namelist())
    assert {"pensioncert/matching/job.py", "pensioncert/matching/engines.py", "pensioncert/matching/snapshot.py",
            "pensioncert/matching/write_back.py", "pensioncert/dal/tables.py", "pensioncert/rules/life_events.py"} <= names
    assert not [name for name in names if "__pycache__" in name]


def test_make_deploy_uploads_the_glue_artefacts_and_names_them():
    dry_run = subprocess.run(["make", "-n", "deploy", "DEPLOY_BUCKET=artefacts", "VISION_TAG=abc1234"],
                             cwd=REPO, capture_output=True, text=True, check=True).stdout
    assert "for artefact in matching_job.py matching_lib.zip; do" in dry_run
    assert re.search(r"aws s3 cp .*\$artefact s3://artefacts/\S+/matching/\$artefact", dry_run)
    assert re.search(r"MatchingArtifactBucket=artefacts\b", dry_run)
    assert re.search(r"MatchingScriptKey=\S+/matching/matching_job\.py", dry_run)


# --- the write-back function ----------------------------------------------------------------------


def test_the_write_back_function_runs_the_chunk_handler_from_the_api_zip(template, package):
    function = template["Resources"]["WriteBackFunction"]["Properties"]
    module, attribute = function["Handler"].rsplit(".", 1)
    assert module == "pensioncert.matching.handler" and callable(getattr(importlib.import_module(module), attribute))
    assert (package / "pensioncert" / "matching" / "handler.py").exists()
    assert (package / "pensioncert" / "matching" / "effects.py").exists()
    assert function["Role"] == {"Fn::GetAtt": ["WriteBackRole", "Arn"]}
    assert function["ReservedConcurrentExecutions"] == matching_site.WRITE_BACK_CONCURRENCY
    assert function["KmsKeyArn"] == {"Fn::GetAtt": ["DataKey", "Arn"]}
    variables = function["Environment"]["Variables"]
    assert variables["PC_SECRETS_ID"] == {"Ref": "AppSecret"} and variables["PC_STAGE"] == "prod"


# --- least privilege ------------------------------------------------------------------------------


def _feed(prefix: str) -> dict:
    return {"Fn::Sub": f"${{FeedBucket.Arn}}/{prefix}"}


def test_the_glue_role_reads_the_feed_and_exports_and_writes_only_its_runs(template):
    statements = statements_of(template, "MatchingJobRole")
    assert statements["ReadFeedAndExports"]["Action"] == "s3:GetObject"
    assert statements["ReadFeedAndExports"]["Resource"] == [_feed("feed/*"), _feed("exports/*")]
    assert statements["WriteRuns"]["Resource"] == _feed("runs/*")
    assert set(statements["ListFeedExportsRuns"]["Condition"]["StringLike"]["s3:prefix"]) == {
        "feed", "feed/*", "exports", "exports/*", "runs", "runs/*"}
    assert actions_of(template, "MatchingJobRole") == {
        "s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:ListBucket", "kms:Decrypt", "kms:GenerateDataKey",
        "logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:AssociateKmsKey"}
    assert not any(a.startswith("dynamodb:") for a in actions_of(template, "MatchingJobRole"))  # files only


def test_the_state_machine_role_exports_runs_the_job_invokes_the_write_back_and_reads_the_manifest(template):
    statements = statements_of(template, "MatchingStateMachineRole")
    assert statements["ExportTables"]["Resource"] == [{"Fn::GetAtt": ["TableRegistry", "Arn"]},
                                                      {"Fn::GetAtt": ["TableCertifications", "Arn"]}]
    assert statements["WriteExports"]["Resource"] == _feed("exports/*")
    assert statements["RunMatchingJob"]["Resource"]["Fn::Sub"].endswith(":job/pc-prod-matching")
    assert set(statements["RunMatchingJob"]["Action"]) == {
        "glue:StartJobRun", "glue:GetJobRun", "glue:GetJobRuns", "glue:BatchStopJobRun"}
    assert statements["InvokeWriteBack"]["Resource"] == {"Fn::GetAtt": ["WriteBackFunction", "Arn"]}
    assert statements["ReadChunkManifest"]["Resource"] == _feed(f"runs/*/decisions/{write_back.MANIFEST}")
    assert matching_site.CHUNK_MANIFEST == write_back.MANIFEST
    assert statements["MapChildExecutions"]["Resource"]["Fn::Sub"].endswith(":stateMachine:pc-prod-matching")
    assert template["Resources"]["MatchingStateMachine"]["Properties"]["StateMachineName"] == "pc-prod-matching"
    assert statements["DeliverLogs"]["Action"] == matching_site.STATE_MACHINE_LOG_ACTIONS
    assert not any(a.startswith(("dynamodb:Put", "dynamodb:Update", "dynamodb:Delete", "dynamodb:Scan"))
                   for a in actions_of(template, "MatchingStateMachineRole"))


def test_the_write_back_role_reads_chunks_and_writes_only_ledger_objects(template):
    statements = statements_of(template, "WriteBackRole")
    assert statements["ReadChunks"] == {"Sid": "ReadChunks", "Effect": "Allow", "Action": "s3:GetObject",
                                        "Resource": _feed("runs/*/decisions/*")}
    assert statements["WriteLedger"]["Resource"] == _feed("runs/*/decisions/written/*")
    assert statements["FindLedger"]["Condition"]["StringLike"]["s3:prefix"] == [
        "runs/*/decisions/written", "runs/*/decisions/written/*"]
    assert not {"dynamodb:Scan", "dynamodb:BatchWriteItem", "dynamodb:DeleteTable"} & actions_of(template, "WriteBackRole")
    s3_actions = {a for a in actions_of(template, "WriteBackRole") if a.startswith("s3:")}
    assert s3_actions == {"s3:GetObject", "s3:PutObject", "s3:ListBucket"}
