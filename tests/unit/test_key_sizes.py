"""Every stage's keys are of the right size for their algorithm: the session tokens' secret of at
least settings.MIN_TOKEN_SECRET_BYTES (HS512's 64 bytes, so no HMAC that PyJWT offers is weakened),
the other keys of at least 32 bytes (HMAC-SHA256, AES-256 through HKDF). The deployed stage's
generated lengths are checked on the template (tests/infrastructure/test_template.py)."""
from __future__ import annotations

import json
import warnings

import jwt
import pytest
from pydantic import ValidationError

from localstage import devstack
from pensioncert.settings import MIN_TOKEN_SECRET_BYTES, Settings


def test_the_local_stage_and_the_tests_stacks_generate_keys_of_the_right_size():
    environment = devstack.local_environment(api_port=8000, emulator_port=5000, authority_port=8070)
    assert MIN_TOKEN_SECRET_BYTES >= 64
    assert len(environment["PC_TOKEN_SECRET"].encode()) >= MIN_TOKEN_SECRET_BYTES
    for name in ("PC_PII_KEY", "PC_ADMIN_SECRET", "PC_IDENTITY_AUTHORITY_KEY"):
        assert len(environment[name].encode()) >= 32, name
    with warnings.catch_warnings():
        warnings.simplefilter("error", jwt.warnings.InsecureKeyLengthWarning)
        for algorithm in ("HS256", "HS384", "HS512"):
            jwt.encode({"sub": "u"}, environment["PC_TOKEN_SECRET"], algorithm=algorithm)


def test_settings_refuse_a_short_token_secret_from_the_environment(monkeypatch):
    monkeypatch.setenv("PC_TOKEN_SECRET", "s" * (MIN_TOKEN_SECRET_BYTES - 1))
    with pytest.raises(ValidationError, match=f"{MIN_TOKEN_SECRET_BYTES - 1} bytes.*at least {MIN_TOKEN_SECRET_BYTES}"):
        Settings()
    monkeypatch.setenv("PC_TOKEN_SECRET", "s" * MIN_TOKEN_SECRET_BYTES)
    assert Settings().token_secret.get_secret_value() == "s" * MIN_TOKEN_SECRET_BYTES


def test_settings_refuse_a_short_token_secret_from_the_secret_store():
    settings = Settings(_env_file=None, stage="prod", secrets_id="arn:secret", token_secret=None, pii_key=None)
    values = {"token_secret": "t" * 43, "pii_key": "p" * 64}
    with pytest.raises(ValueError, match="token_secret in the secret store"):
        settings.load_secrets(lambda secret_id: json.dumps(values))
