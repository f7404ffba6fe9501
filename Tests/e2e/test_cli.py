"""The client commands' answers to mistakes, without a server: a bad flag value is a usage error
(exit 64) that names the value, the allowed ones and the subcommand's own usage; a file the command
cannot read or a server it cannot reach is not a usage error (exit 1, no usage text)."""

import os
import subprocess

import pytest

from conftest import BINARY, free_port


def cli(*args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COACH_")}
    return subprocess.run([str(BINARY), *args], capture_output=True, text=True, timeout=60, env=env)


@pytest.mark.parametrize("args, message, usage", [
    (["questions", "Alex Kim_1", "--language", "fr"], "'fr' is invalid for '--language <language>'", "interview-coach questions"),
    (["learning-path", "Alex Kim_1", "--language", "de"], "'de' is invalid for '--language <language>'", "interview-coach learning-path"),
    (["tasks", "list", "--state", "stuck"], "'stuck' is invalid for '--state <state>'", "interview-coach tasks list"),
    (["tasks", "list", "--kind", "essay"], "'essay' is invalid for '--kind <kind>'", "interview-coach tasks list"),
    (["tasks", "retry", "t1", "--kind", "essay"], "'essay' is invalid for '--kind <kind>'", "interview-coach tasks retry"),
    (["keys", "create", "--tenant", "acme", "--scope", "admin", "--expires-in-days", "0"], "--expires-in-days must be 1-3650",
     "interview-coach keys create"),
    (["resumes", "list", "--server", "localhost:99999"], "--server", "interview-coach resumes list"),
])
def test_a_bad_flag_value_is_a_usage_error_in_the_subcommands_words(args, message, usage):
    result = cli(*args)
    assert result.returncode == 64, result
    assert message in result.stderr, result.stderr
    assert f"Usage: {usage}" in result.stderr, result.stderr


def test_a_state_is_accepted_in_any_case_before_any_call():
    # Parsed (no usage error): the command gets as far as dialling, and nothing listens there.
    port = free_port()
    result = cli("tasks", "list", "--state", "failure", "--state", "Cancelled", "--server", f"127.0.0.1:{port}")
    assert result.returncode == 1, result
    assert f"no call reached a server at 127.0.0.1:{port}" in result.stderr, result.stderr


def test_a_file_the_command_cannot_read_is_named_without_a_usage_text(tmp_path):
    missing = tmp_path / "resume.json"
    result = cli("resumes", "create", str(missing))
    assert result.returncode == 1, result
    assert f"cannot read {missing}" in result.stderr
    assert "Usage" not in result.stderr, result.stderr
