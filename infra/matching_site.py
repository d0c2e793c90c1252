"""Data matching at a province's scale, deployed (issue 22; docs/data_matching.md): the feed bucket,
the Glue (Spark) job that runs the matching job, the write-back Lambda and the Step Functions
state machine that chains them, started by EventBridge when a delivery is complete.

    delivery's Parquet files → feed/source_system=…/month=…/   then its marker → ready/…
      └─ EventBridge (S3 "Object Created" under ready/) ─▶ state machine pc-<stage>-matching:
           1. Snapshot: ExportTableToPointInTime of the registry and certifications tables
              → exports/<execution>/… (polled with DescribeExport: the export has no .sync)
           2. Match: the Glue job (glue_job.py), startJobRun.sync → runs/<execution>/decisions/
              (snapshot, decisions, evidence, rejects, JSON chunks, plan.json, chunks.json)
           3. WriteBack: a distributed map over chunks.json, one write-back Lambda per chunk
              (pensioncert.matching.handler.handle, the API zip); per-chunk ledger objects under
              runs/<execution>/decisions/written/, the map's results under …/write-back/

Why a marker and not each Parquet file: one delivery writes a file per month (and per million
rows), and each run reads the whole year's feed, so one run per file would repeat the same run.
Why the export in the state machine rather than a snapshot location as a parameter: the snapshot
must be of the day of the run (a person certified by the app this morning must not be certified
again, a correction made yesterday must count), and an export is a consistent point-in-time copy
that reads no capacity from the live tables; a location given by hand would be stale or scanned.

Everything is in the stack's KMS key: the bucket (SSE-KMS), the exports (the tables' key too),
Glue's S3 output, logs and job bookmarks (its security configuration), the log groups.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from infra.stack import (
    ACCESS_LOG_BUCKET,
    DAL_TABLE_ACTIONS,
    KEY,
    KEY_ARN,
    access_log_delivery,
    app_secret_statement,
    data_key_statement,
    deny_plain_http,
    deployed_name,
    from_api_zip,
    lambda_function,
    log_group,
    logs_statement,
    policies,
    private_bucket,
    sub,
    table_logical_id,
    table_statements,
    trust,
)
from pensioncert.settings import Settings

FEED_BUCKET = "FeedBucket"
GLUE_JOB = "MatchingJob"
GLUE_ROLE = "MatchingJobRole"
GLUE_SECURITY = "MatchingJobSecurity"
WRITE_BACK_FUNCTION = "WriteBackFunction"
STATE_MACHINE = "MatchingStateMachine"
STATE_MACHINE_ROLE = "MatchingStateMachineRole"
RULE = "FeedDeliveredRule"
RULE_ROLE = "FeedDeliveredRuleRole"

# The bucket's prefixes (docs/data_matching.md, "Deployed").
FEED_PREFIX = "feed/"
READY_PREFIX = "ready/"
EXPORTS_PREFIX = "exports/"
RUNS_PREFIX = "runs/"
CHUNK_MANIFEST = "chunks.json"  # write_back.MANIFEST (that module loads pyarrow; a test holds them equal)
# Kept as long as a certification year needs them: the job counts the events of the year.
FEED_RETENTION_DAYS = 400
# The exports hold the registry whole (sealed ID numbers, face templates): only the run reads them.
EXPORT_RETENTION_DAYS = 3
# A run's snapshot, decisions, rejects and ledger: what staff and an appeal may ask about.
RUN_RETENTION_DAYS = 90
NONCURRENT_DAYS = 1  # a replaced or expired object's old version does not outlive its retention

# Glue 5.0: Python 3.11 like the rest of the code, Spark 3.5 (the tests run pyspark 4 locally;
# the job's SQL is the subset both run). G.1X × 10 is docs/costs.md's sizing for 30 M events.
GLUE_VERSION = "5.0"
GLUE_WORKER_TYPE = "G.1X"
GLUE_TIMEOUT_MIN = 120
# Chunks written back at once, and the Lambda's reserved concurrency: DynamoDB's default 40,000
# WRU/s per table over ~7.4 WRU a certification (a plain put, its counters moved once per chunk:
# docs/costs.md) at ~50 decisions/s a worker (assumed ~20 ms each on AWS) is ~108 workers; 80
# leaves room for the API's own writes. Reserved in all with the API's and vision's 300 each, the
# notices' 100, the admin's 20 and the jobs' 1: 801 of a region's default 1,000 (Lambda keeps 100 free).
WRITE_BACK_CONCURRENCY = 80
WRITE_BACK_MEMORY_MB = 512
WRITE_BACK_TIMEOUT_S = 300  # 1,000 decisions at ~20 ms; a throttled chunk is retried whole
EXPORT_POLL_S = 60

REQUIREMENTS = Path(__file__).resolve().parent.parent / "functions" / "requirements.txt"


def glue_python_modules() -> str:
    """What the Glue job installs beyond Glue's own (pyarrow, numpy, boto3 are there): pynamodb,
    at the API's pin, for the exported items (functions/requirements.txt is the one pin)."""
    pins = dict(line.split("==", 1) for line in REQUIREMENTS.read_text().splitlines()
                if "==" in line and not line.startswith("#"))
    return f"pynamodb=={pins['pynamodb']}"


def parameters() -> dict[str, Any]:
    return {
        "MatchingArtifactBucket": {"Type": "String", "Description": (
            "S3 bucket holding the matching job's build artefacts (infra/package.py writes "
            "matching_job.py and matching_lib.zip into the deploy folder; upload both)")},
        "MatchingScriptKey": {"Type": "String", "Default": "matching/matching_job.py",
                              "Description": "key of the Glue script (pensioncert/matching/glue_job.py)"},
        "MatchingLibraryKey": {"Type": "String", "Default": "matching/matching_lib.zip",
                               "Description": "key of the pensioncert package zip (the job's --extra-py-files)"},
        "MatchingWorkers": {"Type": "Number", "Default": 10, "MinValue": 2,
                            "Description": f"Glue {GLUE_WORKER_TYPE} workers of the matching job"},
    }


def _bucket() -> dict:
    expiring = [("feed", FEED_PREFIX, FEED_RETENTION_DAYS), ("ready-markers", READY_PREFIX, FEED_RETENTION_DAYS),
                ("exports", EXPORTS_PREFIX, EXPORT_RETENTION_DAYS), ("runs", RUNS_PREFIX, RUN_RETENTION_DAYS)]
    rules = [{"Id": f"expire-{name}", "Prefix": prefix, "Status": "Enabled", "ExpirationInDays": days}
             for name, prefix, days in expiring]
    rules.append({"Id": "expire-old-versions", "Status": "Enabled",
                  "NoncurrentVersionExpiration": {"NoncurrentDays": NONCURRENT_DAYS},
                  "ExpiredObjectDeleteMarker": True,
                  "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 1}})
    return {
        "Type": "AWS::S3::Bucket",
        "DeletionPolicy": "Retain",
        "UpdateReplacePolicy": "Retain",
        "Properties": {
            "BucketName": sub("pensioncert-${AWS::StackName}-feeds-${AWS::AccountId}"),
            "BucketEncryption": {"ServerSideEncryptionConfiguration": [{
                "ServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": KEY_ARN},
                "BucketKeyEnabled": True,
            }]},
            **private_bucket(),
            # Versioned: a delivery overwritten by mistake can be recovered for a day.
            "VersioningConfiguration": {"Status": "Enabled"},
            "LifecycleConfiguration": {"Rules": rules},
            "LoggingConfiguration": {"DestinationBucketName": {"Ref": ACCESS_LOG_BUCKET}, "LogFilePrefix": "feeds/"},
            "NotificationConfiguration": {"EventBridgeConfiguration": {"EventBridgeEnabled": True}},
        },
    }


def access_log_statement() -> dict[str, Any]:
    """Lets S3 deliver the feed bucket's server access logs into the stack's log bucket."""
    return access_log_delivery("FeedsAccessLogDelivery", FEED_BUCKET, "feeds/")


def _objects(prefix: str) -> dict:
    return sub(f"${{{FEED_BUCKET}.Arn}}/{prefix}*")


def _list_under(*prefixes: str) -> dict:
    return {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": {"Fn::GetAtt": [FEED_BUCKET, "Arn"]},
            "Condition": {"StringLike": {"s3:prefix": [pattern for prefix in prefixes
                                                       for pattern in (prefix.rstrip("/"), f"{prefix}*")]}}}


def glue_resources(job_name: str) -> dict[str, Any]:
    artefact = "arn:${AWS::Partition}:s3:::${MatchingArtifactBucket}/"
    log_group_name = f"/aws-glue/{job_name}"
    return {
        GLUE_SECURITY: {
            "Type": "AWS::Glue::SecurityConfiguration",
            "Properties": {"Name": f"{job_name}-security", "EncryptionConfiguration": {
                "S3Encryptions": [{"S3EncryptionMode": "SSE-KMS", "KmsKeyArn": KEY_ARN}],
                "CloudWatchEncryption": {"CloudWatchEncryptionMode": "SSE-KMS", "KmsKeyArn": KEY_ARN},
                "JobBookmarksEncryption": {"JobBookmarksEncryptionMode": "CSE-KMS", "KmsKeyArn": KEY_ARN},
            }},
        },
        "MatchingJobLogGroup": log_group(log_group_name),
        GLUE_ROLE: {
            "Type": "AWS::IAM::Role",
            "Properties": {
                "AssumeRolePolicyDocument": trust("glue.amazonaws.com"),
                "Policies": policies("pensioncert-matching-job", [
                    {"Sid": "ReadFeedAndExports", "Effect": "Allow", "Action": "s3:GetObject",
                     "Resource": [_objects(FEED_PREFIX), _objects(EXPORTS_PREFIX)]},
                    # Spark overwrites its outputs (delete, then write) under the run's folder.
                    {"Sid": "WriteRuns", "Effect": "Allow",
                     "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
                     "Resource": _objects(RUNS_PREFIX)},
                    {"Sid": "ListFeedExportsRuns", **_list_under(FEED_PREFIX, EXPORTS_PREFIX, RUNS_PREFIX)},
                    {"Sid": "ReadArtefacts", "Effect": "Allow", "Action": "s3:GetObject",
                     "Resource": [sub(artefact + "${MatchingScriptKey}"), sub(artefact + "${MatchingLibraryKey}")]},
                    data_key_statement("kms:Decrypt", "kms:GenerateDataKey"),
                    logs_statement("MatchingJobLogGroup"),
                    # Glue's own output and error groups (/aws-glue/jobs/…), encrypted by the
                    # security configuration, which associates the key with them.
                    {"Sid": "GlueJobLogs", "Effect": "Allow",
                     "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents",
                                "logs:AssociateKmsKey"],
                     "Resource": sub("arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:"
                                      "log-group:/aws-glue/jobs/*")},
                ]),
            },
        },
        GLUE_JOB: {
            "Type": "AWS::Glue::Job",
            "Properties": {
                "Name": job_name,
                "Description": "养老保险资格认证：生存数据比对（Spark）",
                "Role": {"Fn::GetAtt": [GLUE_ROLE, "Arn"]},
                "GlueVersion": GLUE_VERSION,
                "WorkerType": GLUE_WORKER_TYPE,
                "NumberOfWorkers": {"Ref": "MatchingWorkers"},
                "Timeout": GLUE_TIMEOUT_MIN,
                "MaxRetries": 0,  # the state machine decides what a failed run means
                "ExecutionProperty": {"MaxConcurrentRuns": 1},
                "SecurityConfiguration": {"Ref": GLUE_SECURITY},
                "Command": {"Name": "glueetl", "PythonVersion": "3",
                            "ScriptLocation": sub("s3://${MatchingArtifactBucket}/${MatchingScriptKey}")},
                "DefaultArguments": {
                    "--feed": sub(f"s3://${{{FEED_BUCKET}}}/{FEED_PREFIX}"),
                    "--extra-py-files": sub("s3://${MatchingArtifactBucket}/${MatchingLibraryKey}"),
                    "--additional-python-modules": glue_python_modules(),
                    "--enable-continuous-cloudwatch-log": "true",
                    "--continuous-log-logGroup": log_group_name,
                },
                "Tags": {"app": "pensioncert", "part": "matching"},
            },
        },
    }


def write_back_resources(settings: Settings, environment: dict) -> dict[str, Any]:
    ledger = f"{RUNS_PREFIX}*/decisions/written/"
    return lambda_function(
        WRITE_BACK_FUNCTION, settings, "write-back", tag="matching",
        code=from_api_zip("pensioncert.matching.handler.handle"), memory_mb=WRITE_BACK_MEMORY_MB,
        timeout_s=WRITE_BACK_TIMEOUT_S, concurrency=WRITE_BACK_CONCURRENCY, environment=environment,
        statements=[
            *table_statements(settings, DAL_TABLE_ACTIONS),
            {"Sid": "ReadChunks", "Effect": "Allow", "Action": "s3:GetObject",
             "Resource": _objects(f"{RUNS_PREFIX}*/decisions/")},
            {"Sid": "WriteLedger", "Effect": "Allow", "Action": "s3:PutObject", "Resource": _objects(ledger)},
            # Whether a chunk's ledger object exists: a listing of that key only.
            {"Sid": "FindLedger", **_list_under(ledger)},
            data_key_statement("kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"),
            app_secret_statement(),
        ],
        no_dead_letter_queue="Invoked synchronously by the state machine's map only; a failed chunk is "
                             "retried there and recorded in the execution, and its ledger makes a rerun "
                             "skip what was done: a dead-letter queue would receive nothing.",
        no_vpc="Reaches only DynamoDB, S3 and Secrets Manager over their regional endpoints; a VPC would "
               "add endpoints or a NAT and cold starts for no isolation gain.",
    )


def _export_branch(name: str, table: str, key: str) -> dict:
    """Export one table and wait for it: the export API has no .sync integration."""
    export, wait, describe, check = (f"Export{name}", f"Wait{name}", f"Describe{name}", f"Check{name}")
    throttled = [{"ErrorEquals": ["DynamoDb.LimitExceededException", "DynamoDb.InternalServerErrorException"],
                  "IntervalSeconds": 30, "MaxAttempts": 5, "BackoffRate": 2}]
    return {"StartAt": export, "States": {
        export: {
            "Type": "Task",
            "Resource": "arn:${AWS::Partition}:states:::aws-sdk:dynamodb:exportTableToPointInTime",
            "Parameters": {
                "TableArn": f"${{{table}.Arn}}",
                "S3Bucket": f"${{{FEED_BUCKET}}}",
                "S3Prefix.$": f"States.Format('{EXPORTS_PREFIX}{{}}/{name.lower()}', $$.Execution.Name)",
                "S3SseAlgorithm": "KMS",
                "S3SseKmsKeyId": f"${{{key}.Arn}}",
                "ExportFormat": "DYNAMODB_JSON",
            },
            "ResultSelector": {"arn.$": "$.ExportDescription.ExportArn"},
            "Retry": throttled,
            "Next": wait,
        },
        wait: {"Type": "Wait", "Seconds": EXPORT_POLL_S, "Next": describe},
        describe: {
            "Type": "Task",
            "Resource": "arn:${AWS::Partition}:states:::aws-sdk:dynamodb:describeExport",
            "Parameters": {"ExportArn.$": "$.arn"},
            "ResultSelector": {"arn.$": "$.ExportDescription.ExportArn",
                               "status.$": "$.ExportDescription.ExportStatus"},
            "Retry": throttled,
            "Next": check,
        },
        check: {"Type": "Choice", "Choices": [
            {"Variable": "$.status", "StringEquals": "COMPLETED", "Next": f"{name}Exported"},
            {"Variable": "$.status", "StringEquals": "FAILED", "Next": f"{name}ExportFailed"}],
            "Default": wait},
        f"{name}Exported": {"Type": "Succeed"},
        f"{name}ExportFailed": {"Type": "Fail", "Error": "ExportFailed", "Cause": f"the {name.lower()} export failed"},
    }}


def definition(registry_table: str, certifications_table: str, key: str) -> dict:
    """The state machine (Amazon States Language); ``${…}`` are filled by Fn::Sub."""
    def per_execution(path: str) -> str:  # ``{}`` is the execution's name
        return f"States.Format('{path}', $$.Execution.Name)"

    bucket = f"s3://${{{FEED_BUCKET}}}/"
    decisions = per_execution(f"{RUNS_PREFIX}{{}}/decisions")
    return {
        "Comment": "养老保险资格认证：生存数据比对（快照 → Spark 比对 → 分块写回）",
        "StartAt": "Snapshot",
        "States": {
            "Snapshot": {
                "Type": "Parallel",
                "Branches": [_export_branch("Registry", registry_table, key),
                             _export_branch("Certifications", certifications_table, key)],
                "ResultPath": None,
                "Next": "Match",
            },
            "Match": {
                "Type": "Task",
                "Resource": "arn:${AWS::Partition}:states:::glue:startJobRun.sync",
                "Parameters": {"JobName": f"${{{GLUE_JOB}}}", "Arguments": {
                    "--registry_export.$": per_execution(f"{bucket}{EXPORTS_PREFIX}{{}}/registry/"),
                    "--certifications_export.$": per_execution(f"{bucket}{EXPORTS_PREFIX}{{}}/certifications/"),
                    "--run.$": per_execution(f"{bucket}{RUNS_PREFIX}{{}}/"),
                }},
                # One run at a time (MaxConcurrentRuns 1): a second delivery's run waits its turn.
                "Retry": [{"ErrorEquals": ["Glue.ConcurrentRunsExceededException"],
                           "IntervalSeconds": 300, "MaxAttempts": 12, "BackoffRate": 1.5}],
                "ResultPath": None,
                "Next": "WriteBack",
            },
            "WriteBack": {
                "Type": "Map",
                "ItemReader": {
                    "Resource": "arn:${AWS::Partition}:states:::s3:getObject",
                    "ReaderConfig": {"InputType": "JSON"},
                    "Parameters": {"Bucket": f"${{{FEED_BUCKET}}}",
                                   "Key.$": per_execution(f"{RUNS_PREFIX}{{}}/decisions/{CHUNK_MANIFEST}")},
                },
                "ItemSelector": {"bucket": f"${{{FEED_BUCKET}}}", "run.$": decisions,
                                 "chunk.$": "$$.Map.Item.Value.chunk"},
                "MaxConcurrency": WRITE_BACK_CONCURRENCY,
                "ItemProcessor": {
                    "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                    "StartAt": "WriteBackChunk",
                    "States": {"WriteBackChunk": {
                        "Type": "Task",
                        "Resource": "arn:${AWS::Partition}:states:::lambda:invoke",
                        "Parameters": {"FunctionName": f"${{{WRITE_BACK_FUNCTION}.Arn}}", "Payload.$": "$"},
                        "ResultSelector": {"chunk.$": "$.Payload.chunk", "skipped.$": "$.Payload.skipped",
                                           "outcomes.$": "$.Payload.outcomes"},
                        "Retry": [{"ErrorEquals": ["Lambda.ServiceException", "Lambda.AWSLambdaException",
                                                   "Lambda.SdkClientException", "Lambda.TooManyRequestsException",
                                                   "States.Timeout", "States.TaskFailed"],
                                   "IntervalSeconds": 10, "MaxAttempts": 4, "BackoffRate": 2}],
                        "End": True,
                    }},
                },
                # 10,000 chunks' outcomes exceed a state's 256 KB: they go to S3 beside the run.
                "ResultWriter": {"Resource": "arn:${AWS::Partition}:states:::s3:putObject",
                                 "Parameters": {"Bucket": f"${{{FEED_BUCKET}}}",
                                                "Prefix.$": per_execution(f"{RUNS_PREFIX}{{}}/write-back")}},
                "ResultPath": None,
                "End": True,
            },
        },
    }


def state_machine_resources(*, registry_table: str, certifications_table: str, state_machine_name: str,
                            job_name: str) -> dict[str, Any]:
    own_arn = sub(f"arn:${{AWS::Partition}}:states:${{AWS::Region}}:${{AWS::AccountId}}:stateMachine:{state_machine_name}")
    executions = sub(f"arn:${{AWS::Partition}}:states:${{AWS::Region}}:${{AWS::AccountId}}:execution:{state_machine_name}/*")
    tables = [{"Fn::GetAtt": [registry_table, "Arn"]}, {"Fn::GetAtt": [certifications_table, "Arn"]}]
    return {
        "MatchingStateMachineLogGroup": log_group(f"/aws/vendedlogs/states/{state_machine_name}"),
        STATE_MACHINE_ROLE: {
            "Type": "AWS::IAM::Role",
            "Properties": {
                "AssumeRolePolicyDocument": trust("states.amazonaws.com"),
                "Policies": policies("pensioncert-matching-state-machine", [
                    {"Sid": "ExportTables", "Effect": "Allow", "Action": "dynamodb:ExportTableToPointInTime",
                     "Resource": tables},
                    {"Sid": "DescribeExports", "Effect": "Allow", "Action": "dynamodb:DescribeExport",
                     "Resource": [{"Fn::Join": ["", [table, "/export/*"]]} for table in tables]},
                    # The export writes as the caller: into exports/ only, with the stack's key.
                    {"Sid": "WriteExports", "Effect": "Allow",
                     "Action": ["s3:PutObject", "s3:AbortMultipartUpload", "s3:PutObjectAcl"],
                     "Resource": _objects(EXPORTS_PREFIX)},
                    data_key_statement("kms:Decrypt", "kms:GenerateDataKey"),
                    {"Sid": "RunMatchingJob", "Effect": "Allow",
                     "Action": ["glue:StartJobRun", "glue:GetJobRun", "glue:GetJobRuns", "glue:BatchStopJobRun"],
                     "Resource": sub(f"arn:${{AWS::Partition}}:glue:${{AWS::Region}}:${{AWS::AccountId}}:job/{job_name}")},
                    {"Sid": "ReadChunkManifest", "Effect": "Allow", "Action": "s3:GetObject",
                     "Resource": sub(f"${{{FEED_BUCKET}.Arn}}/{RUNS_PREFIX}*/decisions/{CHUNK_MANIFEST}")},
                    {"Sid": "WriteMapResults", "Effect": "Allow", "Action": "s3:PutObject",
                     "Resource": _objects(f"{RUNS_PREFIX}*/write-back/*")},
                    {"Sid": "InvokeWriteBack", "Effect": "Allow", "Action": "lambda:InvokeFunction",
                     "Resource": {"Fn::GetAtt": [WRITE_BACK_FUNCTION, "Arn"]}},
                    # The distributed map runs its chunks as child executions of this machine.
                    {"Sid": "MapChildExecutions", "Effect": "Allow", "Action": "states:StartExecution",
                     "Resource": own_arn},
                    {"Sid": "MapChildExecutionState", "Effect": "Allow",
                     "Action": ["states:DescribeExecution", "states:StopExecution"], "Resource": executions},
                    # Step Functions' log delivery takes no resource: AWS documents "*" for these.
                    {"Sid": "DeliverLogs", "Effect": "Allow", "Action": STATE_MACHINE_LOG_ACTIONS, "Resource": "*"},
                ]),
            },
        },
        STATE_MACHINE: {
            "Type": "AWS::StepFunctions::StateMachine",
            "Properties": {
                "StateMachineName": state_machine_name,
                "StateMachineType": "STANDARD",
                "RoleArn": {"Fn::GetAtt": [STATE_MACHINE_ROLE, "Arn"]},
                "DefinitionString": sub(json.dumps(definition(registry_table, certifications_table, KEY),
                                                    ensure_ascii=False)),
                # Errors only, and no execution data (nothing about a person in the logs), kept a
                # year like every log of the stack. No X-Ray: checkov does not ask for it, and a
                # monthly batch's trace would cost a "*" statement (xray:PutTraceSegments) for nothing.
                "LoggingConfiguration": {"Level": "ERROR", "IncludeExecutionData": False, "Destinations": [
                    {"CloudWatchLogsLogGroup": {"LogGroupArn": {"Fn::GetAtt": ["MatchingStateMachineLogGroup", "Arn"]}}}]},
                "Tags": [{"Key": "app", "Value": "pensioncert"}, {"Key": "part", "Value": "matching"}],
            },
        },
        RULE_ROLE: {
            "Type": "AWS::IAM::Role",
            "Properties": {
                "AssumeRolePolicyDocument": trust("events.amazonaws.com"),
                "Policies": policies("pensioncert-feed-delivered", [
                    {"Sid": "StartMatching", "Effect": "Allow", "Action": "states:StartExecution",
                     "Resource": {"Ref": STATE_MACHINE}}]),
            },
        },
        RULE: {
            "Type": "AWS::Events::Rule",
            "Properties": {
                "Description": "养老保险资格认证：比对数据到齐（ready/ 标记）后启动比对",
                "EventPattern": {
                    "source": ["aws.s3"],
                    "detail-type": ["Object Created"],
                    "detail": {"bucket": {"name": [{"Ref": FEED_BUCKET}]},
                               "object": {"key": [{"prefix": READY_PREFIX}]}},
                },
                "Targets": [{"Id": "matching", "Arn": {"Ref": STATE_MACHINE},
                             "RoleArn": {"Fn::GetAtt": [RULE_ROLE, "Arn"]}}],
            },
        },
    }


STATE_MACHINE_LOG_ACTIONS = ["logs:CreateLogDelivery", "logs:GetLogDelivery", "logs:UpdateLogDelivery",
                             "logs:DeleteLogDelivery", "logs:ListLogDeliveries", "logs:PutResourcePolicy",
                             "logs:DescribeResourcePolicies", "logs:DescribeLogGroups"]


def resources(settings: Settings, *, environment: dict) -> dict[str, Any]:
    """``environment``: the API function's variables (the write-back runs the API's code)."""
    name = deployed_name(settings, "matching")
    return {
        FEED_BUCKET: _bucket(),
        "FeedBucketPolicy": {
            "Type": "AWS::S3::BucketPolicy",
            "Properties": {"Bucket": {"Ref": FEED_BUCKET},
                           "PolicyDocument": {"Version": "2012-10-17", "Statement": [deny_plain_http(FEED_BUCKET)]}},
        },
        **glue_resources(job_name=name),
        **write_back_resources(settings, environment),
        **state_machine_resources(registry_table=table_logical_id("registry"),
                                  certifications_table=table_logical_id("certifications"),
                                  state_machine_name=name, job_name=name),
    }


def outputs() -> dict[str, Any]:
    return {
        "FeedBucketName": {"Description": f"deliveries under {FEED_PREFIX}, then a marker under {READY_PREFIX}",
                           "Value": {"Ref": FEED_BUCKET}},
        "MatchingStateMachineArn": {"Value": {"Ref": STATE_MACHINE}},
    }
