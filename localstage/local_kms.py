"""Local stage only: a stand-in for KMS, so the data the local stage keeps between runs is sealed
the way the deployed stage's tables, bucket and secrets are (under the stack's KMS key).

Envelope encryption, as KMS's GenerateDataKey and Decrypt: each snapshot gets a fresh 256-bit data
key that seals its files with AES-GCM and is kept only wrapped (AES-GCM) under a master key. The
master key lives outside the repository and outside ``.cache`` (``PC_LOCAL_KMS_KEY_FILE``, else
``${XDG_DATA_HOME:-~/.local/share}/pensioncert/local-kms.key``; 0600 in a 0700 folder, created on
first use), so a copied checkout or ``.cache`` folder holds ciphertext and no key.
"""
from __future__ import annotations

import os
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

KEY_FILE_VARIABLE = "PC_LOCAL_KMS_KEY_FILE"
KEY_BYTES = 32
_NONCE_BYTES = 12
_WRAPPING_CONTEXT = b"pensioncert local-kms data key v1"
_WHAT_TO_DO = (f"Put that key file back (or point {KEY_FILE_VARIABLE} at it), or run `make reset` to "
               "start from the demo data alone (the kept data is then deleted).")


class MasterKeyUnusable(RuntimeError):
    """Kept data is sealed, and the master key that opens it is missing or another one."""


def master_key_file() -> Path:
    if os.environ.get(KEY_FILE_VARIABLE):
        return Path(os.environ[KEY_FILE_VARIABLE])
    data_home = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(data_home) / "pensioncert" / "local-kms.key"


def seal(key: bytes, plaintext: bytes, context: bytes) -> bytes:
    """nonce + AES-GCM ciphertext; ``context`` (e.g. the file's name) must be given again to open."""
    nonce = os.urandom(_NONCE_BYTES)
    return nonce + AESGCM(key).encrypt(nonce, plaintext, context)


def open_sealed(key: bytes, sealed: bytes, context: bytes) -> bytes:
    """Raises ``cryptography.exceptions.InvalidTag`` for another key, context or altered bytes."""
    return AESGCM(key).decrypt(sealed[:_NONCE_BYTES], sealed[_NONCE_BYTES:], context)


class LocalKms:
    def __init__(self, key_file: Path | None = None) -> None:
        self.key_file = key_file or master_key_file()

    def generate_data_key(self) -> tuple[bytes, bytes]:
        """(a fresh data key, the same wrapped under the master key, which is created if missing)."""
        data_key = AESGCM.generate_key(bit_length=8 * KEY_BYTES)
        return data_key, seal(self._master_key(create=True), data_key, _WRAPPING_CONTEXT)

    def decrypt_data_key(self, wrapped: bytes, kept_in: Path) -> bytes:
        """The data key of the data kept in ``kept_in``; never creates a master key, since a new
        one could not open that data and the next snapshot would silently replace it."""
        try:
            return open_sealed(self._master_key(create=False, kept_in=kept_in), wrapped, _WRAPPING_CONTEXT)
        except InvalidTag:
            raise MasterKeyUnusable(
                f"the local data kept in {kept_in} was sealed under another master key than "
                f"{self.key_file}. {_WHAT_TO_DO}") from None

    def _master_key(self, create: bool, kept_in: Path | None = None) -> bytes:
        if not self.key_file.exists():
            if not create:
                raise MasterKeyUnusable(
                    f"the local data kept in {kept_in} is sealed, and its master key {self.key_file} "
                    f"is missing. {_WHAT_TO_DO}")
            self._create_master_key()
        key = self.key_file.read_bytes()
        if len(key) != KEY_BYTES:
            raise MasterKeyUnusable(f"{self.key_file} is not a local KMS master key ({KEY_BYTES} bytes). "
                                    f"{_WHAT_TO_DO}")
        return key

    def _create_master_key(self) -> None:
        folder = self.key_file.parent
        if not folder.exists():  # an existing folder (a temporary one in tests) keeps its mode
            folder.mkdir(parents=True)
            folder.chmod(0o700)
        # Written aside, then linked: two stacks starting at once agree on one key, never half a one.
        aside = folder / f".{self.key_file.name}.{os.getpid()}"
        descriptor = os.open(aside, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.fchmod(descriptor, 0o600)
            os.write(descriptor, os.urandom(KEY_BYTES))
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
        try:
            os.link(aside, self.key_file)
        except FileExistsError:
            pass
        finally:
            aside.unlink()
