"""ResumeService over real HTTP/2 gRPC, from Python grpcio stubs generated from Protos/ and from
the Swift generated client (the `interview-coach resumes …` commands)."""

import json

import requests
import subprocess

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_status import rpc_status

from conftest import BINARY, FIXTURES, fixture_resumes


def content_message(resume_pb2, body: dict):
    """The REST body as a ResumeContent message (same field names)."""
    from google.protobuf import json_format

    return json_format.ParseDict(body, resume_pb2.ResumeContent(), ignore_unknown_fields=False)


def test_python_grpcio_client_calls_every_rpc(server, stubs):
    pb, svc, resume_pb2 = stubs["resume_service_pb2"], stubs["resume_service_pb2_grpc"], stubs["resume_pb2"]
    with grpc.insecure_channel(f"127.0.0.1:{server.grpc_port}") as channel:
        stub = svc.ResumeServiceStub(channel)
        senior = fixture_resumes()["senior-platform-en"]

        created = stub.CreateResume(pb.CreateResumeRequest(content=content_message(resume_pb2, senior)), timeout=10)
        assert created.unique_key == f"{senior['name']}_1"
        assert len(created.id) == 24
        assert created.created_at.seconds > 0

        got = stub.GetResume(pb.GetResumeRequest(unique_key=created.unique_key), timeout=10)
        assert got.content.summary == senior["summary"]
        assert got.content.total_experience_months == senior["total_experience_months"]
        assert [w.company for w in got.content.work_experiences] == [w["company"] for w in senior["work_experiences"]]

        for _ in range(2):
            stub.CreateResume(pb.CreateResumeRequest(content=content_message(resume_pb2, senior)), timeout=10)
        page = stub.ListResumes(pb.ListResumesRequest(page_size=2, name=senior["name"]), timeout=10)
        assert [r.unique_key for r in page.resumes] == [f"{senior['name']}_3", f"{senior['name']}_2"]
        assert page.next_page_token
        rest = stub.ListResumes(pb.ListResumesRequest(page_size=2, page_token=page.next_page_token), timeout=10)
        assert [r.unique_key for r in rest.resumes] == [created.unique_key] and rest.next_page_token == ""

        changed = dict(senior, summary="Principal engineer leading the platform group.")
        updated = stub.UpdateResume(
            pb.UpdateResumeRequest(unique_key=created.unique_key, content=content_message(resume_pb2, changed)), timeout=10
        )
        assert updated.content.summary == changed["summary"] and updated.created_at == created.created_at

        stub.DeleteResume(pb.DeleteResumeRequest(unique_key=created.unique_key), timeout=10)
        with pytest.raises(grpc.RpcError) as missing:
            stub.GetResume(pb.GetResumeRequest(unique_key=created.unique_key), timeout=10)
        assert missing.value.code() == grpc.StatusCode.NOT_FOUND

        health = health_pb2_grpc.HealthStub(channel)
        assert health.Check(health_pb2.HealthCheckRequest(), timeout=5).status == health_pb2.HealthCheckResponse.SERVING
        reply = health.Check(health_pb2.HealthCheckRequest(service="interviewcoach.v1.ResumeService"), timeout=5)
        assert reply.status == health_pb2.HealthCheckResponse.SERVING
        with pytest.raises(grpc.RpcError) as unknown:
            health.Check(health_pb2.HealthCheckRequest(service="no.such.Service"), timeout=5)
        assert unknown.value.code() == grpc.StatusCode.NOT_FOUND


def test_invalid_input_is_invalid_argument_with_field_violations(server, stubs):
    pb, svc, resume_pb2 = stubs["resume_service_pb2"], stubs["resume_service_pb2_grpc"], stubs["resume_pb2"]
    with grpc.insecure_channel(f"127.0.0.1:{server.grpc_port}") as channel:
        stub = svc.ResumeServiceStub(channel)
        bad = resume_pb2.ResumeContent(name="a/b", summary="short")
        with pytest.raises(grpc.RpcError) as error:
            stub.CreateResume(pb.CreateResumeRequest(content=bad), timeout=10)
        assert error.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        status = rpc_status.from_call(error.value)
        fields, reasons = [], []
        for detail in status.details:
            if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
                info = error_details_pb2.BadRequest()
                detail.Unpack(info)
                fields += [v.field for v in info.field_violations]
            if detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
                info = error_details_pb2.ErrorInfo()
                detail.Unpack(info)
                reasons.append(info.reason)
        assert fields == ["name", "contact", "summary", "total_experience_months", "technical_skills"]
        assert reasons == ["VALIDATION_ERROR"]


def run_cli(server, *args) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(BINARY), *args, "--server", f"127.0.0.1:{server.grpc_port}"], capture_output=True, text=True, timeout=60
    )


def test_swift_generated_client_calls_every_rpc(server):
    fixture = FIXTURES / "mid-fullstack-ko.json"
    name = json.loads(fixture.read_text(encoding="utf-8"))["name"]

    created = run_cli(server, "resumes", "create", str(fixture))
    assert created.returncode == 0, created.stderr
    key = json.loads(created.stdout)["unique_key"]
    assert key == f"{name}_1"

    got = run_cli(server, "resumes", "get", key)
    assert got.returncode == 0 and json.loads(got.stdout)["content"]["name"] == name

    listed = run_cli(server, "resumes", "list", "--name", name)
    assert [r["unique_key"] for r in json.loads(listed.stdout)["resumes"]] == [key]

    updated = run_cli(server, "resumes", "update", key, str(FIXTURES / "mid-fullstack-ko.json"))
    assert updated.returncode == 0 and json.loads(updated.stdout)["unique_key"] == key

    health = run_cli(server, "health")
    assert health.returncode == 0 and json.loads(health.stdout)["status"] == "SERVING"

    # Something generated for the resume, in the foreground and as a task.
    generated = run_cli(server, "questions", key, "--language", "en", "--count", "3")
    assert generated.returncode == 0, generated.stderr
    task = run_cli(server, "learning-path", key, "--async")
    assert task.returncode == 0, task.stderr
    base = f"http://127.0.0.1:{server.http_port}"
    quoted = key.replace(" ", "%20")
    assert requests.get(f"{base}/api/v1/interview/{quoted}/questions", timeout=10).status_code == 200
    assert requests.get(f"{base}/api/v1/learning/{quoted}/learning-path", timeout=10).status_code == 200

    deleted = run_cli(server, "resumes", "delete", key)
    assert deleted.returncode == 0
    missing = run_cli(server, "resumes", "get", key)
    assert missing.returncode != 0 and "RESUME_NOT_FOUND" in missing.stderr
    # DeleteResume deleted what was generated from the resume too, as the REST route does.
    assert requests.get(f"{base}/api/v1/interview/{quoted}/questions", timeout=10).status_code == 404
    assert requests.get(f"{base}/api/v1/learning/{quoted}/learning-path", timeout=10).status_code == 404
    history = requests.get(f"{base}/api/v1/interview/{quoted}/questions", params={"history": "true"}, timeout=10)
    assert history.json() == {"sets": []}
