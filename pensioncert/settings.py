"""All configuration, read from the environment (prefix ``PC_``) in this one place.

Nothing reads the environment at import time: ``get_settings()`` builds the object on first use,
so tests and the local stack can set variables first, and ``reset_settings()`` re-reads them.
"""
from __future__ import annotations

import functools
import json
import os
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from pensioncert import labels

# The session tokens' HMAC key, in bytes: at least the hash's output, as RFC 7518 (3.2) asks, for
# HS512 (64), so that no algorithm PyJWT offers for the key is weakened by it (HS256 needs 32).
MIN_TOKEN_SECRET_BYTES = 64


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PC_", extra="ignore")

    stage: str = "local"
    aws_region: str = "cn-northwest-1"
    # Set for the emulator (moto server); None on AWS, where boto3 finds the regional endpoint.
    aws_endpoint_url: str | None = None
    table_prefix: str = ""
    evidence_bucket: str = ""

    api_host: str = "127.0.0.1"
    api_port: int = 8000
    emulator_port: int = 5000
    admin_port: int = 8050
    # The mobile web client (h5/): static files, and /api/* proxied to the API (same origin).
    h5_port: int = 8080

    # Secrets. In the local stage `make run` generates fresh random ones per start; in deployed
    # stages they come from Secrets Manager (secrets_id), never from code.
    token_secret: SecretStr | None = None
    pii_key: SecretStr | None = None
    # Signs the agency admin's session cookie (admin_dash); only the admin needs it.
    admin_secret: SecretStr | None = None
    secrets_id: str | None = None

    evidence_retention_days: int = 90
    # Local stage only (localstage/local_state.py): how often `make run` snapshots its data.
    local_snapshot_interval_seconds: float = 30.0

    token_ttl_seconds: int = 2 * 3600
    # The contract's 6 MB: a synchronous Lambda invoke carries 6 MiB (6,291,456 bytes) of event,
    # and API Gateway's envelope (headers, request context) needs some of it. Bodies are JSON text
    # (no binary types), so base64 images count once, as the characters they are.
    max_body_bytes: int = 6_000_000

    captcha_ttl_seconds: int = 300
    sms_code_ttl_seconds: int = 300
    sms_resend_seconds: int = 60
    sms_daily_limit: int = 10
    sms_max_wrong_tries: int = 5

    lock_max_failures: int = 3
    lock_hours: int = 24
    # Unsuccessful card logins one client address may make in any rolling hour, across all ID
    # numbers (then 429, no card counted): a family logging in two or three elders with a typo
    # each stays far below; one address can lock at most 10 // 3 = 3 cards an hour.
    card_login_failures_per_client_hour: int = 10
    # The same for phone logins (logic/address_gate.py): 10 unsuccessful logins an hour lock at
    # most 3 phones from one address; past it each phone still gets one uncounted try an hour from
    # that address, so a neighbour on the same carrier address logs in with the right password.
    phone_login_failures_per_client_hour: int = 10
    # Captchas one address may draw in a rolling hour (POST /auth/captcha): registering or resetting
    # takes one or two; 30 leaves room for a family or a service counter, not for a harvest.
    captcha_issues_per_client_hour: int = 30

    # Agency admin: a staff session lasts one working day at most.
    admin_session_hours: int = 8
    # Staff login (admin/staff.py): no lock an outsider can trigger. A staff account asks for a
    # captcha from its 3rd consecutive wrong password; from the 5th each failure makes the next
    # try wait 1, 2, 4, 8 then at most 15 minutes. One client address may fail 30 staff logins
    # in a rolling hour (then 429 for that address only): an agency's office reaches the admin
    # from one egress address, so the limit leaves room for a floor's typos while one address
    # tests at most 30 passwords an hour (each after a captcha from its 3rd failure); the worst
    # an outsider who solves captchas can do to an account is a 15-minute wait.
    staff_captcha_after_failures: int = 3
    staff_backoff_after_failures: int = 5
    staff_backoff_first_seconds: int = 60
    staff_backoff_max_seconds: int = 900
    staff_login_failures_per_client_hour: int = 30

    # argon2id at OWASP's minimum recommended cost (m=19 MiB, t=2, p=1): ~19 ms a verify on one
    # core here, against ~115-160 ms for the library default (64 MiB, t=3, p=4), which would
    # dominate login latency and Lambda memory for no gain over the lockout that already caps
    # online guessing at 3 tries a day.
    argon2_time_cost: int = 2
    argon2_memory_kib: int = 19456
    argon2_parallelism: int = 1

    # Certification.
    liveness_session_ttl_seconds: int = 180
    liveness_min_challenges: int = 2
    # Failed self-service attempts a subject gets in a year before every answer points to a home
    # visit (the seed: those who cannot pass by app are visited at home).
    yearly_failed_attempts_limit: int = 5
    # Liveness sessions opened per Beijing calendar day (contract v1.2 429 SESSION_LIMIT, issue 18:
    # re-rolling the draw costs something), counted apart for certification and real-name binding.
    # A retiree has 5 counted failures a year; refusals that do not count (dark, blurred, no face)
    # and sessions left to expire (180 s) still open one each, so 10 a day per subject is twice a
    # whole year's failures in one sitting and one honest morning never meets it. Per account 20: a
    # relative certifying two parents at their full caps, or themselves and a parent.
    liveness_sessions_per_subject_per_day: int = 10
    liveness_sessions_per_account_per_day: int = 20
    # Real-name binding: failed completions an account gets per rolling 24 hours (contract v1.1).
    real_name_failures_per_day: int = 5
    # Human review (人工复核) of a failed face check: staff answer within this many working days
    # (Saturdays and Sundays skipped; public holidays are not modelled) of the request.
    review_working_days: int = 5
    # Contacts (contract v1.1): add attempts per account per rolling 24 hours (refused ones count,
    # a delete gives none back), and contacts per account. Scarce adds keep the grey-button
    # reasons from being an ID-number lookup service.
    contact_adds_per_day: int = 5
    max_contacts: int = 10
    # Payment policy (one named place; the seed's rule is once per calendar year): a recipient not
    # yet certified this year is warned this many days before the year's end, and suspended once a
    # whole calendar year has passed without a certification.
    payment_warning_days: int = 60
    # Reminders (pensioncert/jobs/reminders.py): SMS to recipients not yet certified this many
    # days before the due date, at most one per person per point (issue 13; JSON list in PC_REMINDER_DAYS).
    reminder_days: tuple[int, ...] = (60, 30, 7)
    # Notice SMS (reminders, "you were added", a reference photo changed) go through this SQS queue
    # (pensioncert/sms/queue.py; deployed: the template's queue; local: made on the emulator) to
    # its consumer (pensioncert/jobs/notices.py), which sends at most this many a second each.
    notice_queue_name: str = "notice-sms"
    notice_sends_per_second: float = Field(default=5.0, gt=0)
    # "in_process" imports the vision package (local stage); "lambda" invokes the vision function.
    vision_mode: Literal["in_process", "lambda"] = "in_process"
    vision_function_name: str = ""
    # The worker processes that embed a registry file's photos (`make import`; logic/import_photos.py):
    # 0 is one per core this process may run on; 1 embeds in the importing process.
    import_photo_workers: int = Field(default=0, ge=0)

    # Identity authority (pensioncert/identity): the face comparison against the authority's photo
    # of an ID number, for retirees without a registry or staff photo. "none": no authority;
    # "http": the signed JSON protocol (identity/http_json.py) at identity_authority_url, which the
    # local stage's fake authority speaks and a province's gateway implements (readme_trust.md).
    identity_authority: Literal["none", "http"] = "none"
    identity_authority_url: str = ""
    identity_authority_key: SecretStr | None = None
    identity_authority_timeout_seconds: float = 5.0
    # The authority's score (on the adapter's [0, 1] scale) at or above which a face is the ID's
    # holder: agreed with the authority for its engine. The fake authority scores with the vision
    # layer's own similarity, whose published operating point is 0.5 (vision/matching.py).
    identity_authority_pass_score: float = 0.5
    # Life-event feeds' source systems and their HMAC keys ({"source": "key"}, JSON in
    # PC_FEED_SOURCE_KEYS): a feed signed with its source's key applies without a second operator
    # (rules/four_eyes.py). Deployed, from the stage's secret like the other keys.
    feed_source_keys: dict[str, str] = Field(default_factory=dict)
    # The local stage's fake authority (localstage/fake_authority.py).
    fake_authority_port: int = 8070

    sms_provider: Literal["sns", "aliyun", "auto"] = "auto"
    sms_sign_name: str = labels.SMS_SIGN_NAME
    aliyun_endpoint: str = "dysmsapi.aliyuncs.com"
    aliyun_access_key_id: str | None = None
    aliyun_access_key_secret: SecretStr | None = None
    # Mainland gateways send pre-approved templates only: one template code per purpose.
    aliyun_templates: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _derive_names(self) -> Settings:
        if not self.table_prefix:
            self.table_prefix = f"pc-{self.stage}-"
        if not self.evidence_bucket:
            self.evidence_bucket = f"pc-{self.stage}-evidence"
        return self

    @model_validator(mode="after")
    def _refuse_short_token_secret(self) -> Settings:
        refuse_short_token_secret(self.token_secret)
        return self

    @property
    def is_local(self) -> bool:
        return self.stage == "local"

    @property
    def resolved_sms_provider(self) -> str:
        """SNS cannot send SMS from the China regions, so there a mainland gateway is the default."""
        if self.sms_provider != "auto":
            return self.sms_provider
        if self.aws_endpoint_url is None and self.aws_region.startswith("cn-"):
            return "aliyun"
        return "sns"

    def load_secrets(self, fetch) -> None:
        """Fill missing secrets from the secret store; ``fetch(secret_id) -> str`` (JSON)."""
        if self.token_secret and self.pii_key and (self.admin_secret or not self.secrets_id):
            return
        if not self.secrets_id:
            raise RuntimeError("PC_TOKEN_SECRET/PC_PII_KEY are not set and PC_SECRETS_ID names no secret")
        values = json.loads(fetch(self.secrets_id))
        self.token_secret = self.token_secret or SecretStr(values["token_secret"])
        refuse_short_token_secret(self.token_secret)
        self.pii_key = self.pii_key or SecretStr(values["pii_key"])
        if not self.admin_secret and values.get("admin_secret"):
            self.admin_secret = SecretStr(values["admin_secret"])
        if not self.identity_authority_key and values.get("identity_authority_key"):
            self.identity_authority_key = SecretStr(values["identity_authority_key"])
        # The mainland SMS gateway's key lives in the same secret (infra/template.py puts it there).
        self.aliyun_access_key_id = self.aliyun_access_key_id or values.get("aliyun_access_key_id") or None
        if not self.aliyun_access_key_secret and values.get("aliyun_access_key_secret"):
            self.aliyun_access_key_secret = SecretStr(values["aliyun_access_key_secret"])


def refuse_short_token_secret(secret: SecretStr | None) -> None:
    size = None if secret is None else len(secret.get_secret_value().encode())
    if size is not None and size < MIN_TOKEN_SECRET_BYTES:
        raise ValueError(
            f"the token secret (PC_TOKEN_SECRET, or token_secret in the secret store) is {size} bytes; "
            f"session tokens need a random one of at least {MIN_TOKEN_SECRET_BYTES} bytes (e.g. "
            f"python -c 'import secrets; print(secrets.token_urlsafe({MIN_TOKEN_SECRET_BYTES}))')")


@functools.cache
def get_settings() -> Settings:
    return Settings()


def reset_settings() -> None:
    get_settings.cache_clear()


def running_stack_file() -> Path:
    """Where `make run` (localstage/devstack.py) writes its environment for the commands run beside it."""
    default = Path(__file__).resolve().parent.parent / ".cache" / "devstack.json"
    return Path(os.environ.get("PC_DEVSTACK_STATE", default))


def adopt_running_stack() -> None:
    """For a command run beside `make run` (make import, make admin, python -m pensioncert.jobs): take
    the environment that stack wrote, so that it reaches the same emulator with the same keys. A
    process that has a stage's settings already (PC_PII_KEY), or finds no such file (every deployed
    stage), is left as it is: the local stage passes its settings in, the domain imports nothing of it."""
    state = running_stack_file()
    if "PC_PII_KEY" in os.environ or not state.exists():
        return
    os.environ.update(json.loads(state.read_text())["environment"])
