"""TLS with real certificates (a throw-away CA made with openssl): HTTPS on the edge, TLS on the
gRPC port for grpcio clients that trust the CA, and mutual TLS between split roles — a role
without a certificate from the CA cannot call another."""

import pathlib
import subprocess

import grpc
import pytest
import requests

from conftest import CoachProcess, fixture_resumes, free_port


def openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


def issue(directory: pathlib.Path, name: str, ca: str = "ca"):
    """A P-256 key and a certificate for `name` signed by the CA, good for servers and clients,
    naming localhost and 127.0.0.1."""
    openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", f"{name}.key",
            "-out", f"{name}.csr", "-subj", f"/CN={name}", cwd=directory)
    (directory / f"{name}.ext").write_text("subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\n")
    openssl("x509", "-req", "-in", f"{name}.csr", "-CA", f"{ca}.pem", "-CAkey", f"{ca}.key", "-CAcreateserial",
            "-out", f"{name}.pem", "-days", "2", "-extfile", f"{name}.ext", cwd=directory)
    return directory / f"{name}.pem", directory / f"{name}.key"


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    directory = tmp_path_factory.mktemp("pki")
    for ca in ("ca", "other-ca"):
        openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", f"{ca}.key",
                "-out", f"{ca}.pem", "-days", "2", "-subj", f"/CN={ca}", cwd=directory)
    server = issue(directory, "server")
    client = issue(directory, "client")
    stranger = issue(directory, "stranger", ca="other-ca")
    return {"dir": directory, "ca": directory / "ca.pem", "server": server, "client": client, "stranger": stranger}


def wait_https(base, process, ca, timeout=30.0):
    import time

    deadline = time.time() + timeout
    while time.time() < deadline:
        if process.proc.poll() is not None:
            raise AssertionError(f"exited early:\n{process.log()[-3000:]}")
        try:
            if requests.get(base + "/readyz", verify=str(ca), timeout=1).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise AssertionError(f"{base} not ready:\n{process.log()[-3000:]}")


def health(channel) -> int:
    from grpc_health.v1 import health_pb2, health_pb2_grpc

    return health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=5).status


def credentials(pki, client=None):
    root = pki["ca"].read_bytes()
    if client is None:
        return grpc.ssl_channel_credentials(root_certificates=root)
    cert, key = client
    return grpc.ssl_channel_credentials(root_certificates=root, private_key=key.read_bytes(), certificate_chain=cert.read_bytes())


def test_https_edge_and_tls_grpc_for_clients_that_trust_the_ca(tmp_path, pki, stubs):
    from grpc_health.v1 import health_pb2

    http_port, grpc_port = free_port(), free_port()
    cert, key = pki["server"]
    server = CoachProcess(
        "tls-serve",
        ["--http-port", str(http_port), "--grpc-port", str(grpc_port), "--data-dir", str(tmp_path / "data"),
         "--tls-cert", str(cert), "--tls-key", str(key)],
    ).start()
    try:
        base = f"https://127.0.0.1:{http_port}"
        wait_https(base, server, pki["ca"])
        created = requests.post(base + "/api/v1/resumes", json=fixture_resumes()["senior-platform-en"], verify=str(pki["ca"]), timeout=10)
        assert created.status_code == 201, created.text
        # Plain HTTP on the TLS port, and a client that does not trust the CA, get nothing.
        with pytest.raises(requests.RequestException):
            requests.get(f"http://127.0.0.1:{http_port}/readyz", timeout=5)
        with pytest.raises(requests.exceptions.SSLError):
            requests.get(base + "/readyz", timeout=5)

        with grpc.secure_channel(f"127.0.0.1:{grpc_port}", credentials(pki)) as channel:
            assert health(channel) == health_pb2.HealthCheckResponse.SERVING
            stub = stubs["resume_service_pb2_grpc"].ResumeServiceStub(channel)
            listed = stub.ListResumes(stubs["resume_service_pb2"].ListResumesRequest(), timeout=5)
            assert [r.unique_key for r in listed.resumes] == [created.json()["unique_key"]]
        with grpc.insecure_channel(f"127.0.0.1:{grpc_port}") as channel:
            with pytest.raises(grpc.RpcError):
                health(channel)
    finally:
        assert server.stop() == 0


def test_mutual_tls_between_split_roles(tmp_path, pki, stubs):
    """resume, interview, learning and edge as separate processes; every gRPC port requires a
    client certificate from the CA, and every role presents its own."""
    from grpc_health.v1 import health_pb2

    data = tmp_path / "data"
    cert, key = pki["server"]
    mtls = {"COACH_TLS_CA": str(pki["ca"]), "COACH_TLS_CLIENT_AUTH": "require"}
    tls_args = ["--tls-cert", str(cert), "--tls-key", str(key)]
    ports = {role: free_port() for role in ("resume", "interview", "learning")}
    generation = ["--interview-addr", f"127.0.0.1:{ports['interview']}", "--learning-addr", f"127.0.0.1:{ports['learning']}"]
    resume_addr = ["--resume-addr", f"127.0.0.1:{ports['resume']}"]
    processes = {
        "resume": CoachProcess("mtls-resume", ["--role", "resume", "--grpc-port", str(ports["resume"]), "--data-dir", str(data),
                                                *generation, *tls_args], env=mtls),
        "interview": CoachProcess("mtls-interview", ["--role", "interview", "--grpc-port", str(ports["interview"]),
                                                      "--data-dir", str(data), *resume_addr, *tls_args], env=mtls),
        "learning": CoachProcess("mtls-learning", ["--role", "learning", "--grpc-port", str(ports["learning"]),
                                                    "--data-dir", str(data), *resume_addr, *tls_args], env=mtls),
    }
    http_port = free_port()
    edge = CoachProcess("mtls-edge", ["--role", "edge", "--http-port", str(http_port), *resume_addr, *generation, *tls_args],
                        env={"COACH_TLS_CA": str(pki["ca"])})
    try:
        for role, process in processes.items():
            process.start()
        for role, port in ports.items():
            # A client with the CA and a client certificate reaches every role.
            import time

            deadline = time.time() + 30
            while True:
                try:
                    with grpc.secure_channel(f"127.0.0.1:{port}", credentials(pki, pki["client"])) as channel:
                        assert health(channel) == health_pb2.HealthCheckResponse.SERVING
                    break
                except grpc.RpcError:
                    if time.time() > deadline:
                        raise AssertionError(processes[role].log()[-3000:])
                    time.sleep(0.2)
        edge.start()
        base = f"https://127.0.0.1:{http_port}"
        wait_https(base, edge, pki["ca"])

        # The edge calls resume over mTLS, the interview role looks the resume up over mTLS,
        # and the resume role deletes generated data in the interview role over mTLS.
        ca = str(pki["ca"])
        created = requests.post(base + "/api/v1/resumes", json=fixture_resumes()["senior-platform-en"], verify=ca, timeout=10)
        assert created.status_code == 201, created.text
        key_path = created.json()["unique_key"].replace(" ", "%20")
        questions = requests.post(base + f"/api/v1/interview/{key_path}/questions", json={"language": "en"}, verify=ca, timeout=30)
        assert questions.status_code == 201, questions.text
        assert requests.delete(base + f"/api/v1/resumes/{key_path}", verify=ca, timeout=10).status_code == 204
        assert requests.get(base + f"/api/v1/interview/{key_path}/questions", verify=ca, timeout=10).status_code == 404

        # Without a client certificate, or with one from another CA, no call gets through.
        for client in (None, pki["stranger"]):
            with grpc.secure_channel(f"127.0.0.1:{ports['resume']}", credentials(pki, client)) as channel:
                with pytest.raises(grpc.RpcError):
                    stubs["resume_service_pb2_grpc"].ResumeServiceStub(channel).ListResumes(
                        stubs["resume_service_pb2"].ListResumesRequest(), timeout=5)
    finally:
        edge.stop()
        for process in processes.values():
            process.stop()


def test_tls_settings_are_checked_before_start(tmp_path, pki):
    from conftest import BINARY

    cert, key = pki["server"]
    cases = [
        (["--tls-cert", str(cert)], {}, "--tls-cert and --tls-key go together"),
        (["--tls-cert", str(cert), "--tls-key", str(tmp_path / "missing.key")], {}, "cannot read"),
        (["--tls-cert", str(cert), "--tls-key", str(key)], {"COACH_TLS_CLIENT_AUTH": "require"}, "COACH_TLS_CA"),
        (["--tls-cert", str(pki["ca"]), "--tls-key", str(pki["dir"] / "ca.srl")], {}, "usable PEM"),
    ]
    import os

    for args, env, message in cases:
        result = subprocess.run(
            [str(BINARY), "serve", "--http-port", str(free_port()), "--grpc-port", str(free_port()), "--data-dir", str(tmp_path / "d"), *args],
            capture_output=True, text=True, timeout=30, env={**os.environ, **env})
        assert result.returncode != 0, (args, result.stderr)
        assert message in result.stderr, (args, result.stderr)


def test_the_cli_calls_a_mutual_tls_server_and_names_a_setting_it_cannot_use(tmp_path, pki):
    """`interview-coach` client commands dial as the roles do: COACH_TLS_CA to trust the server,
    COACH_TLS_CERT/COACH_TLS_KEY as the client certificate. A wrong file is named before any call
    (exit 1, not a usage error), and a server no call reaches is named too."""
    import os

    from conftest import BINARY

    http_port, grpc_port = free_port(), free_port()
    cert, key = pki["server"]
    client_cert, client_key = pki["client"]
    server = CoachProcess(
        "tls-cli",
        ["--http-port", str(http_port), "--grpc-port", str(grpc_port), "--data-dir", str(tmp_path / "data"),
         "--tls-cert", str(cert), "--tls-key", str(key)],
        env={"COACH_TLS_CA": str(pki["ca"]), "COACH_TLS_CLIENT_AUTH": "require"},
    ).start()
    clean = {k: v for k, v in os.environ.items() if not k.startswith("COACH_")}

    def cli(*args, server_address=f"127.0.0.1:{grpc_port}", **env):
        return subprocess.run([str(BINARY), *args, "--server", server_address], capture_output=True, text=True, timeout=60,
                              env={**clean, **env})

    trusted = {"COACH_TLS_CA": str(pki["ca"]), "COACH_TLS_CERT": str(client_cert), "COACH_TLS_KEY": str(client_key)}
    try:
        wait_https(f"https://127.0.0.1:{http_port}", server, pki["ca"])
        resume = fixture_resumes()["senior-platform-en"]
        created = requests.post(f"https://127.0.0.1:{http_port}/api/v1/resumes", json=resume, verify=str(pki["ca"]), timeout=10)
        assert created.status_code == 201, created.text

        assert cli("health", **trusted).returncode == 0
        listed = cli("resumes", "list", **trusted)
        assert listed.returncode == 0, listed.stderr
        assert created.json()["unique_key"] in listed.stdout

        # No client certificate: the server refuses the handshake, and the CLI says where it looked.
        refused = cli("resumes", "list", COACH_TLS_CA=str(pki["ca"]))
        assert refused.returncode == 1, refused
        assert f"no call reached a server at 127.0.0.1:{grpc_port}" in refused.stderr and "COACH_TLS_CERT" in refused.stderr, refused.stderr

        # Settings it cannot use: named, before any connection, without a usage text.
        bad = tmp_path / "not-pem.pem"
        bad.write_text("not a certificate\n")
        for env, message in [
            ({**trusted, "COACH_TLS_CA": str(bad)}, f"COACH_TLS_CA: {bad} is not a usable PEM CA certificate"),
            ({**trusted, "COACH_TLS_KEY": str(bad)}, f"COACH_TLS_KEY: {bad} is not a usable PEM private key"),
            ({**trusted, "COACH_TLS_CA": str(tmp_path / "missing.pem")}, "COACH_TLS_CA: cannot read"),
            ({"COACH_TLS_CA": str(pki["ca"]), "COACH_TLS_CERT": str(client_cert)}, "COACH_TLS_CERT and COACH_TLS_KEY go together"),
            ({**trusted, "COACH_TLS_VERIFY_HOSTNAME": "no"}, "COACH_TLS_VERIFY_HOSTNAME must be true or false"),
        ]:
            result = cli("resumes", "list", **env)
            assert result.returncode == 1, (env, result)
            assert message in result.stderr and "Usage" not in result.stderr, (env, result.stderr)
    finally:
        assert server.stop() == 0

    nobody = free_port()
    result = cli("resumes", "list", server_address=f"127.0.0.1:{nobody}")
    assert result.returncode == 1
    assert f"no call reached a server at 127.0.0.1:{nobody}" in result.stderr, result.stderr
