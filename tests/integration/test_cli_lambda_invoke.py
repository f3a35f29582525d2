"""`aws lambda invoke` through the AWS CLI, v2 (/usr/bin/aws) and v1 (`aws` on PATH), driven as
test_cli.py drives it (wire reference §5): the payload written to the outfile, the printed
StatusCode / ExecutedVersion / FunctionError / LogResult, --log-type Tail, --invocation-type
Event (its effect observed through DynamoDB) and DryRun, and an error exit for an unknown
function. v2 reads --payload as base64 unless told `--cli-binary-format raw-in-base64-out`.
Functions are created with boto3; only invoke goes through the CLI."""

import base64
import json

from conftest import function_arn, poll_until, unique_name
from test_cli import cli  # noqa: F401  (the fixture itself)
from test_lambda_invoke import (DEADLINE, create_fn, get_item, record_table,  # noqa: F401
                                server)


def invoke_args(cli, name, payload, outfile, *extra):
    args = ["lambda", "invoke", "--function-name", name, "--payload", json.dumps(payload)]
    if cli.version[0] == 2:
        args += ["--cli-binary-format", "raw-in-base64-out"]
    return args + list(extra) + [str(outfile)]


def test_invoke_writes_the_payload_to_the_outfile(cli, lam, endpoint, tmp_path):
    name = create_fn(lam, "python_ops", "app.log")
    outfile = tmp_path / "out.json"
    printed = cli.json(endpoint, *invoke_args(cli, name, {"lines": 2}, outfile,
                                              "--log-type", "Tail"))
    assert json.loads(outfile.read_bytes()) == 2
    assert printed["StatusCode"] == 200, printed
    assert printed["ExecutedVersion"] == "$LATEST", printed
    assert "FunctionError" not in printed, printed
    log = base64.b64decode(printed["LogResult"]).decode()
    assert log.startswith("START RequestId: ") and "\nEND RequestId: " in log, log
    assert "stdout line 1" in log and log.splitlines()[-1].startswith("REPORT RequestId: "), log

    printed = cli.json(endpoint, *invoke_args(cli, function_arn(name), {"lines": 0}, outfile))
    assert json.loads(outfile.read_bytes()) == 0
    assert printed["StatusCode"] == 200 and "LogResult" not in printed, printed


def test_function_error_is_printed_not_an_exit(cli, lam, endpoint, tmp_path):
    name = create_fn(lam, "python_ops", "app.fail")
    outfile = tmp_path / "err.json"
    printed = cli.json(endpoint, *invoke_args(cli, name, {}, outfile))
    assert printed["StatusCode"] == 200 and printed["FunctionError"] == "Unhandled", printed
    error = json.loads(outfile.read_bytes())
    assert error["errorType"] == "Exception" and error["errorMessage"] == "Handler fails", error


def test_event_and_dry_run(cli, lam, ddb, endpoint, record_table, tmp_path):  # noqa: F811
    name = create_fn(lam, "python_ops", "app.ddb")
    pk = unique_name("cli-event")
    outfile = tmp_path / "event.out"
    printed = cli.json(endpoint, *invoke_args(
        cli, name, {"table": record_table, "item": {"pk": {"S": pk}}}, outfile,
        "--invocation-type", "Event"))
    assert printed["StatusCode"] == 202, printed
    assert outfile.read_bytes() == b""
    assert poll_until(lambda: get_item(ddb, record_table, pk), timeout=DEADLINE, interval=0.1), \
        f"the Event invocation never wrote {pk}"

    printed = cli.json(endpoint, *invoke_args(cli, name, {}, tmp_path / "dry.out",
                                              "--invocation-type", "DryRun"))
    assert printed["StatusCode"] == 204, printed


def test_unknown_function_is_an_error_exit(cli, endpoint, tmp_path):
    name = unique_name("cli-missing")
    proc = cli.run(endpoint, *invoke_args(cli, name, {}, tmp_path / "missing.out"),
                   expect_ok=False)
    assert proc.returncode == cli.error_exit, (proc.returncode, proc.stderr)
    assert "ResourceNotFoundException" in proc.stderr
    assert f"Function not found: {function_arn(name)}" in proc.stderr
    assert proc.stdout.strip() == ""
