"""The synthesized stack template: linted (cfn-lint), scanned (checkov), and the security settings
the deployment promises asserted one by one."""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from support import REPO

from infra import template as infra_template
from infra.checkov_env import checkov_executable
from pensioncert.dal.binding import table_specs
from pensioncert.dal.evidence import bucket_lifecycle
from pensioncert.errors import ErrorCode
from pensioncert.settings import MIN_TOKEN_SECRET_BYTES, Settings

STAGE_SETTINGS = infra_template.stage_settings("prod")


def resources_of(template, kind):
    return {name: r for name, r in template["Resources"].items() if r["Type"] == kind}


def role_statements(template):
    for name, role in resources_of(template, "AWS::IAM::Role").items():
        for policy in role["Properties"].get("Policies", []):
            for statement in policy["PolicyDocument"]["Statement"]:
                if "Fn::If" in statement:  # a conditional statement: check its "true" branch
                    statement = statement["Fn::If"][1]
                yield name, statement


def as_list(value):
    return value if isinstance(value, list) else [value]


# --- linters ------------------------------------------------------------------------------------


def test_cfn_lint_finds_no_error_in_the_china_region(deploy_dir):
    cfn_lint = Path(sys.executable).parent / "cfn-lint"
    result = subprocess.run([str(cfn_lint), "--regions", "cn-northwest-1", "--format", "json", "--",
                             str(deploy_dir / "sam.json")], capture_output=True, text=True, timeout=300)
    matches = json.loads(result.stdout or "[]")
    errors = [m for m in matches if m["Level"] == "Error"]
    assert not errors, json.dumps(errors, indent=1, ensure_ascii=False)
    assert result.returncode in (0, 4, 8), result.stderr  # 4/8: warnings/informational only


def _checkov(path: Path) -> dict:
    result = subprocess.run(
        [str(checkov_executable()), "-f", str(path), "--framework", "cloudformation",
         "--skip-download", "-o", "json"],
        capture_output=True, text=True, timeout=600,
    )
    report = json.loads(result.stdout)
    return report[0] if isinstance(report, list) else report


@pytest.fixture(scope="module")
def checkov_report(deploy_dir):
    return _checkov(deploy_dir / "sam.json")


def test_checkov_fails_no_check(checkov_report):
    summary = checkov_report["summary"]
    failed = [(c["check_id"], c["resource"], c["check_name"])
              for c in checkov_report["results"]["failed_checks"]]
    assert summary["parsing_errors"] == 0
    assert summary["failed"] == 0, failed
    assert summary["passed"] > 50  # it did scan the resources


def test_every_checkov_skip_has_a_reason_and_is_needed(template, checkov_report, tmp_path):
    """A skip must say why, and must still be needed: stripped of skips, exactly those fail."""
    declared = set()
    stripped = json.loads(json.dumps(template))
    for name, resource in stripped["Resources"].items():
        for skip in resource.get("Metadata", {}).pop("checkov", {}).get("skip", []):
            assert len(skip.get("comment", "")) > 30, (name, skip)
            declared.add((skip["id"], name))
    (tmp_path / "stripped.json").write_text(json.dumps(stripped))
    failing = {(c["check_id"], c["resource"].split(".", 1)[1])
               for c in _checkov(tmp_path / "stripped.json")["results"]["failed_checks"]}
    assert failing == declared
    skipped = {(c["check_id"], c["resource"].split(".", 1)[1])
               for c in checkov_report["results"]["skipped_checks"]}
    assert skipped == declared


# --- one source of truth for the tables ---------------------------------------------------------


def test_the_tables_are_exactly_those_of_table_specs(template):
    deployed = {r["Properties"]["TableName"]: r for r in resources_of(template, "AWS::DynamoDB::Table").values()}
    specs = {s["create"]["TableName"]: s for s in table_specs(STAGE_SETTINGS)}
    assert set(deployed) == set(specs)
    assert all(name.startswith("pc-prod-") for name in deployed)
    for name, spec in specs.items():
        properties = deployed[name]["Properties"]
        assert sorted(map(json.dumps, properties["KeySchema"])) == sorted(map(json.dumps, spec["create"]["KeySchema"]))
        assert properties["KeySchema"][0]["KeyType"] == "HASH"
        assert properties["AttributeDefinitions"] == spec["create"]["AttributeDefinitions"]
        assert ({i["IndexName"] for i in properties.get("GlobalSecondaryIndexes", [])}
                == {i["IndexName"] for i in spec["create"].get("GlobalSecondaryIndexes", [])})


def test_every_table_is_on_demand_recoverable_and_encrypted_with_the_customer_key(template):
    for name, table in resources_of(template, "AWS::DynamoDB::Table").items():
        properties = table["Properties"]
        assert properties["BillingMode"] == "PAY_PER_REQUEST", name
        assert properties["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}, name
        assert properties["SSESpecification"] == {
            "SSEEnabled": True, "SSEType": "KMS", "KMSMasterKeyId": {"Ref": "DataKey"}}, name
        assert table["DeletionPolicy"] == "Retain", name


def test_short_lived_items_expire_by_ttl(template):
    ttl = {r["Properties"]["TableName"]: r["Properties"].get("TimeToLiveSpecification")
           for r in resources_of(template, "AWS::DynamoDB::Table").values()}
    for spec in table_specs(STAGE_SETTINGS):
        expected = ({"AttributeName": spec["ttl_attribute"], "Enabled": True}
                    if spec["ttl_attribute"] else None)
        assert ttl[spec["create"]["TableName"]] == expected
    # captchas and SMS codes (ephemeral) and liveness sessions at least
    assert ttl["pc-prod-ephemeral"] and ttl["pc-prod-liveness-sessions"]


def test_the_key_rotates(template):
    key = template["Resources"]["DataKey"]
    assert key["Properties"]["EnableKeyRotation"] is True
    assert key["DeletionPolicy"] == "Retain"


# --- bucket -------------------------------------------------------------------------------------


def test_the_evidence_bucket_is_encrypted_private_and_expiring(template):
    properties = template["Resources"]["EvidenceBucket"]["Properties"]
    rule = properties["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]
    assert rule["ServerSideEncryptionByDefault"] == {
        "SSEAlgorithm": "aws:kms", "KMSMasterKeyID": {"Fn::GetAtt": ["DataKey", "Arn"]}}
    assert properties["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True, "BlockPublicPolicy": True, "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True}
    expected = bucket_lifecycle(STAGE_SETTINGS.evidence_retention_days)["Rules"]
    deployed = {r["Id"]: r for r in properties["LifecycleConfiguration"]["Rules"]}
    for rule in expected:
        assert deployed[rule["ID"]]["Prefix"] == rule["Filter"]["Prefix"]
        assert deployed[rule["ID"]]["ExpirationInDays"] == rule["Expiration"]["Days"]
        assert deployed[rule["ID"]]["Status"] == "Enabled"
    policy = template["Resources"]["EvidenceBucketPolicy"]["Properties"]["PolicyDocument"]
    assert any(s["Effect"] == "Deny" and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
               for s in policy["Statement"])


# --- IAM, partition, region ---------------------------------------------------------------------


def test_no_role_allows_a_wildcard_action_or_a_wildcard_resource_beyond_sms_and_log_delivery(template):
    from infra.matching_site import STATE_MACHINE_LOG_ACTIONS

    for role, statement in role_statements(template):
        assert statement["Effect"] == "Allow"
        for action in as_list(statement["Action"]):
            assert "*" not in action, (role, action)
        if statement["Resource"] == "*":  # actions AWS offers no resource ARN for
            if role == "MatchingStateMachineRole":  # Step Functions' delivery of its logs
                assert as_list(statement["Action"]) == STATE_MACHINE_LOG_ACTIONS
                assert all(action.startswith("logs:") for action in STATE_MACHINE_LOG_ACTIONS)
                continue
            # SNS direct-to-phone publishing: the API (codes) and the notice consumer (notices) send SMS.
            assert role in ("DefaultRole", "NoticeRole") and as_list(statement["Action"]) == ["sns:Publish"]


def test_each_function_has_its_own_least_privilege_role(template):
    api = template["Resources"]["APIHandler"]["Properties"]
    vision = template["Resources"]["VisionFunction"]["Properties"]
    assert api["Role"] == {"Fn::GetAtt": ["DefaultRole", "Arn"]}
    assert vision["Role"] == {"Fn::GetAtt": ["VisionRole", "Arn"]}
    vision_actions = {a for r, s in role_statements(template) if r == "VisionRole" for a in as_list(s["Action"])}
    assert vision_actions == {"logs:CreateLogStream", "logs:PutLogEvents", "s3:GetObject", "kms:Decrypt"}
    vision_reads = {s["Sid"]: s for r, s in role_statements(template) if r == "VisionRole"}
    assert vision_reads["ReadEvidence"]["Resource"] == {"Fn::Sub": "${EvidenceBucket.Arn}/evidence/*"}
    api_statements = {s["Sid"]: s for r, s in role_statements(template) if r == "DefaultRole"}
    assert api_statements["InvokeVision"]["Resource"] == {"Fn::GetAtt": ["VisionFunction", "Arn"]}
    assert api_statements["AppSecret"]["Resource"] == {"Ref": "AppSecret"}
    assert api_statements["AppSecret"]["Action"] == "secretsmanager:GetSecretValue"
    assert api_statements["DataKey"]["Resource"] == {"Fn::GetAtt": ["DataKey", "Arn"]}
    assert {r.get("Fn::Sub") for r in api_statements["Evidence"]["Resource"]} == {
        "${EvidenceBucket.Arn}/evidence/*", "${EvidenceBucket.Arn}/registry-photos/*"}
    assert not {"dynamodb:Scan", "dynamodb:DeleteTable", "dynamodb:BatchWriteItem"} & set(
        api_statements["Tables"]["Action"])
    # SMS by SNS only where SNS can send (not the China regions): conditional on the parameter
    sms = [s for s in template["Resources"]["DefaultRole"]["Properties"]["Policies"][0]
           ["PolicyDocument"]["Statement"] if "Fn::If" in s]
    assert sms and sms[0]["Fn::If"][0] == "UsesSnsSms"
    assert template["Parameters"]["SmsProvider"]["Default"] == "aliyun"


def test_every_arn_names_the_partition(template):
    text = json.dumps({"Resources": template["Resources"], "Outputs": template["Outputs"]})
    arns = re.findall(r'"(arn:[^"]*)"', text)
    assert arns
    for arn in arns:
        assert arn.startswith("arn:${AWS::Partition}:"), arn
    # hosts by ${AWS::URLSuffix} (amazonaws.com.cn in China), never spelled out
    assert "amazonaws.com.cn" not in text and "arn:aws" not in text


def test_the_default_region_is_ningxia():
    assert infra_template.DEFAULT_REGION == "cn-northwest-1"
    assert Settings.model_fields["aws_region"].default == "cn-northwest-1"
    makefile = (REPO / "Makefile").read_text()
    assert re.search(r"^AWS_REGION\s+\?=\s*cn-northwest-1$", makefile, re.MULTILINE)


# --- functions, secret, API ---------------------------------------------------------------------


def test_the_vision_function_is_a_container_image(template):
    vision = template["Resources"]["VisionFunction"]
    assert vision["Type"] == "AWS::Serverless::Function"
    properties = vision["Properties"]
    assert properties["PackageType"] == "Image"
    assert properties["ImageUri"] == {"Ref": "VisionImageUri"}
    assert "Runtime" not in properties and "Layers" not in properties and "CodeUri" not in properties
    dockerfile = (REPO / "infra" / "vision.Dockerfile").read_text()
    assert re.search(r"^FROM public\.ecr\.aws/lambda/python:3\.12$", dockerfile, re.MULTILINE)
    assert 'CMD ["vision.handler.lambda_handler"]' in dockerfile
    assert "COPY .cache/vision/models/ /opt/models/" in dockerfile  # vision.models.LAYER_MODEL_DIR


def test_the_api_function_is_configured_for_the_deployed_stage(template):
    properties = template["Resources"]["APIHandler"]["Properties"]
    env = properties["Environment"]["Variables"]
    assert env["PC_STAGE"] == "prod"
    assert env["PC_VISION_MODE"] == "lambda"
    assert env["PC_VISION_FUNCTION_NAME"] == template["Resources"]["VisionFunction"]["Properties"]["FunctionName"]
    assert env["PC_SECRETS_ID"] == {"Ref": "AppSecret"}
    assert env["PC_EVIDENCE_BUCKET"] == {"Ref": "EvidenceBucket"}
    assert env["PC_TABLE_PREFIX"] == "pc-prod-"
    assert env["PC_AWS_REGION"] == {"Ref": "AWS::Region"}
    assert "PC_AWS_ENDPOINT_URL" not in env
    assert not {"PC_TOKEN_SECRET", "PC_PII_KEY", "PC_ADMIN_SECRET", "PC_ALIYUN_ACCESS_KEY_SECRET"} & set(env)
    assert properties["KmsKeyArn"] == {"Fn::GetAtt": ["DataKey", "Arn"]}
    assert properties["Runtime"] == "python3.11"


def test_every_function_writes_only_its_own_log_group_made_before_it(template):
    """infra/stack.lambda_function's contract, and the API function's (Chalice declares it)."""
    functions = resources_of(template, "AWS::Serverless::Function")
    assert len(functions) >= 6
    roles = [function["Properties"]["Role"]["Fn::GetAtt"][0] for function in functions.values()]
    assert len(set(roles)) == len(roles)  # no two functions share a role
    groups = resources_of(template, "AWS::Logs::LogGroup")
    for name, function in functions.items():
        (group,) = function["DependsOn"]
        assert groups[group]["Properties"]["LogGroupName"] == f"/aws/lambda/{function['Properties']['FunctionName']}"
        role = function["Properties"]["Role"]["Fn::GetAtt"][0]
        writes = [s for r, s in role_statements(template) if r == role and "logs:PutLogEvents" in as_list(s["Action"])]
        assert writes == [{"Sid": "WriteOwnLogs", "Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                           "Resource": {"Fn::Sub": f"${{{group}.Arn}}"}}], name


def test_secrets_come_from_secrets_manager_generated_and_encrypted_with_the_key(template):
    secrets = resources_of(template, "AWS::SecretsManager::Secret")
    assert secrets
    for name, secret in secrets.items():
        assert secret["Properties"]["KmsKeyId"] == {"Ref": "DataKey"}, name
        assert "SecretString" not in secret["Properties"], name  # generated, never in the template
    app = secrets["AppSecret"]["Properties"]["GenerateSecretString"]
    assert app["GenerateStringKey"] == "token_secret"
    keys = set(json.loads(re.sub(r"\$\{[^}]+\}|\{\{resolve:[^}]+\}\}", "", app["SecretStringTemplate"]["Fn::Sub"])))
    assert {"pii_key", "aliyun_access_key_id", "aliyun_access_key_secret"} <= keys
    assert set(infra_template.generated_secret_keys()) >= {"token_secret", "pii_key"}
    for name in infra_template.generated_secret_keys()[1:]:
        assert f":SecretString:{name}}}}}" in app["SecretStringTemplate"]["Fn::Sub"]
    for parameter in ("AliyunAccessKeyId", "AliyunAccessKeySecret"):
        assert template["Parameters"][parameter]["NoEcho"] is True


def test_every_generated_secret_is_long_enough_for_the_session_tokens(template):
    """PasswordLength counts characters, one byte each without punctuation: the token secret gets
    at least settings.MIN_TOKEN_SECRET_BYTES, and the PII key, admin secret and authority key more
    than the 32 bytes their HMAC-SHA256 / AES-256 need."""
    for name, secret in resources_of(template, "AWS::SecretsManager::Secret").items():
        generated = secret["Properties"]["GenerateSecretString"]
        assert generated["PasswordLength"] >= MIN_TOKEN_SECRET_BYTES, name


def test_api_gateway_answers_in_the_contracts_error_shape(template):
    api = template["Resources"]["RestAPI"]["Properties"]
    assert api["EndpointConfiguration"] == "REGIONAL"  # no edge-optimized endpoints in China
    responses = api["GatewayResponses"]
    assert {"DEFAULT_4XX", "DEFAULT_5XX", "MISSING_AUTHENTICATION_TOKEN"} <= set(responses)
    assert responses["MISSING_AUTHENTICATION_TOKEN"]["StatusCode"] == "404"
    for kind, response in responses.items():
        body = json.loads(response["ResponseTemplates"]["application/json"])
        assert set(body["error"]) == {"code", "message"}, kind
        assert re.search(r"[\u4e00-\u9fff]", body["error"]["message"]), kind
    missing = json.loads(responses["MISSING_AUTHENTICATION_TOKEN"]["ResponseTemplates"]["application/json"])
    assert missing["error"] == {"code": "ROUTE_NOT_FOUND", "message": ErrorCode.ROUTE_NOT_FOUND.message}


def test_logs_are_kept_a_year_and_encrypted(template):
    groups = resources_of(template, "AWS::Logs::LogGroup")
    assert {g["Properties"]["LogGroupName"] for g in groups.values()} >= {
        "/aws/lambda/pc-prod-api", "/aws/lambda/pc-prod-vision"}
    for group in groups.values():
        assert group["Properties"]["RetentionInDays"] >= 180
        assert group["Properties"]["KmsKeyId"] == {"Fn::GetAtt": ["DataKey", "Arn"]}


def test_the_services_read_every_value_the_secret_holds(template):
    """The secret as CloudFormation will fill it, read by the same code the API runs at start."""
    app = template["Resources"]["AppSecret"]["Properties"]["GenerateSecretString"]
    shape = re.sub(r"\$\{([A-Za-z]+)\}", r"param-\1", app["SecretStringTemplate"]["Fn::Sub"])
    shape = re.sub(r"\{\{resolve:secretsmanager:[^}]+:SecretString:([a-z_]+)\}\}", r"generated-\1", shape)
    token = "generated-token-".ljust(MIN_TOKEN_SECRET_BYTES, "x")  # settings refuse a shorter one
    values = {**json.loads(shape), app["GenerateStringKey"]: token}
    unset = {name: None for name, field in Settings.model_fields.items() if "SecretStr" in str(field.annotation)}
    settings = Settings(_env_file=None, stage="prod", secrets_id="arn:secret",
                        aliyun_access_key_id=None, **unset)  # not the local stage's environment
    settings.load_secrets(lambda secret_id: json.dumps(values))
    assert settings.token_secret.get_secret_value() == token
    assert settings.pii_key.get_secret_value() == "generated-pii_key"
    assert settings.aliyun_access_key_id == "param-AliyunAccessKeyId"
    assert settings.aliyun_access_key_secret.get_secret_value() == "param-AliyunAccessKeySecret"
    if "admin_secret" in Settings.model_fields:
        assert settings.admin_secret.get_secret_value() == "generated-admin_secret"


# --- the mobile web client (infra/h5_site.py) ---------------------------------------------------


def test_h5_files_are_private_and_read_only_by_this_distribution(template):
    bucket = template["Resources"]["H5Bucket"]["Properties"]
    assert all(bucket["PublicAccessBlockConfiguration"].values())
    statements = {s["Sid"]: s for s in template["Resources"]["H5BucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]}
    read = statements["CloudFrontReadsThroughItsIdentity"]
    assert read["Action"] == "s3:GetObject"
    assert read["Principal"] == {"CanonicalUser": {"Fn::GetAtt": ["H5OriginAccessIdentity", "S3CanonicalUserId"]}}
    origin = template["Resources"]["H5Distribution"]["Properties"]["DistributionConfig"]["Origins"][0]
    assert "${H5OriginAccessIdentity}" in origin["S3OriginConfig"]["OriginAccessIdentity"]["Fn::Sub"]
    assert statements["DenyPlainHttp"]["Effect"] == "Deny"


def test_h5_is_https_only_with_the_local_servers_csp_and_hsts(template):
    from infra.h5_site import local_security_headers

    config = template["Resources"]["H5Distribution"]["Properties"]["DistributionConfig"]
    assert config["ViewerCertificate"]["MinimumProtocolVersion"] == "TLSv1.2_2021"
    assert config["DefaultCacheBehavior"]["ViewerProtocolPolicy"] == "redirect-to-https"
    security = template["Resources"]["H5SecurityHeaders"]["Properties"]["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]
    assert security["ContentSecurityPolicy"]["ContentSecurityPolicy"] == local_security_headers()["Content-Security-Policy"]
    assert "'unsafe-inline'" not in security["ContentSecurityPolicy"]["ContentSecurityPolicy"]
    assert security["StrictTransportSecurity"]["AccessControlMaxAgeSec"] >= 31_536_000
    for behaviour in [config["DefaultCacheBehavior"], *config["CacheBehaviors"]]:
        assert behaviour["ResponseHeadersPolicyId"] == {"Ref": "H5SecurityHeaders"}


def test_the_api_is_reached_from_the_page_on_its_own_origin_uncached_and_without_cors(template):
    config = template["Resources"]["H5Distribution"]["Properties"]["DistributionConfig"]
    (api,) = [b for b in config["CacheBehaviors"] if b["PathPattern"] == "/api/*"]
    origin = {o["Id"]: o for o in config["Origins"]}[api["TargetOriginId"]]
    assert "${RestAPI}.execute-api" in origin["DomainName"]["Fn::Sub"]
    assert origin["CustomOriginConfig"]["OriginProtocolPolicy"] == "https-only"
    assert api["MaxTTL"] == api["DefaultTTL"] == 0 and "Authorization" in api["ForwardedValues"]["Headers"]
    assert "Access-Control-Allow-Origin" not in json.dumps(template)  # no other origin is ever allowed


# --- the agency admin (infra/admin_site.py) ---------------------------------------------------


def test_the_admin_is_reachable_only_from_the_agencies_networks(template):
    api = template["Resources"]["AdminApi"]["Properties"]
    allow, deny = api["Policy"]["Statement"]
    assert allow["Effect"] == "Allow" and deny["Effect"] == "Deny"
    assert deny["Principal"] == "*" and deny["Resource"] == allow["Resource"] == "execute-api:/*"
    assert deny["Condition"] == {"NotIpAddress": {"aws:SourceIp": {"Ref": "AdminAllowedCidrs"}}}
    assert template["Parameters"]["AdminAllowedCidrs"]["Type"] == "CommaDelimitedList"
    assert "Default" not in template["Parameters"]["AdminAllowedCidrs"]  # each deployment names its own


def test_the_admin_is_https_only_on_its_own_domain(template):
    resources = template["Resources"]
    assert resources["AdminApi"]["Properties"]["DisableExecuteApiEndpoint"] is True
    domain = resources["AdminDomain"]["Properties"]
    assert domain["SecurityPolicy"] == "TLS_1_2" and domain["EndpointConfiguration"] == {"Types": ["REGIONAL"]}
    assert resources["AdminBasePathMapping"]["Properties"]["RestApiId"] == {"Ref": "AdminApi"}
    assert template["Outputs"]["AdminUrl"]["Value"] == {"Fn::Sub": "https://${AdminDomainName}/"}


def test_the_admin_runs_its_wsgi_handler_with_the_secret_from_the_secret_store(template):
    import importlib

    function = template["Resources"]["AdminFunction"]["Properties"]
    assert function["PackageType"] == "Image" and function["ImageUri"] == {"Ref": "AdminImageUri"}
    module, attribute = function["ImageConfig"]["Command"][0].rsplit(".", 1)
    assert module == "admin_dash.wsgi" and callable(getattr(importlib.import_module(module), attribute))
    variables = function["Environment"]["Variables"]
    assert variables["PC_SECRETS_ID"] == {"Ref": "AppSecret"} and variables["PC_STAGE"] == "prod"
    assert not {"PC_ADMIN_SECRET", "PC_TOKEN_SECRET", "PC_PII_KEY"} & set(variables)
    assert function["KmsKeyArn"] == {"Fn::GetAtt": ["DataKey", "Arn"]}
    statements = {s["Sid"]: s for r, s in role_statements(template) if r == "AdminRole"}
    assert statements["AppSecret"]["Resource"] == {"Ref": "AppSecret"}
    assert function["Role"] == {"Fn::GetAtt": ["AdminRole", "Arn"]}
    assert "admin_secret" in infra_template.generated_secret_keys()


def test_the_admin_api_invokes_only_the_admin_function(template):
    resources = template["Resources"]
    permission = resources["AdminInvokePermission"]["Properties"]
    assert permission["FunctionName"] == {"Ref": "AdminFunction"}
    assert permission["SourceArn"]["Fn::Sub"].endswith(":${AdminApi}/*")
    for method in ("AdminRootMethod", "AdminProxyMethod"):
        integration = resources[method]["Properties"]["Integration"]
        assert integration["Type"] == "AWS_PROXY" and "${AdminFunction.Arn}" in integration["Uri"]["Fn::Sub"]


def test_staff_sessions_expire_by_ttl(template):
    tables = {r["Properties"]["TableName"]: r["Properties"]
              for r in resources_of(template, "AWS::DynamoDB::Table").values()}
    assert tables["pc-prod-staff-sessions"]["TimeToLiveSpecification"] == {
        "AttributeName": "expires_at", "Enabled": True}
