"""Event source mappings through the AWS CLI, v2 (/usr/bin/aws) and v1 (`aws` on PATH), as
test_cli_lambda.py drives functions: create-event-source-mapping on a DynamoDB stream,
list-event-source-mappings (by function and by stream), get-event-source-mapping,
delete-event-source-mapping, and error exits for an unknown UUID and a duplicate mapping."""

import json

from conftest import LAMBDA_ROLE, function_arn, make_zip, unique_name
from test_cli import KEY_ARGS, cli  # noqa: F401  (the fixture itself)


def function_and_stream(cli, endpoint, tmp_path):
    package = tmp_path / "fn.zip"
    package.write_bytes(make_zip())
    fn = unique_name("cli-esm")
    cli.run(endpoint, "lambda", "create-function", "--function-name", fn, "--runtime",
            "python3.12", "--role", LAMBDA_ROLE, "--handler", "handler.handler", "--zip-file",
            f"fileb://{package}")
    table = cli.json(endpoint, "dynamodb", "create-table", "--table-name", unique_name("cli-t"),
                     *KEY_ARGS, "--billing-mode", "PAY_PER_REQUEST", "--stream-specification",
                     "StreamEnabled=true,StreamViewType=NEW_AND_OLD_IMAGES")
    return fn, table["TableDescription"]["LatestStreamArn"]


def test_mapping_lifecycle(cli, endpoint, tmp_path):
    fn, stream = function_and_stream(cli, endpoint, tmp_path)
    filters = json.dumps({"Filters": [{"Pattern": json.dumps({"eventName": ["INSERT"]})}]})
    created = cli.json(endpoint, "lambda", "create-event-source-mapping", "--function-name", fn,
                       "--event-source-arn", stream, "--starting-position", "LATEST",
                       "--batch-size", "25", "--filter-criteria", filters)
    uuid = created["UUID"]
    assert created["State"] == "Creating"
    assert created["FunctionArn"] == function_arn(fn)
    assert created["EventSourceArn"] == stream and created["BatchSize"] == 25
    assert created["FilterCriteria"] == json.loads(filters)

    got = cli.json(endpoint, "lambda", "get-event-source-mapping", "--uuid", uuid)
    assert got["State"] == "Enabled" and got["StartingPosition"] == "LATEST"

    by_function = cli.json(endpoint, "lambda", "list-event-source-mappings", "--function-name",
                           fn)["EventSourceMappings"]
    assert [m["UUID"] for m in by_function] == [uuid]
    by_stream = cli.json(endpoint, "lambda", "list-event-source-mappings", "--event-source-arn",
                         stream)["EventSourceMappings"]
    assert [m["UUID"] for m in by_stream] == [uuid]

    proc = cli.run(endpoint, "lambda", "create-event-source-mapping", "--function-name", fn,
                   "--event-source-arn", stream, "--starting-position", "TRIM_HORIZON",
                   expect_ok=False)
    assert proc.returncode == cli.error_exit, (proc.returncode, proc.stderr)
    assert "ResourceConflictException" in proc.stderr and uuid in proc.stderr

    deleted = cli.json(endpoint, "lambda", "delete-event-source-mapping", "--uuid", uuid)
    assert deleted["State"] == "Deleting" and deleted["UUID"] == uuid
    assert cli.json(endpoint, "lambda", "list-event-source-mappings", "--function-name",
                    fn)["EventSourceMappings"] == []

    proc = cli.run(endpoint, "lambda", "get-event-source-mapping", "--uuid", uuid,
                   expect_ok=False)
    assert proc.returncode == cli.error_exit, (proc.returncode, proc.stderr)
    assert "ResourceNotFoundException" in proc.stderr
    assert "The resource you requested does not exist." in proc.stderr
    assert proc.stdout.strip() == ""


def test_missing_stream_is_an_error_exit(cli, endpoint, tmp_path):
    fn, stream = function_and_stream(cli, endpoint, tmp_path)
    missing = stream.rsplit("/", 1)[0] + "/2020-01-01T00:00:00.000"
    proc = cli.run(endpoint, "lambda", "create-event-source-mapping", "--function-name", fn,
                   "--event-source-arn", missing, "--starting-position", "LATEST",
                   expect_ok=False)
    assert proc.returncode == cli.error_exit, (proc.returncode, proc.stderr)
    assert "InvalidParameterValueException" in proc.stderr
    assert f"Stream not found: {missing}" in proc.stderr
