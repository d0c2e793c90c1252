"""The tests' one way to start `make run`'s stack (support.start_local_stack) says why a stack did
not start, and leaves nothing running when it did not."""
from __future__ import annotations

import os
import subprocess

import pytest
from support import StackDidNotStart, free_port, start_local_stack


def test_a_stack_that_exits_at_start_is_reported_with_what_it_printed(tmp_path):
    env = {key: value for key, value in os.environ.items() if not key.startswith("PC_")}
    env.update(PC_API_PORT="not-a-port", PC_EMULATOR_PORT=str(free_port()),
               PC_DEVSTACK_STATE=str(tmp_path / "devstack.json"))
    with pytest.raises(StackDidNotStart) as refused:
        start_local_stack(env, tmp_path / "devstack.json", "http://127.0.0.1:9", 60,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    message = str(refused.value)
    assert message.startswith("the local stack exited:\n"), message
    assert "api_port\n  Input should be a valid integer" in message, message  # what it printed


def test_a_stack_that_does_not_answer_in_time_is_stopped(tmp_path):
    """Up, but not by the deadline: the error says so, and the stack is gone when it is raised."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("PC_")}
    api_port = free_port()
    env.update(PC_API_PORT=str(api_port), PC_EMULATOR_PORT=str(free_port()), PC_ADMIN_PORT=str(free_port()),
               PC_DEVSTACK_STATE=str(tmp_path / "devstack.json"))
    started: list[subprocess.Popen] = []
    real_popen = subprocess.Popen

    def recorded(*args, **kwargs):
        started.append(real_popen(*args, **kwargs))
        return started[-1]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(subprocess, "Popen", recorded)
        with pytest.raises(StackDidNotStart, match=r"^the local stack did not come up within 1 s$"):
            start_local_stack(env, tmp_path / "devstack.json", f"http://127.0.0.1:{api_port}", 1,
                              stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    assert len(started) == 1 and started[0].poll() is not None, "the stack outlived its failed start"
