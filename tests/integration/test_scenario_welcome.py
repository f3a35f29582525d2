"""The welcome e-mail demo (fixtures/scenarios/welcome/run.sh) against a test server: the
script creates the registrations table (NEW_IMAGE stream) and the emails table, the welcome
function and its mapping, registers a user, waits for delivery and prints the e-mail the
handler wrote through AWS_ENDPOINT_URL. Run twice, with the AWS CLI v1 then v2 when both are
installed: the second run starts from a clean slate (one mapping, one e-mail)."""

import json
import os
import subprocess

import pytest

from conftest import ACCESS_KEY, REPO_ROOT, SECRET_KEY
from test_cli import CLIS

SCRIPT = REPO_ROOT / "fixtures" / "scenarios" / "welcome" / "run.sh"
RUN_TIMEOUT = 120  # seconds per run of the script (about 10 AWS CLI calls and one delivery)


def run_demo(url, cli, *args):
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_ENDPOINT_URL=url, AWS_CLI=cli.path, AWS_ACCESS_KEY_ID=ACCESS_KEY,
               AWS_SECRET_ACCESS_KEY=SECRET_KEY, AWS_DEFAULT_REGION="us-east-1",
               AWS_MAX_ATTEMPTS="1", AWS_CONFIG_FILE="/nonexistent/awsemu-config",
               AWS_SHARED_CREDENTIALS_FILE="/nonexistent/awsemu-credentials")
    proc = subprocess.run(["bash", str(SCRIPT), *args], capture_output=True, text=True,
                          env=env, timeout=RUN_TIMEOUT, stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, f"run.sh exit {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


def printed_item(out):
    """The get-item JSON the script printed after its '==> the welcome e-mail' line."""
    start = out.index("==> the welcome e-mail")
    text = out[out.index("\n", start) + 1:]
    return json.JSONDecoder().raw_decode(text)[0]["Item"]


def test_welcome_demo_runs_and_reruns(endpoint, ddb, lam):
    if not CLIS:
        pytest.skip("no AWS CLI installed")
    clis = [CLIS[v] for v in ("v1", "v2") if v in CLIS]
    out = run_demo(endpoint, clis[0])
    item = printed_item(out)
    assert item["id"] == {"S": "welcome#ada@example.com"}, item
    assert item["to"] == {"S": "ada@example.com"}, item
    assert item["subject"] == {"S": "Welcome, Ada Lovelace!"}, item
    assert "==> the handler printed: welcome e-mail sent to Ada Lovelace <ada@example.com>" \
        in out, out

    out = run_demo(endpoint, clis[-1], "grace@example.com", "Grace Hopper")
    assert printed_item(out)["subject"] == {"S": "Welcome, Grace Hopper!"}, out
    # Re-run from scratch: the tables were recreated, one function, one mapping.
    emails = ddb.scan(TableName="emails")["Items"]
    assert [e["id"]["S"] for e in emails] == ["welcome#grace@example.com"], emails
    regs = ddb.scan(TableName="registrations")["Items"]
    assert [r["email"]["S"] for r in regs] == ["grace@example.com"], regs
    mappings = lam.list_event_source_mappings(FunctionName="welcome")["EventSourceMappings"]
    assert len(mappings) == 1 and mappings[0]["State"] == "Enabled", mappings
    stream = ddb.describe_table(TableName="registrations")["Table"]["LatestStreamArn"]
    assert mappings[0]["EventSourceArn"] == stream
    assert mappings[0]["LastProcessingResult"] == "OK", mappings
