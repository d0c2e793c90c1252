"""The agency admin deployed: its WSGI app (admin_dash/wsgi.py ``handler``) as a Lambda function
from a container image, behind a REST API of its own that only the agencies' networks can reach.

Why API Gateway + Lambda and not a container service: the admin serves dozens of staff in office
hours (a few thousand requests a day), which costs cents on Lambda and nothing at night, while
the smallest always-on container with a load balancer costs a fixed monthly amount
(docs/costs.md) and adds a VPC, subnets and a NAT to run. The image, not a zip: Dash, plotly and
pandas with numpy are ~200 MB unzipped, close to Lambda's 250 MB zip limit.

- HTTPS only: API Gateway has no plain-HTTP listener; the API is reached on an ICP-filed custom
  domain with TLS 1.2 at least, and its execute-api endpoint is switched off.
- Agencies' network only: the API's resource policy denies every caller whose source address is
  outside ``AdminAllowedCidrs`` (a parameter: the agencies' egress ranges or their VPN's).
- The secret: ``admin_secret`` is generated into the app secret (template.secret_resources) and
  read from Secrets Manager at start (PC_SECRETS_ID), like the API's.
- Session cookies are Secure outside the local stage (admin_dash/app.py), HSTS is sent.
"""
from __future__ import annotations

import json
from typing import Any

from infra import notices_site
from infra.stack import (
    BUCKET,
    app_secret_statement,
    data_key_statement,
    from_image,
    lambda_function,
    log_group,
    skip,
    sub,
    table_statements,
)
from pensioncert.dal.evidence import EVIDENCE_PREFIX, REGISTRY_PHOTO_PREFIX
from pensioncert.dal.staff_photos import STAFF_PHOTO_PREFIX
from pensioncert.settings import Settings

ADMIN_FUNCTION = "AdminFunction"
ADMIN_API = "AdminApi"
ADMIN_STAGE = "admin"
# 1024 MB: building the Dash app and a page's callbacks take ~0.3 s of CPU on one core here; a
# registry zip upload models photos through the vision function, not in this one.
ADMIN_MEMORY_MB = 1024
ADMIN_TIMEOUT_S = 29  # API Gateway's integration timeout: a longer run would be answered 504 anyway

# What the admin's services do to DynamoDB: the API's actions plus Scan (the staff list, dozens
# of items) and BatchGetItem (registry lookups of a whole import).
ADMIN_TABLE_ACTIONS = ["dynamodb:BatchGetItem", "dynamodb:ConditionCheckItem", "dynamodb:DeleteItem",
                       "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query", "dynamodb:Scan",
                       "dynamodb:UpdateItem"]


def parameters() -> dict[str, Any]:
    return {
        "AdminImageUri": {"Type": "String", "Description": (
            "ECR image of the agency admin (infra/admin.Dockerfile), "
            "e.g. ACCOUNT.dkr.ecr.cn-northwest-1.amazonaws.com.cn/pensioncert-admin:TAG")},
        "AdminAllowedCidrs": {"Type": "CommaDelimitedList", "Description": (
            "The agencies' networks (their egress or VPN ranges), e.g. 203.0.113.0/24,198.51.100.0/24: "
            "every other source address is refused by the admin API's resource policy")},
        "AdminDomainName": {"Type": "String", "Description": (
            "ICP-filed domain of the admin, e.g. jbgl.example.gov.cn (the only way to reach it)")},
        "AdminCertificateArn": {"Type": "String", "Description": (
            "ACM certificate (imported) in this region for AdminDomainName")},
        "AdminReservedConcurrency": {"Type": "Number", "Default": 20, "MinValue": 1},
    }


def resources(settings: Settings, *, environment: dict, vision_function: str) -> dict[str, Any]:
    """``environment``: the API function's variables (the same settings); ``vision_function``: the
    vision function's logical id (template.py)."""
    stage = settings.stage
    invoke_arn = sub(f"arn:${{AWS::Partition}}:apigateway:${{AWS::Region}}:lambda:path/2015-03-31/"
                      f"functions/${{{ADMIN_FUNCTION}.Arn}}/invocations")
    integration = {"Type": "AWS_PROXY", "IntegrationHttpMethod": "POST", "Uri": invoke_arn}
    open_method_skip = skip(
        ("CKV_AWS_59", "Staff authenticate in the app itself (argon2id password, server-side "
         "session, CSRF); API Gateway lets through only the agencies' networks by the API's "
         "resource policy (AdminAllowedCidrs). The login page must be reachable without a token."))
    return {
        **lambda_function(
            ADMIN_FUNCTION, settings, "admin", code=from_image("AdminImageUri"),
            ImageConfig={"Command": ["admin_dash.wsgi.handler"]},
            memory_mb=ADMIN_MEMORY_MB, timeout_s=ADMIN_TIMEOUT_S,
            concurrency={"Ref": "AdminReservedConcurrency"}, environment=environment,
            statements=[
                *table_statements(settings, ADMIN_TABLE_ACTIONS),
                {"Sid": "EvidenceAndPhotos", "Effect": "Allow", "Action": ["s3:PutObject", "s3:GetObject"],
                 "Resource": [sub(f"${{{BUCKET}.Arn}}/{prefix}*") for prefix in
                              (EVIDENCE_PREFIX, REGISTRY_PHOTO_PREFIX, STAFF_PHOTO_PREFIX)]},
                notices_site.producer_statement(),  # the reference-photo notice
                data_key_statement("kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"),
                {"Sid": "InvokeVision", "Effect": "Allow", "Action": "lambda:InvokeFunction",
                 "Resource": {"Fn::GetAtt": [vision_function, "Arn"]}},
                app_secret_statement(),
            ],
            no_dead_letter_queue="Invoked synchronously by its API Gateway only; a dead-letter "
                                 "queue only receives failed asynchronous invocations.",
            no_vpc="Reaches only AWS regional endpoints (DynamoDB, S3, Secrets Manager, the vision "
                   "function); a VPC would add endpoints or a NAT and cold-start cost for no isolation gain.",
        ),
        ADMIN_API: {
            "Type": "AWS::ApiGateway::RestApi",
            "Properties": {
                "Name": f"pensioncert-{stage}-admin",
                "Description": "pensioncert agency admin (Dash), agencies' networks only",
                "EndpointConfiguration": {"Types": ["REGIONAL"]},
                "DisableExecuteApiEndpoint": True,  # only the TLS 1.2 custom domain
                "BinaryMediaTypes": ["*/*"],  # uploads and images pass as they are (apig-wsgi)
                "Policy": {"Version": "2012-10-17", "Statement": [
                    {"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke",
                     "Resource": "execute-api:/*"},
                    {"Effect": "Deny", "Principal": "*", "Action": "execute-api:Invoke",
                     "Resource": "execute-api:/*",
                     "Condition": {"NotIpAddress": {"aws:SourceIp": {"Ref": "AdminAllowedCidrs"}}}},
                ]},
            },
        },
        "AdminProxyResource": {
            "Type": "AWS::ApiGateway::Resource",
            "Properties": {"RestApiId": {"Ref": ADMIN_API}, "PathPart": "{proxy+}",
                           "ParentId": {"Fn::GetAtt": [ADMIN_API, "RootResourceId"]}},
        },
        "AdminRootMethod": {
            "Type": "AWS::ApiGateway::Method",
            "Metadata": open_method_skip,
            "Properties": {"RestApiId": {"Ref": ADMIN_API}, "HttpMethod": "ANY",
                           "ResourceId": {"Fn::GetAtt": [ADMIN_API, "RootResourceId"]},
                           "AuthorizationType": "NONE", "Integration": integration},
        },
        "AdminProxyMethod": {
            "Type": "AWS::ApiGateway::Method",
            "Metadata": open_method_skip,
            "Properties": {"RestApiId": {"Ref": ADMIN_API}, "HttpMethod": "ANY",
                           "ResourceId": {"Ref": "AdminProxyResource"},
                           "AuthorizationType": "NONE", "Integration": integration},
        },
        "AdminDeployment": {
            "Type": "AWS::ApiGateway::Deployment",
            "DependsOn": ["AdminRootMethod", "AdminProxyMethod"],
            "Properties": {"RestApiId": {"Ref": ADMIN_API}},
        },
        "AdminAccessLogGroup": log_group(f"/aws/apigateway/pensioncert-{stage}-admin"),
        "AdminStage": {
            "Type": "AWS::ApiGateway::Stage",
            "Metadata": skip(
                ("CKV_AWS_120", "Every page and callback answer is per staff member and marked "
                 "no-store; caching would show one member's data to another."),
            ),
            "Properties": {
                "RestApiId": {"Ref": ADMIN_API},
                "DeploymentId": {"Ref": "AdminDeployment"},
                "StageName": ADMIN_STAGE,
                "TracingEnabled": True,
                "AccessLogSetting": {
                    "DestinationArn": {"Fn::GetAtt": ["AdminAccessLogGroup", "Arn"]},
                    "Format": json.dumps({
                        "requestId": "$context.requestId", "ip": "$context.identity.sourceIp",
                        "method": "$context.httpMethod", "path": "$context.path",
                        "status": "$context.status", "latencyMs": "$context.responseLatency",
                        "time": "$context.requestTimeEpoch"}),
                },
                "MethodSettings": [{"ResourcePath": "/*", "HttpMethod": "*", "MetricsEnabled": True,
                                    "ThrottlingBurstLimit": 100, "ThrottlingRateLimit": 50}],
            },
        },
        "AdminInvokePermission": {
            "Type": "AWS::Lambda::Permission",
            "Properties": {
                "Action": "lambda:InvokeFunction",
                "FunctionName": {"Ref": ADMIN_FUNCTION},
                "Principal": "apigateway.amazonaws.com",
                "SourceArn": sub(f"arn:${{AWS::Partition}}:execute-api:${{AWS::Region}}:${{AWS::AccountId}}:"
                                  f"${{{ADMIN_API}}}/*"),
            },
        },
        "AdminDomain": {
            "Type": "AWS::ApiGateway::DomainName",
            "Properties": {
                "DomainName": {"Ref": "AdminDomainName"},
                "RegionalCertificateArn": {"Ref": "AdminCertificateArn"},
                "EndpointConfiguration": {"Types": ["REGIONAL"]},
                "SecurityPolicy": "TLS_1_2",
            },
        },
        "AdminBasePathMapping": {
            "Type": "AWS::ApiGateway::BasePathMapping",
            "Properties": {"DomainName": {"Ref": "AdminDomain"}, "RestApiId": {"Ref": ADMIN_API},
                           "Stage": {"Ref": "AdminStage"}},
        },
    }


def outputs() -> dict[str, Any]:
    return {
        "AdminUrl": {"Value": sub("https://${AdminDomainName}/")},
        "AdminDomainTarget": {"Description": "CNAME the admin's domain to this",
                              "Value": {"Fn::GetAtt": ["AdminDomain", "RegionalDomainName"]}},
    }
