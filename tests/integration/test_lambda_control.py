"""Lambda's control plane through boto3 (wire reference §4): every operation, its errors
(code and HTTP status), the botocore waiters, deployment packages (hostile zips refused,
executable bits kept) and hot reload. The server is ephemeral; code directories are found
through GetFunction's Code.Location (a file:// URL in awsemu)."""

import base64
import hashlib
import json
import os
import re
import stat
import zipfile
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from conftest import (DEFAULT_ACCOUNT, LAMBDA_ROLE, client_accepts, expect_error, function_arn,
                      http_request, make_zip, post_large, unique_name)

RUNNABLE = ["python3.9", "python3.10", "python3.11", "python3.12", "python3.13", "nodejs18.x",
            "nodejs20.x", "nodejs22.x", "provided", "provided.al2", "provided.al2023"]
NOT_FOUND = "ResourceNotFoundException"
INVALID = "InvalidParameterValueException"
VALIDATION = "ValidationException"


def create(lam, name=None, zip_bytes=None, **kwargs):
    args = dict(FunctionName=name or unique_name("fn"), Runtime="python3.12", Role=LAMBDA_ROLE,
                Handler="handler.handler",
                Code={"ZipFile": make_zip() if zip_bytes is None else zip_bytes})
    args.update(kwargs)
    return lam.create_function(**args)


def code_dir(lam, name):
    location = lam.get_function(FunctionName=name)["Code"]["Location"]
    assert location.startswith("file://"), location
    return Path(urlsplit(location).path)


def raw(endpoint, method, path, payload=None, body=None):
    if body is None and payload is not None:
        body = json.dumps(payload).encode()
    return http_request(endpoint, method, path, body, {"Content-Type": "application/json"})


def assert_rest_error(resp, code, status, type_=("User",)):
    """§1.5 REST-JSON: status, x-amzn-ErrorType, body Type and message."""
    assert resp.status == status, resp
    assert resp.headers.get("x-amzn-errortype") == code, resp
    assert resp.headers.get("content-type") == "application/json", resp
    body = resp.json()
    assert body.get("Type") in type_, body
    assert body.get("message") or body.get("Message"), body
    return body


def sha256_b64(data):
    return base64.b64encode(hashlib.sha256(data).digest()).decode()


# ---- CreateFunction, GetFunction, GetFunctionConfiguration -----------------------------------

def test_create_function_returns_its_configuration(lam):
    zip_bytes = make_zip()
    name = unique_name("fn")
    resp = create(lam, name, zip_bytes)
    assert resp["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert resp["FunctionName"] == name
    assert resp["FunctionArn"] == function_arn(name)
    assert resp["CodeSha256"] == sha256_b64(zip_bytes)
    assert resp["CodeSize"] == len(zip_bytes)
    assert resp["Version"] == "$LATEST"
    assert resp["State"] == "Active" and resp["LastUpdateStatus"] == "Successful"
    assert (resp["Timeout"], resp["MemorySize"]) == (3, 128)
    assert resp["Architectures"] == ["x86_64"] and resp["PackageType"] == "Zip"
    assert resp["EphemeralStorage"] == {"Size": 512}
    if client_accepts(lam, "CreateFunction", "LoggingConfig"):  # botocore >= 1.32
        assert resp["LoggingConfig"] == {"LogFormat": "Text", "LogGroup": f"/aws/lambda/{name}"}
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000", resp["LastModified"])
    assert re.fullmatch(r"[0-9a-f-]{36}", resp["RevisionId"])


def test_create_function_with_every_option(lam):
    name = unique_name("fn")
    logging = client_accepts(lam, "CreateFunction", "LoggingConfig")  # botocore >= 1.32
    extra = {"LoggingConfig": {"LogFormat": "JSON", "ApplicationLogLevel": "DEBUG",
                               "SystemLogLevel": "WARN", "LogGroup": "g"}} if logging else {}
    resp = create(lam, name, Description="d", Timeout=900, MemorySize=10240,
                  Environment={"Variables": {"A": "1", "b_2": "x"}}, Architectures=["arm64"],
                  PackageType="Zip", Publish=True, Tags={"team": "t"},
                  EphemeralStorage={"Size": 10240}, TracingConfig={"Mode": "Active"}, **extra)
    assert (resp["Description"], resp["Timeout"], resp["MemorySize"]) == ("d", 900, 10240)
    assert resp["Environment"] == {"Variables": {"A": "1", "b_2": "x"}}
    assert resp["Architectures"] == ["arm64"]
    assert resp["EphemeralStorage"] == {"Size": 10240}
    assert resp["TracingConfig"] == {"Mode": "Active"}
    if logging:
        assert resp["LoggingConfig"] == extra["LoggingConfig"]
    got = lam.get_function(FunctionName=name)
    assert got["Tags"] == {"team": "t"}
    assert got["Configuration"]["Environment"] == resp["Environment"]


def test_every_runnable_runtime_is_accepted(lam):
    for runtime in RUNNABLE:
        assert create(lam, Runtime=runtime)["Runtime"] == runtime


def test_get_function_and_configuration(lam):
    name = create(lam)["FunctionName"]
    got = lam.get_function(FunctionName=name)
    assert got["Configuration"]["FunctionName"] == name
    assert got["Configuration"]["State"] == "Active"
    assert got["Configuration"]["LastUpdateStatus"] == "Successful"
    assert got["Code"]["RepositoryType"] == "S3"
    assert "Tags" not in got and "Concurrency" not in got
    conf = lam.get_function_configuration(FunctionName=name)
    assert conf["FunctionArn"] == function_arn(name) and conf["State"] == "Active"


@pytest.mark.parametrize("form", ["arn", "partial", "qualified", "arn-qualified", "query"])
def test_function_name_forms(lam, form):
    name = create(lam)["FunctionName"]
    param, extra = {
        "arn": (function_arn(name), {}),
        "partial": (f"{DEFAULT_ACCOUNT}:function:{name}", {}),
        "qualified": (f"{name}:$LATEST", {}),
        "arn-qualified": (function_arn(name, qualifier="$LATEST"), {}),
        "query": (name, {"Qualifier": "$LATEST"}),
    }[form]
    assert lam.get_function(FunctionName=param, **extra)["Configuration"]["FunctionName"] == name


def test_missing_function_and_qualifier(lam):
    name = unique_name("missing")
    with expect_error(NOT_FOUND, 404, f"Function not found: {function_arn(name)}"):
        lam.get_function(FunctionName=name)
    with expect_error(NOT_FOUND, 404, f"Function not found: {function_arn(name)}"):
        lam.get_function_configuration(FunctionName=name)
    existing = create(lam)["FunctionName"]
    # "qualified ARN when a qualifier was given" (§4.2); awsemu has no versions yet.
    with expect_error(NOT_FOUND, 404, f"Function not found: {function_arn(existing, qualifier='1')}"):
        lam.get_function(FunctionName=existing, Qualifier="1")
    with expect_error(NOT_FOUND, 404, f"Function not found: {function_arn(existing, qualifier='live')}"):
        lam.get_function(FunctionName=f"{existing}:live")


def test_function_name_errors(lam, make_client):
    with expect_error(VALIDATION, 400, re.compile(r"^1 validation error detected: Value 'a\*b' "
                                                  r"at 'functionName' failed to satisfy")):
        lam.get_function(FunctionName="a*b")
    with expect_error(INVALID, 400, re.compile("less than or equal to 64")):
        lam.get_function(FunctionName="a" * 65)
    name = create(lam)["FunctionName"]
    with expect_error(INVALID, 400, "The derived qualifier from the function name does not "
                                    "match the specified qualifier."):
        lam.get_function(FunctionName=f"{name}:$LATEST", Qualifier="other")
    with expect_error(NOT_FOUND, 404, "Functions from 'eu-west-1' are not reachable in this "
                                      "region ('us-east-1')"):
        lam.get_function(FunctionName=function_arn(name, region="eu-west-1"))
    with expect_error("AccessDeniedException", 403):
        lam.get_function(FunctionName=function_arn(name, account="111111111111"))
    # Region scopes functions: the same name in another region does not exist.
    with expect_error(NOT_FOUND, 404):
        make_client("lambda", region="eu-west-1").get_function(FunctionName=name)


def test_duplicate_name_conflicts(lam):
    name = create(lam)["FunctionName"]
    with expect_error("ResourceConflictException", 409, f"Function already exist: {name}"):
        create(lam, name)


# ---- configuration validation ------------------------------------------------------------------

def test_runtime_errors(lam):
    with expect_error(INVALID, 400, re.compile(r"^The runtime parameter of python3\.7 is no "
                                               r"longer supported for creating or updating AWS "
                                               r"Lambda functions\.")):
        create(lam, Runtime="python3.7")
    with expect_error(INVALID, 400, re.compile(r"nodejs14\.x is no longer supported")):
        create(lam, Runtime="nodejs14.x")
    for runtime in ("java21", "dotnet8", "ruby3.3", "python3.14", "nodejs24.x"):
        with expect_error(INVALID, 400, re.compile(rf"^The runtime parameter of {re.escape(runtime)}"
                                                   r" is valid in AWS Lambda, but awsemu cannot "
                                                   r"run it\. Runtimes awsemu runs: python3\.9")):
            create(lam, Runtime=runtime)
    with expect_error(VALIDATION, 400, re.compile(r"Value 'cobol' at 'runtime' failed to satisfy "
                                                  r"constraint: Member must satisfy enum value")):
        create(lam, Runtime="cobol")


def test_missing_runtime_handler_and_bad_role(lam):
    args = dict(FunctionName=unique_name("fn"), Role=LAMBDA_ROLE, Code={"ZipFile": make_zip()})
    with expect_error(INVALID, 400, "Runtime and Handler are mandatory parameters for functions "
                                    "created with deployment packages."):
        lam.create_function(Runtime="python3.12", **args)
    with expect_error(VALIDATION, 400, re.compile("at 'role' failed to satisfy constraint")):
        create(lam, Role="not-a-role")
    with expect_error(VALIDATION, 400, re.compile("at 'handler'")):
        create(lam, Handler="has space")
    with expect_error(INVALID, 400, re.compile("Zip packages only")):
        create(lam, PackageType="Image")
    with expect_error(VALIDATION, 400, re.compile("at 'packageType'")):
        create(lam, PackageType="Tar")
    with expect_error(VALIDATION, 400, re.compile("at 'architectures")):
        create(lam, Architectures=["sparc"])
    with expect_error(VALIDATION, 400, re.compile("at 'description'")):
        create(lam, Description="x" * 257)


def test_limits(lam, endpoint):
    with expect_error(VALIDATION, 400, re.compile(r"Value '901' at 'timeout' failed to satisfy "
                                                  r"constraint: Member must have value less than "
                                                  r"or equal to 900")):
        create(lam, Timeout=901)
    with expect_error(VALIDATION, 400, re.compile(r"at 'memorySize'.*less than or equal to 10240")):
        create(lam, MemorySize=10241)
    with expect_error(VALIDATION, 400, re.compile("ephemeralStorage")):
        create(lam, EphemeralStorage={"Size": 10241})
    # boto3 refuses values under the model's minimum itself: send those raw.
    base = dict(FunctionName=unique_name("fn"), Runtime="python3.12", Role=LAMBDA_ROLE,
                Handler="h.h", Code={"ZipFile": base64.b64encode(make_zip()).decode()})
    resp = raw(endpoint, "POST", "/2015-03-31/functions", dict(base, Timeout=0))
    assert_rest_error(resp, VALIDATION, 400, type_=(None,))
    resp = raw(endpoint, "POST", "/2015-03-31/functions", dict(base, MemorySize=127))
    assert_rest_error(resp, VALIDATION, 400, type_=(None,))


def test_environment_rules(lam):
    with expect_error(VALIDATION, 400, re.compile("environment.variables")):
        create(lam, Environment={"Variables": {"1abc": "x"}})
    with expect_error(INVALID, 400, re.compile(r"contains reserved keys.*: AWS_REGION$")):
        create(lam, Environment={"Variables": {"AWS_REGION": "x"}})
    with expect_error(INVALID, 400, re.compile(r"^Lambda was unable to configure your environment "
                                               r"variables because the environment variables you "
                                               r"have provided exceeded the 4KB limit\.")):
        create(lam, Environment={"Variables": {"BIG": "x" * 4100}})
    # Just under 4 KB ({"K":"..."} measured as JSON) is fine.
    create(lam, Environment={"Variables": {"K": "x" * (4096 - len('{"K":""}'))}})


# ---- packages ----------------------------------------------------------------------------------

UNZIP_FAILED = "Could not unzip uploaded file. Please check your file, then try to upload again."


def unix_entry(name, mode):
    info = zipfile.ZipInfo(name)
    info.create_system = 3
    info.external_attr = mode << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    return info


@pytest.mark.parametrize("kind", ["not-a-zip", "absolute", "dotdot", "symlink-out",
                                  "symlink-absolute", "empty"])
def test_hostile_zips_are_refused(lam, kind):
    zip_bytes = {
        "not-a-zip": b"this is not a zip file at all",
        "absolute": make_zip(entries=[(unix_entry("/tmp/evil.py", 0o100644), "x")]),
        "dotdot": make_zip(entries=[(unix_entry("a/../../evil.py", 0o100644), "x")]),
        "symlink-out": make_zip(entries=[(unix_entry("sub/link", 0o120777), "../../etc")]),
        "symlink-absolute": make_zip(entries=[(unix_entry("link", 0o120777), "/etc/passwd")]),
        "empty": b"",
    }[kind]
    name = unique_name("hostile")
    with expect_error(INVALID, 400, UNZIP_FAILED):
        create(lam, name, zip_bytes)
    with expect_error(NOT_FOUND, 404):
        lam.get_function(FunctionName=name)


def test_unzipped_size_limit(lam):
    big = make_zip(entries=[(unix_entry("big.bin", 0o100644), b"\0" * (262144000 + 1))])
    with expect_error(INVALID, 400, "Unzipped size must be smaller than 262144000 bytes"):
        create(lam, zip_bytes=big)


def test_zipped_size_limit(lam):
    with expect_error("RequestEntityTooLargeException", 413,
                      "Zipped size must be smaller than 52428800 bytes"):
        create(lam, zip_bytes=b"PK" + b"\0" * 52428799)


def test_request_over_the_create_function_limit(endpoint):
    resp = post_large(endpoint, "/2015-03-31/functions", {"Content-Type": "application/json"},
                      b" " * (70167211 + 1))
    body = assert_rest_error(resp, "RequestEntityTooLargeException", 413)
    assert "70167211" in body["message"]


def test_executable_bits_and_inner_links_are_kept(lam):
    zip_bytes = make_zip(entries=[
        (unix_entry("bootstrap", 0o100755), "#!/bin/sh\n"),
        (unix_entry("lib/data.txt", 0o100644), "data"),
        (unix_entry("lib/link.txt", 0o120777), "data.txt"),
        (unix_entry("top.txt", 0o120777), "lib/../lib/data.txt"),
    ])
    name = create(lam, zip_bytes=zip_bytes, Runtime="provided.al2023")["FunctionName"]
    root = code_dir(lam, name)
    assert stat.S_IMODE(os.stat(root / "bootstrap").st_mode) == 0o755
    assert stat.S_IMODE(os.stat(root / "lib/data.txt").st_mode) == 0o644
    assert os.readlink(root / "lib/link.txt") == "data.txt"
    assert (root / "top.txt").read_text() == "data"
    assert (root / "handler.py").exists()


# ---- UpdateFunctionCode, UpdateFunctionConfiguration, waiters ----------------------------------

def test_update_function_code_replaces_the_package(lam):
    created = create(lam)
    name = created["FunctionName"]
    old_dir = code_dir(lam, name)
    new_zip = make_zip({"handler.py": "def handler(e, c):\n    return 2\n"})
    updated = lam.update_function_code(FunctionName=name, ZipFile=new_zip,
                                       RevisionId=created["RevisionId"])
    assert updated["CodeSha256"] == sha256_b64(new_zip)
    assert updated["CodeSize"] == len(new_zip)
    assert updated["RevisionId"] != created["RevisionId"]
    new_dir = code_dir(lam, name)
    assert new_dir != old_dir and not old_dir.exists()
    assert "return 2" in (new_dir / "handler.py").read_text()
    lam.get_waiter("function_updated_v2").wait(FunctionName=name)
    with expect_error("PreconditionFailedException", 412, re.compile("^The Revision Id provided "
                                                                     "does not match")):
        lam.update_function_code(FunctionName=name, ZipFile=new_zip,
                                 RevisionId=created["RevisionId"])
    with expect_error(INVALID, 400, UNZIP_FAILED):
        lam.update_function_code(FunctionName=name, ZipFile=b"garbage")
    assert code_dir(lam, name) == new_dir and new_dir.exists()
    with expect_error(NOT_FOUND, 404):
        lam.update_function_code(FunctionName=unique_name("missing"), ZipFile=new_zip)
    dry = lam.update_function_code(FunctionName=name, ZipFile=make_zip({"x.py": "1"}),
                                   DryRun=True)
    assert dry["CodeSha256"] != updated["CodeSha256"]
    assert code_dir(lam, name) == new_dir


def test_update_function_configuration(lam):
    created = create(lam, Environment={"Variables": {"A": "1"}})
    name = created["FunctionName"]
    updated = lam.update_function_configuration(
        FunctionName=name, Timeout=30, MemorySize=256, Description="new", Handler="other.main",
        Runtime="nodejs20.x", Environment={"Variables": {"B": "2"}},
        RevisionId=created["RevisionId"])
    assert (updated["Timeout"], updated["MemorySize"], updated["Description"]) == (30, 256, "new")
    assert updated["Handler"] == "other.main" and updated["Runtime"] == "nodejs20.x"
    assert updated["Environment"] == {"Variables": {"B": "2"}}
    assert updated["RevisionId"] != created["RevisionId"]
    assert updated["CodeSha256"] == created["CodeSha256"]
    lam.get_waiter("function_updated_v2").wait(FunctionName=name)
    conf = lam.get_function_configuration(FunctionName=name)
    assert conf["Timeout"] == 30 and conf["LastUpdateStatus"] == "Successful"
    with expect_error("PreconditionFailedException", 412):
        lam.update_function_configuration(FunctionName=name, Timeout=5,
                                          RevisionId=created["RevisionId"])
    with expect_error(VALIDATION, 400):
        lam.update_function_configuration(FunctionName=name, Timeout=5000)
    with expect_error(INVALID, 400, re.compile("no longer supported")):
        lam.update_function_configuration(FunctionName=name, Runtime="python3.8")
    assert lam.get_function_configuration(FunctionName=name)["Timeout"] == 30
    with expect_error(NOT_FOUND, 404):
        lam.update_function_configuration(FunctionName=unique_name("missing"), Timeout=5)


def test_waiters_finish_at_once(lam):
    name = create(lam)["FunctionName"]
    fast = {"Delay": 1, "MaxAttempts": 1}  # one poll: the first answer must be final
    lam.get_waiter("function_exists").wait(FunctionName=name, WaiterConfig=fast)
    lam.get_waiter("function_active_v2").wait(FunctionName=name, WaiterConfig=fast)
    lam.get_waiter("function_updated_v2").wait(FunctionName=name, WaiterConfig=fast)
    lam.get_waiter("function_active").wait(FunctionName=name, WaiterConfig=fast)
    lam.get_waiter("function_updated").wait(FunctionName=name, WaiterConfig=fast)


# ---- ListFunctions, DeleteFunction -------------------------------------------------------------

def test_list_functions_pages(make_client, endpoint):
    lam = make_client("lambda", region="ap-south-1")  # a region of its own: a known set
    names = sorted(create(lam)["FunctionName"] for _ in range(5))
    assert [f["FunctionName"] for f in lam.list_functions()["Functions"]] == names
    seen, marker = [], None
    for _ in range(10):
        page = lam.list_functions(MaxItems=2, **({"Marker": marker} if marker else {}))
        assert len(page["Functions"]) <= 2
        seen += [f["FunctionName"] for f in page["Functions"]]
        marker = page.get("NextMarker")
        if not marker:
            break
    assert seen == names
    paged = [f["FunctionName"] for p in lam.get_paginator("list_functions").paginate(
        PaginationConfig={"PageSize": 3}) for f in p["Functions"]]
    assert paged == names
    resp = raw(endpoint, "GET", "/2015-03-31/functions/?MaxItems=0")
    assert_rest_error(resp, VALIDATION, 400, type_=(None,))


def test_list_functions_default_page_is_50(make_client):
    lam = make_client("lambda", region="sa-east-1")
    for _ in range(51):
        create(lam)
    page = lam.list_functions()
    assert len(page["Functions"]) == 50 and page["NextMarker"]
    assert len(lam.list_functions(Marker=page["NextMarker"])["Functions"]) == 1


def test_delete_function(lam):
    name = create(lam)["FunctionName"]
    root = code_dir(lam, name)
    with expect_error(INVALID, 400, "$LATEST version cannot be deleted without deleting the "
                                    "function."):
        lam.delete_function(FunctionName=name, Qualifier="$LATEST")
    resp = lam.delete_function(FunctionName=name)
    assert resp["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert not root.exists() and not root.parent.exists()
    with expect_error(NOT_FOUND, 404, f"Function not found: {function_arn(name)}"):
        lam.get_function(FunctionName=name)
    with expect_error(NOT_FOUND, 404):
        lam.delete_function(FunctionName=name)
    create(lam, name)  # the name is free again
    lam.delete_function(FunctionName=function_arn(name))


# ---- hot reload --------------------------------------------------------------------------------

def test_hot_reload(lam, tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "handler.py").write_text("def handler(e, c):\n    return 1\n")
    name = unique_name("hot")
    created = create(lam, name, Code={"S3Bucket": "hot-reload", "S3Key": str(src)})
    # awsemu's documented CodeSha256 for hot reload: SHA-256 of the directory path.
    assert created["CodeSha256"] == sha256_b64(str(src).encode())
    assert created["CodeSize"] == 0
    assert code_dir(lam, name) == src
    # Code replaced by a zip: the user's directory stays.
    lam.update_function_code(FunctionName=name, ZipFile=make_zip())
    assert code_dir(lam, name) != src and (src / "handler.py").exists()
    lam.update_function_code(FunctionName=name, S3Bucket="hot-reload", S3Key=str(src))
    assert code_dir(lam, name) == src
    lam.delete_function(FunctionName=name)
    assert (src / "handler.py").exists()


def test_hot_reload_errors(lam, tmp_path):
    for key in ("relative/dir", str(tmp_path / "missing")):
        with expect_error(INVALID, 400, re.compile("absolute path to an existing directory")):
            create(lam, Code={"S3Bucket": "hot-reload", "S3Key": key})
    with expect_error(INVALID, 400, re.compile("awsemu has no S3")):
        create(lam, Code={"S3Bucket": "my-bucket", "S3Key": "code.zip"})
    with expect_error(INVALID, 400, re.compile("Zip packages only")):
        create(lam, Code={"ImageUri": "123.dkr.ecr.us-east-1.amazonaws.com/x:latest"})


# ---- permissions -------------------------------------------------------------------------------

def test_permissions(lam):
    created = create(lam)
    name = created["FunctionName"]
    with expect_error(NOT_FOUND, 404, "No policy is associated with the given resource."):
        lam.get_policy(FunctionName=name)
    resp = lam.add_permission(FunctionName=name, StatementId="sns", Action="lambda:InvokeFunction",
                              Principal="sns.amazonaws.com",
                              SourceArn="arn:aws:sns:us-east-1:000000000000:topic")
    assert resp["ResponseMetadata"]["HTTPStatusCode"] == 201
    statement = json.loads(resp["Statement"])
    assert statement == {
        "Sid": "sns", "Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"},
        "Action": "lambda:InvokeFunction", "Resource": function_arn(name),
        "Condition": {"ArnLike": {"AWS:SourceArn": "arn:aws:sns:us-east-1:000000000000:topic"}}}
    lam.add_permission(FunctionName=name, StatementId="acct", Action="lambda:*",
                       Principal="111111111111", SourceAccount="111111111111")
    policy = lam.get_policy(FunctionName=name)
    doc = json.loads(policy["Policy"])
    assert doc["Version"] == "2012-10-17" and [s["Sid"] for s in doc["Statement"]] == ["sns", "acct"]
    assert doc["Statement"][1]["Principal"] == {"AWS": "arn:aws:iam::111111111111:root"}
    assert doc["Statement"][1]["Condition"] == {
        "StringEquals": {"AWS:SourceAccount": "111111111111"}}
    assert policy["RevisionId"] != created["RevisionId"]
    assert policy["RevisionId"] == lam.get_function(FunctionName=name)["Configuration"]["RevisionId"]
    with expect_error("ResourceConflictException", 409, re.compile(r"^The statement id \(sns\) "
                                                                   r"provided already exists")):
        lam.add_permission(FunctionName=name, StatementId="sns", Action="lambda:InvokeFunction",
                           Principal="sns.amazonaws.com")
    with expect_error("PreconditionFailedException", 412):
        lam.add_permission(FunctionName=name, StatementId="x", Action="lambda:InvokeFunction",
                           Principal="s3.amazonaws.com", RevisionId=created["RevisionId"])
    with expect_error(INVALID, 400, "We currently do not support adding policies for $LATEST."):
        lam.add_permission(FunctionName=name, StatementId="x", Action="lambda:InvokeFunction",
                           Principal="s3.amazonaws.com", Qualifier="$LATEST")
    with expect_error(VALIDATION, 400, re.compile("at 'action'")):
        lam.add_permission(FunctionName=name, StatementId="x", Action="s3:GetObject",
                           Principal="s3.amazonaws.com")
    with expect_error(VALIDATION, 400, re.compile("at 'statementId'")):
        lam.add_permission(FunctionName=name, StatementId="bad id", Action="lambda:*",
                           Principal="s3.amazonaws.com")
    resp = lam.remove_permission(FunctionName=name, StatementId="sns")
    assert resp["ResponseMetadata"]["HTTPStatusCode"] == 204
    with expect_error(NOT_FOUND, 404, "Statement sns is not found in resource policy."):
        lam.remove_permission(FunctionName=name, StatementId="sns")
    lam.remove_permission(FunctionName=name, StatementId="acct")
    with expect_error(NOT_FOUND, 404, "No policy is associated with the given resource."):
        lam.get_policy(FunctionName=name)
    with expect_error(NOT_FOUND, 404):
        lam.add_permission(FunctionName=unique_name("missing"), StatementId="x",
                           Action="lambda:*", Principal="*")


def test_policy_size_limit(lam):
    name = create(lam)["FunctionName"]
    with expect_error("PolicyLengthExceededException", 400):
        for i in range(200):
            lam.add_permission(FunctionName=name, StatementId=f"s{i}", Action="lambda:*",
                               Principal="events.amazonaws.com",
                               SourceArn=f"arn:aws:events:us-east-1:000000000000:rule/{'r' * 60}{i}")


# ---- concurrency -------------------------------------------------------------------------------

def test_function_concurrency(lam, endpoint):
    created = create(lam)
    name = created["FunctionName"]
    assert "ReservedConcurrentExecutions" not in lam.get_function_concurrency(FunctionName=name)
    resp = lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=0)
    assert resp["ReservedConcurrentExecutions"] == 0
    resp = lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=7)
    assert resp["ReservedConcurrentExecutions"] == 7
    assert lam.get_function_concurrency(FunctionName=name)["ReservedConcurrentExecutions"] == 7
    assert lam.get_function(FunctionName=name)["Concurrency"] == {"ReservedConcurrentExecutions": 7}
    with expect_error(INVALID, 400, re.compile("below its minimum value of \\[100\\]")):
        lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=901)
    resp = raw(endpoint, "PUT", f"/2017-10-31/functions/{name}/concurrency",
               {"ReservedConcurrentExecutions": -1})
    assert_rest_error(resp, VALIDATION, 400, type_=(None,))
    resp = lam.delete_function_concurrency(FunctionName=name)
    assert resp["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert "ReservedConcurrentExecutions" not in lam.get_function_concurrency(FunctionName=name)
    with expect_error(NOT_FOUND, 404):
        lam.put_function_concurrency(FunctionName=unique_name("missing"),
                                     ReservedConcurrentExecutions=1)
    with expect_error(NOT_FOUND, 404):
        lam.get_function_concurrency(FunctionName=unique_name("missing"))


# ---- event invoke config -----------------------------------------------------------------------

def test_event_invoke_config(lam):
    name = create(lam)["FunctionName"]
    missing = f"The function {function_arn(name, qualifier='$LATEST')} doesn't have an EventInvokeConfig"
    with expect_error(NOT_FOUND, 404, missing):
        lam.get_function_event_invoke_config(FunctionName=name)
    with expect_error(NOT_FOUND, 404, missing):
        lam.update_function_event_invoke_config(FunctionName=name, MaximumRetryAttempts=1)
    dest = "arn:aws:sqs:us-east-1:000000000000:dlq"
    put = lam.put_function_event_invoke_config(
        FunctionName=name, MaximumRetryAttempts=1, MaximumEventAgeInSeconds=60,
        DestinationConfig={"OnFailure": {"Destination": dest}})
    assert put["FunctionArn"] == function_arn(name, qualifier="$LATEST")
    assert (put["MaximumRetryAttempts"], put["MaximumEventAgeInSeconds"]) == (1, 60)
    assert put["DestinationConfig"]["OnFailure"] == {"Destination": dest}
    updated = lam.update_function_event_invoke_config(FunctionName=name, MaximumRetryAttempts=2)
    assert (updated["MaximumRetryAttempts"], updated["MaximumEventAgeInSeconds"]) == (2, 60)
    got = lam.get_function_event_invoke_config(FunctionName=name)
    assert got["MaximumRetryAttempts"] == 2 and got["DestinationConfig"]["OnFailure"] == {
        "Destination": dest}
    replaced = lam.put_function_event_invoke_config(FunctionName=name, MaximumRetryAttempts=0)
    assert "MaximumEventAgeInSeconds" not in replaced
    with expect_error(VALIDATION, 400, re.compile("maximumRetryAttempts")):
        lam.put_function_event_invoke_config(FunctionName=name, MaximumRetryAttempts=3)
    with expect_error(VALIDATION, 400, re.compile("maximumEventAgeInSeconds")):
        lam.put_function_event_invoke_config(FunctionName=name, MaximumEventAgeInSeconds=30000)
    with expect_error(INVALID, 400, re.compile("destination ARN")):
        lam.put_function_event_invoke_config(
            FunctionName=name, DestinationConfig={"OnSuccess": {"Destination": "nope"}})
    with expect_error(INVALID, 400, re.compile("at least one")):
        lam.put_function_event_invoke_config(FunctionName=name)
    resp = lam.delete_function_event_invoke_config(FunctionName=name)
    assert resp["ResponseMetadata"]["HTTPStatusCode"] == 204
    with expect_error(NOT_FOUND, 404, missing):
        lam.delete_function_event_invoke_config(FunctionName=name)


# ---- tags, account settings --------------------------------------------------------------------

def test_tags(lam):
    name = create(lam, Tags={"a": "1"})["FunctionName"]
    arn = function_arn(name)
    assert lam.list_tags(Resource=arn)["Tags"] == {"a": "1"}
    resp = lam.tag_resource(Resource=arn, Tags={"b": "2", "a": "3"})
    assert resp["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert lam.list_tags(Resource=arn)["Tags"] == {"a": "3", "b": "2"}
    resp = lam.untag_resource(Resource=arn, TagKeys=["a", "zzz"])
    assert resp["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert lam.list_tags(Resource=arn)["Tags"] == {"b": "2"}
    lam.untag_resource(Resource=arn, TagKeys=["b"])
    assert lam.list_tags(Resource=arn)["Tags"] == {}
    assert "Tags" not in lam.get_function(FunctionName=name)
    with expect_error(NOT_FOUND, 404, f"Function not found: {function_arn('nope-' + name)}"):
        lam.list_tags(Resource=function_arn("nope-" + name))
    with expect_error(VALIDATION, 400, re.compile("at 'resource'")):
        lam.list_tags(Resource=name)
    with expect_error(INVALID, 400, "Number of tags exceeds resource tag limit."):
        lam.tag_resource(Resource=arn, Tags={f"k{i}": "v" for i in range(51)})


def test_account_settings(make_client):
    lam = make_client("lambda", region="ca-central-1")
    zip_bytes = make_zip()
    create(lam, zip_bytes=zip_bytes)
    create(lam, zip_bytes=zip_bytes)
    settings = lam.get_account_settings()
    assert settings["AccountLimit"]["CodeSizeUnzipped"] == 262144000
    assert settings["AccountLimit"]["CodeSizeZipped"] == 52428800
    assert settings["AccountLimit"]["ConcurrentExecutions"] == 1000
    assert settings["AccountUsage"] == {"FunctionCount": 2, "TotalCodeSize": 2 * len(zip_bytes)}


# ---- the REST-JSON error format ----------------------------------------------------------------

def test_error_format_on_the_wire(endpoint):
    resp = raw(endpoint, "GET", f"/2015-03-31/functions/{unique_name('missing')}")
    body = assert_rest_error(resp, NOT_FOUND, 404)
    assert body["Type"] == "User" and body["message"] == body["Message"]
    resp = raw(endpoint, "GET", "/2015-03-31/no-such-thing")
    body = assert_rest_error(resp, "UnknownOperationException", 404, type_=(None,))
    assert "Type" not in body
    resp = raw(endpoint, "PATCH", "/2015-03-31/functions")
    assert_rest_error(resp, "UnknownOperationException", 404, type_=(None,))
    resp = raw(endpoint, "POST", "/2015-03-31/functions", body=b"{not json")
    assert_rest_error(resp, "InvalidRequestContentException", 400)
    resp = raw(endpoint, "POST", "/2015-03-31/functions", {"FunctionName": 5})
    assert_rest_error(resp, "InvalidRequestContentException", 400)
    resp = raw(endpoint, "POST", "/2015-03-31/functions", {"Role": LAMBDA_ROLE})
    body = assert_rest_error(resp, VALIDATION, 400, type_=(None,))
    assert body["message"] == ("1 validation error detected: Value null at 'functionName' failed "
                               "to satisfy constraint: Member must not be null")
