"""Amazon SNS: direct publish to a phone number (the emulator and the global regions)."""
from __future__ import annotations

from botocore.exceptions import ClientError, ConnectionError, HTTPClientError

from pensioncert.sms import NoticeSms, SmsSendError, VerificationSms

MAINLAND_PREFIX = "+86"

# Verification codes must not lose to marketing throttles. No SenderID: carriers in mainland China
# do not support alphanumeric sender IDs, so SNS would ignore it.
SMS_ATTRIBUTES = {"AWS.SNS.SMS.SMSType": {"DataType": "String", "StringValue": "Transactional"}}


class SnsSmsSender:
    def __init__(self, sns_client) -> None:
        self._sns = sns_client

    def send(self, sms: VerificationSms | NoticeSms) -> None:
        try:
            self._sns.publish(
                PhoneNumber=MAINLAND_PREFIX + sms.phone,
                Message=sms.text,
                MessageAttributes=SMS_ATTRIBUTES,
            )
        # Refusals and network failures are retryable for the caller; anything else (no credentials,
        # bad parameters) is a configuration bug and should surface as such.
        except ClientError as err:
            # The code only: SNS messages can echo the phone number, which must stay out of logs.
            raise SmsSendError(f"SNS refused the SMS: {err.response.get('Error', {}).get('Code')}") from err
        except (ConnectionError, HTTPClientError) as err:
            raise SmsSendError(f"SNS unreachable: {err}") from err
