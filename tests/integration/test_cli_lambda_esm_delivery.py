"""Stream delivery driven only by the AWS CLI, v2 (/usr/bin/aws) and v1 (`aws` on PATH), as
test_cli.py drives them: create-table with a stream, create-function from the
fixtures/lambda/python_stream_log package, create-event-source-mapping, put-item, and the
record seen by the handler (wire reference §4.5, §7.1); get-event-source-mapping then reports
LastProcessingResult "OK"."""

import json

from conftest import LAMBDA_ROLE, unique_name
from test_cli import cli  # noqa: F401  (the fixture itself)
from test_lambda_esm_scenarios import STREAM_LOG, wait_for, zip_dir


def test_cli_mapping_delivers_a_put_item(cli, endpoint, tmp_path):  # noqa: F811
    package = tmp_path / "fn.zip"
    package.write_bytes(zip_dir(STREAM_LOG))
    logfile = tmp_path / "cli.jsonl"
    fn = unique_name("cli-deliver")
    cli.run(endpoint, "lambda", "create-function", "--function-name", fn, "--runtime",
            "python3.12", "--role", LAMBDA_ROLE, "--handler", "stream_log.batch", "--zip-file",
            f"fileb://{package}", "--environment",
            json.dumps({"Variables": {"LOG_FILE": str(logfile)}}))
    table = cli.json(endpoint, "dynamodb", "create-table", "--table-name",
                     unique_name("cli-d"), "--attribute-definitions",
                     "AttributeName=pk,AttributeType=S", "--key-schema",
                     "AttributeName=pk,KeyType=HASH", "--billing-mode", "PAY_PER_REQUEST",
                     "--stream-specification", "StreamEnabled=true,StreamViewType=NEW_IMAGE")
    name = table["TableDescription"]["TableName"]
    stream = table["TableDescription"]["LatestStreamArn"]
    created = cli.json(endpoint, "lambda", "create-event-source-mapping", "--function-name", fn,
                       "--event-source-arn", stream, "--starting-position", "LATEST",
                       "--batch-size", "100")
    assert created["State"] == "Creating" and created["EventSourceArn"] == stream, created

    cli.run(endpoint, "dynamodb", "put-item", "--table-name", name, "--item",
            json.dumps({"pk": {"S": "from-cli"}, "v": {"N": "1"}}))

    def batches():
        if not logfile.exists():
            return []
        return [json.loads(line) for line in logfile.read_text().splitlines() if line]

    got = wait_for(endpoint, lambda: batches())
    assert got, "no batch reached the handler"
    assert [(b["keys"], b["names"]) for b in got] == [(["from-cli"], ["INSERT"])], got
    mapping = cli.json(endpoint, "lambda", "get-event-source-mapping", "--uuid",
                       created["UUID"])
    assert mapping["State"] == "Enabled", mapping
    assert mapping["LastProcessingResult"] == "OK", mapping
