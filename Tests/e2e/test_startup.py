"""What `serve` says when it cannot start: the setting that is wrong and why, in one line, exit 1 —
never a Foundation or NIO error dump. Each case is the real failure: a port another socket holds,
a data folder where a file is, a file that is not a database, a folder it may not create."""

import os
import pathlib
import socket
import subprocess

from conftest import BINARY, free_port


def serve(*args: str, user: str | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COACH_", "REDIS_", "MONGODB_", "OTEL_"))}
    command = [str(BINARY), "serve", *args]
    if user:
        command = ["setpriv", f"--reuid={user}", f"--regid={user}", "--clear-groups", *command]  # numeric: no name lookup
    return subprocess.run(command, capture_output=True, text=True, timeout=60, env=env)


def error_line(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 1, result
    lines = [line for line in result.stderr.splitlines() if line.startswith("Error: ")]
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_a_port_that_is_taken_is_named_by_its_flag(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        for flag, others in [("--http-port", ["--grpc-port", str(free_port())]),
                             ("--grpc-port", ["--http-port", str(free_port())]),
                             ("--metrics-port", ["--http-port", str(free_port()), "--grpc-port", str(free_port())])]:
            line = error_line(serve(flag, str(port), *others, "--data-dir", str(tmp_path / flag.strip("-"))))
            assert line == (f"Error: {flag} {port}: cannot listen on 127.0.0.1:{port}: the port is already in use "
                            "(another interview-coach serve, or another server?)"), line


def test_a_data_folder_it_cannot_use_is_named_with_the_reason(tmp_path):
    ports = ["--http-port", str(free_port()), "--grpc-port", str(free_port())]
    in_the_way = tmp_path / "a-file"
    in_the_way.write_text("")
    assert error_line(serve(*ports, "--data-dir", str(in_the_way))) == \
        f"Error: --data-dir {in_the_way}: cannot create the folder: a file of that name is in the way"

    not_a_database = tmp_path / "garbage"
    not_a_database.mkdir()
    (not_a_database / "interview-coach.sqlite").write_bytes(b"not a database, only some text" * 100)
    line = error_line(serve(*ports, "--data-dir", str(not_a_database)))
    assert line == f"Error: --data-dir {not_a_database}: cannot use the database {not_a_database}/interview-coach.sqlite: file is not a database"
    # The file is left as it was: nothing overwrote what the operator pointed at.
    assert (not_a_database / "interview-coach.sqlite").read_bytes() == b"not a database, only some text" * 100


def test_what_an_unprivileged_user_may_not_do_is_said_as_such(tmp_path):
    if os.geteuid() != 0:
        import pytest

        pytest.skip("needs root to run serve as the unprivileged user 65534 (nobody)")
    private = tmp_path / "private"
    private.mkdir(mode=0o700)
    tmp_path.chmod(0o755)
    line = error_line(serve("--http-port", str(free_port()), "--grpc-port", str(free_port()), "--data-dir", str(private / "data"),
                            user="65534"))
    assert line == f"Error: --data-dir {private / 'data'}: cannot create the folder: permission denied"

    writable = pathlib.Path("/tmp") / f"coach-startup-{os.getpid()}"
    line = error_line(serve("--http-port", "80", "--grpc-port", str(free_port()), "--data-dir", str(writable), user="65534"))
    assert line == "Error: --http-port 80: cannot listen on 127.0.0.1:80: permission denied (ports below 1024 need privileges)"
    subprocess.run(["rm", "-rf", str(writable)], check=False)
