"""Lambda's control plane through the AWS CLI, v2 (/usr/bin/aws) and v1 (`aws` on PATH), as
test_cli.py drives it: create-function with --zip-file fileb://, get-function, the
function-active-v2 waiter, list-functions, delete-function, and an error exit."""

from conftest import LAMBDA_ROLE, function_arn, make_zip, unique_name
from test_cli import cli  # noqa: F401  (the fixture itself)


def test_function_lifecycle(cli, endpoint, tmp_path):
    package = tmp_path / "fn.zip"
    package.write_bytes(make_zip())
    name = unique_name("cli-fn")
    created = cli.json(endpoint, "lambda", "create-function", "--function-name", name,
                       "--runtime", "python3.12", "--role", LAMBDA_ROLE, "--handler",
                       "handler.handler", "--zip-file", f"fileb://{package}", "--timeout", "10",
                       "--environment", "Variables={GREETING=hi}")
    assert created["FunctionArn"] == function_arn(name)
    assert created["Timeout"] == 10
    assert created["Environment"] == {"Variables": {"GREETING": "hi"}}
    assert created["CodeSize"] == package.stat().st_size
    cli.run(endpoint, "lambda", "wait", "function-active-v2", "--function-name", name)

    got = cli.json(endpoint, "lambda", "get-function", "--function-name", name)
    assert got["Configuration"]["State"] == "Active"
    assert got["Configuration"]["CodeSha256"] == created["CodeSha256"]
    names = [f["FunctionName"] for f in
             cli.json(endpoint, "lambda", "list-functions")["Functions"]]
    assert name in names

    cli.run(endpoint, "lambda", "delete-function", "--function-name", name)
    names = [f["FunctionName"] for f in
             cli.json(endpoint, "lambda", "list-functions")["Functions"]]
    assert name not in names


def test_missing_function_is_an_error_exit(cli, endpoint):
    proc = cli.run(endpoint, "lambda", "get-function", "--function-name",
                   unique_name("cli-missing"), expect_ok=False)
    assert proc.returncode == cli.error_exit, (proc.returncode, proc.stderr)
    assert "ResourceNotFoundException" in proc.stderr
    assert "Function not found" in proc.stderr
    assert proc.stdout.strip() == ""


def test_hostile_zip_is_an_error_exit(cli, endpoint, tmp_path):
    # The CLI opens the zip itself first, so it must be a readable one: a `..` entry.
    package = tmp_path / "bad.zip"
    package.write_bytes(make_zip({"../escape.py": "x = 1\n"}))
    proc = cli.run(endpoint, "lambda", "create-function", "--function-name",
                   unique_name("cli-bad"), "--runtime", "python3.12", "--role", LAMBDA_ROLE,
                   "--handler", "h.h", "--zip-file", f"fileb://{package}", expect_ok=False)
    assert proc.returncode == cli.error_exit, (proc.returncode, proc.stderr)
    assert "InvalidParameterValueException" in proc.stderr
