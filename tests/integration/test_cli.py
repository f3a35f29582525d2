"""The AWS CLI against awsemu: v2 (/usr/bin/aws) and, when `aws` on PATH is a different
program, v1. Each runs in a clean environment (no config files, dummy credentials, no pager,
one attempt per call) with `--endpoint-url`, except where AWS_ENDPOINT_URL is the subject."""

import json
import os
import re
import shutil
import subprocess

import pytest

from conftest import ACCESS_KEY, SECRET_KEY, table_arn, unique_name

CLI_V2 = "/usr/bin/aws"
CLI_TIMEOUT = 90  # seconds per command: bounds a hung call


def _version(path):
    try:
        out = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=60,
                             stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired):
        return None
    text = out.stdout + out.stderr
    match = re.search(r"aws-cli/(\d+)\.(\d+)\.(\d+)", text)
    if out.returncode != 0 or not match:
        return None
    botocore = re.search(r"botocore/(\d+)\.(\d+)", text)
    return tuple(map(int, match.groups())), botocore and tuple(map(int, botocore.groups()))


class Cli:
    def __init__(self, path, version, botocore, error_exit):
        self.path, self.version, self.botocore = path, version, botocore
        self.error_exit = error_exit  # exit status of a service error

    def supports_endpoint_env(self):
        # §1.1: AWS_ENDPOINT_URL came with botocore 1.31.0 and "AWS CLI v2 ≈2.13".
        if self.version[0] == 2:
            return self.version >= (2, 13, 0)
        return self.botocore is not None and self.botocore >= (1, 31)

    def run(self, endpoint, *args, region="us-east-1", use_flag=True, expect_ok=True):
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update(AWS_ACCESS_KEY_ID=ACCESS_KEY, AWS_SECRET_ACCESS_KEY=SECRET_KEY,
                   AWS_DEFAULT_REGION=region, AWS_PAGER="", AWS_MAX_ATTEMPTS="1",
                   AWS_RETRY_MODE="standard", AWS_CONFIG_FILE="/nonexistent/awsemu-config",
                   AWS_SHARED_CREDENTIALS_FILE="/nonexistent/awsemu-credentials")
        argv = [self.path, "--output", "json", "--cli-connect-timeout", "5",
                "--cli-read-timeout", "30"]
        if use_flag:
            argv += ["--endpoint-url", endpoint]
        else:
            env["AWS_ENDPOINT_URL"] = endpoint
        proc = subprocess.run(argv + list(args), capture_output=True, text=True, env=env,
                              timeout=CLI_TIMEOUT, stdin=subprocess.DEVNULL)
        if expect_ok:
            assert proc.returncode == 0, f"{' '.join(args)}: {proc.returncode}\n{proc.stderr}"
        return proc

    def json(self, endpoint, *args, **kwargs):
        out = self.run(endpoint, *args, **kwargs).stdout.strip()
        return json.loads(out) if out else {}


def _find_clis():
    found = {}
    if os.path.exists(CLI_V2):
        version = _version(CLI_V2)
        if version and version[0][0] == 2:
            found["v2"] = Cli(CLI_V2, version[0], version[1], 254)
    other = shutil.which("aws")
    if other and os.path.realpath(other) != os.path.realpath(CLI_V2):
        version = _version(other)
        if version and version[0][0] == 1:
            found["v1"] = Cli(other, version[0], version[1], 255)
    return found


CLIS = _find_clis()


@pytest.fixture(params=["v2", "v1"], scope="module")
def cli(request):
    if request.param not in CLIS:
        pytest.skip(f"AWS CLI {request.param} is not installed")
    return CLIS[request.param]


KEY_ARGS = ["--attribute-definitions", "AttributeName=pk,AttributeType=S",
            "AttributeName=sk,AttributeType=N",
            "--key-schema", "AttributeName=pk,KeyType=HASH", "AttributeName=sk,KeyType=RANGE"]


def test_table_and_item_lifecycle(cli, endpoint):
    name = unique_name("cli")
    created = cli.json(endpoint, "dynamodb", "create-table", "--table-name", name, *KEY_ARGS,
                       "--billing-mode", "PAY_PER_REQUEST")
    assert created["TableDescription"]["TableName"] == name
    cli.run(endpoint, "dynamodb", "wait", "table-exists", "--table-name", name)

    table = cli.json(endpoint, "dynamodb", "describe-table", "--table-name", name)["Table"]
    assert table["TableStatus"] == "ACTIVE"
    assert table["TableArn"] == table_arn(name)
    assert [k["AttributeName"] for k in table["KeySchema"]] == ["pk", "sk"]
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert name in cli.json(endpoint, "dynamodb", "list-tables")["TableNames"]

    key = {"pk": {"S": "cli"}, "sk": {"N": "1"}}
    item = dict(key, n={"N": "1.50"}, ss={"SS": ["a", "b"]}, m={"M": {"t": {"BOOL": True}}},
                l={"L": [{"NULL": True}, {"S": "x"}]})
    cli.run(endpoint, "dynamodb", "put-item", "--table-name", name, "--item", json.dumps(item))
    got = cli.json(endpoint, "dynamodb", "get-item", "--table-name", name, "--key",
                   json.dumps(key), "--consistent-read")["Item"]
    assert got["n"] == {"N": "1.5"}
    assert sorted(got["ss"]["SS"]) == ["a", "b"]
    assert got["m"] == item["m"] and got["l"] == item["l"] and got["pk"] == key["pk"]

    old = cli.json(endpoint, "dynamodb", "delete-item", "--table-name", name, "--key",
                   json.dumps(key), "--return-values", "ALL_OLD")
    assert old["Attributes"]["m"] == item["m"]
    assert "Item" not in cli.json(endpoint, "dynamodb", "get-item", "--table-name", name,
                                  "--key", json.dumps(key))

    deleted = cli.json(endpoint, "dynamodb", "delete-table", "--table-name", name)
    assert deleted["TableDescription"]["TableName"] == name
    cli.run(endpoint, "dynamodb", "wait", "table-not-exists", "--table-name", name)
    assert name not in cli.json(endpoint, "dynamodb", "list-tables")["TableNames"]


def test_missing_table_is_an_error_exit(cli, endpoint):
    name = unique_name("cli-missing")
    proc = cli.run(endpoint, "dynamodb", "describe-table", "--table-name", name,
                   expect_ok=False)
    assert proc.returncode == cli.error_exit, (proc.returncode, proc.stderr)
    assert "ResourceNotFoundException" in proc.stderr
    assert proc.stdout.strip() == ""


def test_validation_error_exit(cli, endpoint):
    name = unique_name("cli-invalid")
    cli.run(endpoint, "dynamodb", "create-table", "--table-name", name,
            "--attribute-definitions", "AttributeName=pk,AttributeType=S",
            "--key-schema", "AttributeName=pk,KeyType=HASH", "--billing-mode", "PAY_PER_REQUEST")
    proc = cli.run(endpoint, "dynamodb", "put-item", "--table-name", name, "--item",
                   '{"pk": {"S": ""}}', expect_ok=False)
    assert proc.returncode == cli.error_exit, (proc.returncode, proc.stderr)
    assert "ValidationException" in proc.stderr
    assert "key attribute cannot contain an empty string value" in proc.stderr
    cli.run(endpoint, "dynamodb", "delete-table", "--table-name", name)


def test_region_comes_from_the_environment(cli, endpoint):
    name = unique_name("cli-region")
    created = cli.json(endpoint, "dynamodb", "create-table", "--table-name", name,
                       "--attribute-definitions", "AttributeName=pk,AttributeType=S",
                       "--key-schema", "AttributeName=pk,KeyType=HASH",
                       "--billing-mode", "PAY_PER_REQUEST", region="eu-west-3")
    assert created["TableDescription"]["TableArn"] == table_arn(name, "eu-west-3")
    assert name not in cli.json(endpoint, "dynamodb", "list-tables")["TableNames"]
    cli.run(endpoint, "dynamodb", "delete-table", "--table-name", name, region="eu-west-3")


def test_endpoint_from_aws_endpoint_url(cli, endpoint):
    # §1.1: "`AWS_ENDPOINT_URL` env | all services".
    if not cli.supports_endpoint_env():
        pytest.skip(f"AWS CLI {'.'.join(map(str, cli.version))} predates AWS_ENDPOINT_URL")
    name = unique_name("cli-env")
    cli.run(endpoint, "dynamodb", "create-table", "--table-name", name,
            "--attribute-definitions", "AttributeName=pk,AttributeType=S",
            "--key-schema", "AttributeName=pk,KeyType=HASH", "--billing-mode", "PAY_PER_REQUEST",
            use_flag=False)
    tables = cli.json(endpoint, "dynamodb", "list-tables", use_flag=False)["TableNames"]
    assert name in tables
    cli.run(endpoint, "dynamodb", "delete-table", "--table-name", name, use_flag=False)
