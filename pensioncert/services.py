"""What the use cases need from the outside world, built once per process from settings.

A Lambda container builds it on its first request and reuses it; tests replace parts of it
(``use_clock``) or build it afresh after changing settings (``reset_services``).
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import boto3

from pensioncert.clock import Clock, SystemClock
from pensioncert.dal.accounts import PynamoDbAccounts
from pensioncert.dal.binding import bind_tables
from pensioncert.dal.confirmations import PynamoDbConfirmations
from pensioncert.dal.contacts import PynamoDbContacts
from pensioncert.dal.home_visits import PynamoDbHomeVisits
from pensioncert.dal.liveness_sessions import PynamoDbSessions
from pensioncert.dal.reviews import PynamoDbReviews
from pensioncert.dal.staff import PynamoDbStaff
from pensioncert.pii import PiiVault
from pensioncert.repositories.accounts import AccountRepository
from pensioncert.repositories.confirmations import ConfirmationRepository
from pensioncert.repositories.contacts import ContactRepository
from pensioncert.repositories.home_visits import HomeVisitRepository
from pensioncert.repositories.liveness_sessions import SessionRepository
from pensioncert.repositories.reviews import ReviewRepository
from pensioncert.repositories.staff import StaffRepository
from pensioncert.rules.lockout import LockoutPolicy
from pensioncert.settings import Settings, get_settings
from pensioncert.sms import SmsSender

if TYPE_CHECKING:
    from pensioncert.sms.queue import NoticeQueue
    from pensioncert.vision_client import VisionClient


@dataclass
class Services:
    settings: Settings
    vault: PiiVault
    clock: Clock = field(default_factory=SystemClock)
    # The repositories (pensioncert/repositories): DynamoDB's unless a test passes the in-memory ones.
    contacts: ContactRepository = field(default_factory=PynamoDbContacts)
    home_visits: HomeVisitRepository = field(default_factory=PynamoDbHomeVisits)
    confirmations: ConfirmationRepository = field(default_factory=PynamoDbConfirmations)
    staff: StaffRepository = field(default_factory=PynamoDbStaff)
    reviews: ReviewRepository = field(default_factory=PynamoDbReviews)
    accounts: AccountRepository = field(default_factory=PynamoDbAccounts)
    sessions: SessionRepository = field(default_factory=PynamoDbSessions)
    _sms: SmsSender | None = None
    _notices: NoticeQueue | None = None
    _vision: VisionClient | None = None

    @property
    def lockout(self) -> LockoutPolicy:
        return LockoutPolicy(self.settings.lock_max_failures, timedelta(hours=self.settings.lock_hours))

    def client(self, service: str) -> Any:  # a boto3 client (boto3 has no type information)
        return _client(service, self.settings.aws_region, self.settings.aws_endpoint_url)

    @property
    def sms(self) -> SmsSender:
        if self._sms is None:
            from pensioncert.sms.factory import build_sms_sender
            from pensioncert.sms.outbox import OutboxRecordingSender

            sender = build_sms_sender(self.settings, sns_client_factory=lambda _settings: self.client("sns"))
            if self.settings.is_local:
                sender = OutboxRecordingSender(sender, self)
            self._sms = sender
        return self._sms

    @property
    def notices(self) -> NoticeQueue:
        """Where notice SMS go (pensioncert/sms/queue.py); verification codes go by ``sms`` at once."""
        if self._notices is None:
            if self.settings.is_local:
                from pensioncert.jobs.local_notices import DeliveredOnPut

                self._notices = DeliveredOnPut(self.client("sqs"), self.settings.notice_queue_name, self)
            else:
                from pensioncert.sms.queue import NoticeQueue

                self._notices = NoticeQueue(self.client("sqs"), self.settings.notice_queue_name)
        return self._notices

    @property
    def vision(self) -> VisionClient:
        if self._vision is None:
            from pensioncert.vision_client import InProcessTransport, LambdaTransport, VisionClient, VisionTransport

            if self.settings.vision_mode == "lambda":
                transport: VisionTransport = LambdaTransport(self.client("lambda"), self.settings.vision_function_name)
            else:
                transport = InProcessTransport(self.client("s3"))
            self._vision = VisionClient(transport)
        return self._vision

    @property
    def token_secret(self) -> str:
        secret = self.settings.token_secret
        if secret is None:  # services() refuses to start without one
            raise RuntimeError("PC_TOKEN_SECRET is not set")
        return secret.get_secret_value()


@functools.cache
def _client(service: str, region: str, endpoint_url: str | None):
    kwargs = {"region_name": region, "endpoint_url": endpoint_url}
    if service == "s3":
        from botocore.config import Config

        kwargs["config"] = Config(s3={"addressing_style": "path"}, signature_version="s3v4")
    return boto3.client(service, **kwargs)


_current: Services | None = None


def services() -> Services:
    global _current
    if _current is None:
        settings = get_settings()
        if not settings.is_local:
            settings.load_secrets(
                lambda secret_id: _client(
                    "secretsmanager", settings.aws_region, settings.aws_endpoint_url
                ).get_secret_value(SecretId=secret_id)["SecretString"]
            )
        if settings.token_secret is None or settings.pii_key is None:
            raise RuntimeError("PC_TOKEN_SECRET and PC_PII_KEY must be set (make run sets them)")
        bind_tables(settings)
        _current = Services(settings=settings, vault=PiiVault(settings.pii_key.get_secret_value()))
    return _current


def reset_services() -> None:
    global _current
    _current = None
    _client.cache_clear()
