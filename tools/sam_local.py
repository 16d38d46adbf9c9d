"""`make sam-local`: every Lambda function in a real Lambda container, against moto, offline.

`syndicate invoke` runs a handler in-process on the development interpreter; it cannot show a
package missing from the layer, a Python 3.12 difference, a wrong handler path or an
environment variable the template does not declare. This runs the built application the way
users test it, `sam local invoke`, on a stand-in base image (tools/lambda-image/build.sh:
no image registry is reachable here), and checks that the three functions do real work:

1. Docker: use the running daemon, or start `dockerd` (installing docker.io as root if
   missing) and stop it again at the end.
2. The base image (build.sh, a no-op when up to date), then `sam build --cached`.
3. moto's server and the demo partner site, both bound to Docker's bridge gateway
   (172.17.0.1): SAM CLI 1.170 keeps the container on the bridge even with
   `--docker-network host`, so that is where a container reaches this machine. Nothing
   listens beyond this machine; the functions may fetch that one address because
   SYNDICATE_ALLOW_NETWORKS names it (the fetch guard refuses private addresses otherwise).
4. PollFunction with a fresh schedule event: the demo feeds' entries land on the article
   queue. IngestFunction with one of those messages, received from the queue: a record is
   stored and a publish trigger sent. PublishFunction with that trigger message: the feed.
5. The bucket holds the feed and the record; each invoke's log has powertools' structured
   JSON lines from its own service and no error.

Run: `make sam-local`, or `python tools/sam_local.py` with python3.12 on PATH (the layer is
built with it). Exit status 0 when every check passed. Files land in .aws-sam/sam-local/.
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import hashlib
import ipaddress
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / "shared"), str(REPO / "demo")]

from aws_lambda_powertools.utilities.data_classes import SQSEvent  # noqa: E402

from syndicate import config  # noqa: E402
from syndicate.adapters import aws  # noqa: E402
from syndicate_demo.server import DemoServer, render_registry  # noqa: E402

IMAGE = os.environ.get("LAMBDA_IMAGE", "syndicate-lambda-python:3.12-offline")
REGION = "us-east-1"
WORK = REPO / ".aws-sam" / "sam-local"
MOTO_LAUNCHER = REPO / "tests" / "fixtures" / "moto_server.py"
FUNCTIONS = {"PollFunction": "poll", "IngestFunction": "ingest", "PublishFunction": "publish"}
# Credentials for moto only; nothing from the developer's AWS configuration may reach the
# containers (SAM CLI hands the shell's credentials to them).
FAKE_AWS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_REGION": REGION,
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    "AWS_EC2_METADATA_DISABLED": "true",
}


class Failed(Exception):
    """A check did not pass; the message says which and why."""


def step(message: str) -> None:
    print(f"[sam-local] {message}", flush=True)


def run(
    argv: list[str], *, env: dict[str, str] | None = None, timeout: float = 900
) -> subprocess.CompletedProcess[str]:
    """Run a command, its output shown only when it fails."""
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=timeout, check=False)
    if done.returncode != 0:
        raise Failed(f"{' '.join(argv[:3])}... exited {done.returncode}:\n{done.stdout[-3000:]}{done.stderr[-3000:]}")
    return done


# -- Docker -------------------------------------------------------------------------------


def docker_answers() -> bool:
    return subprocess.run(["docker", "info"], capture_output=True, check=False).returncode == 0


@contextlib.contextmanager
def docker_daemon() -> Iterator[None]:
    """The running daemon, or one started here (and stopped on the way out)."""
    if shutil.which("docker") and docker_answers():
        yield
        return
    if not shutil.which("dockerd") or not shutil.which("debootstrap"):
        if os.geteuid() != 0:
            raise Failed("Docker is not running and dockerd is missing: apt-get install docker.io debootstrap")
        step("installing docker.io and debootstrap (apt-get)")
        run(
            ["apt-get", "install", "-y", "docker.io", "debootstrap"],
            env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
        )
    WORK.mkdir(parents=True, exist_ok=True)
    log = (WORK / "dockerd.log").open("wb")
    daemon = subprocess.Popen(["dockerd"], stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    step(f"started dockerd (pid {daemon.pid}); it is stopped when this run ends")
    try:
        deadline = time.monotonic() + 60
        while not docker_answers():
            if daemon.poll() is not None or time.monotonic() > deadline:
                raise Failed(f"dockerd did not come up; see {WORK / 'dockerd.log'}")
            time.sleep(0.5)
        yield
    finally:
        daemon.send_signal(signal.SIGTERM)
        try:
            daemon.wait(timeout=30)
        except subprocess.TimeoutExpired:
            daemon.kill()
            daemon.wait()
        log.close()


def bridge_gateway() -> str:
    """The host's address on Docker's default bridge (172.17.0.1 unless configured otherwise)."""
    done = run(["docker", "network", "inspect", "bridge", "-f", "{{json .IPAM.Config}}"])
    for net in json.loads(done.stdout):
        subnet = ipaddress.ip_network(net.get("Subnet", "0.0.0.0/32"))
        if subnet.version != 4:
            continue
        # Docker gives the bridge the subnet's first address unless told otherwise (and then
        # names it here).
        return str(net.get("Gateway") or subnet[1])
    raise Failed(f"Docker's bridge network has no IPv4 subnet: {done.stdout}")


# -- moto and the partner site ------------------------------------------------------------


def free_port(host: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def moto_server(host: str) -> Iterator[str]:
    """moto's server (the tests' launcher: DynamoDB item operations atomic) on `host`."""
    port = free_port(host)
    url = f"http://{host}:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")} | FAKE_AWS
    with (WORK / "moto.log").open("wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-P", str(MOTO_LAUNCHER), "-H", host, "-p", str(port)],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env,
        )
    try:
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        deadline = time.monotonic() + 30
        while True:
            try:
                with opener.open(f"{url}/moto-api/", timeout=1):
                    break
            except urllib.error.HTTPError:
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise Failed(f"moto did not start; see {WORK / 'moto.log'}") from None
                time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@dataclass
class Stack:
    """The moto resources standing in for the deployed stack's."""

    endpoint: str
    bucket: str
    table: str
    queues: dict[str, str] = field(default_factory=dict)

    def client(self, service: str) -> Any:
        return aws.make_client(service, endpoint_url=self.endpoint, region=REGION)

    def env_vars(self, allow: str, base_url: str) -> dict[str, dict[str, str]]:
        """The --env-vars file: overrides for variables the template declares (all in Globals)."""
        return {
            "Parameters": {
                "BUCKET_NAME": self.bucket,
                "TABLE_NAME": self.table,
                "ARTICLE_QUEUE_URL": self.queues["articles"],
                "PUBLISH_QUEUE_URL": self.queues["publish"],
                "REGISTRY_URI": f"s3://{self.bucket}/{config.REGISTRY_KEY}",
                "PUBLIC_BASE_URL": base_url,
                "AWS_ENDPOINT_URL": self.endpoint,
                "SYNDICATE_ALLOW_NETWORKS": allow,
            }
        }


def create_stack(endpoint: str, site_base: str) -> Stack:
    """Bucket, table and queues on moto, and the demo registry (naming the site) pushed to it."""
    stem = f"sam-local-{uuid.uuid4().hex[:8]}"
    names = {"articles": f"{stem}-articles", "publish": f"{stem}-publish"}
    urls = aws.create_resources(f"{stem}-bucket", f"{stem}-state", list(names.values()), endpoint_url=endpoint)
    stack = Stack(endpoint, f"{stem}-bucket", f"{stem}-state", {role: urls[name] for role, name in names.items()})
    registry = render_registry(site_base, WORK / "partners.yaml")
    store = aws.S3ObjectStore(stack.bucket, client=stack.client("s3"))
    config.push(store, registry.read_text(encoding="utf-8"), str(registry))
    return stack


# -- events -------------------------------------------------------------------------------


def schedule_event(sample: Path) -> dict[str, Any]:
    """events/poll.json with a fresh id and time: what EventBridge's schedule sends now."""
    event: dict[str, Any] = json.loads(sample.read_text(encoding="utf-8"))
    event["id"] = str(uuid.uuid4())
    event["time"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    return event


def sqs_event(stack: Stack, role: str, pick: str = "") -> dict[str, Any]:
    """One message received from a queue, as Lambda's SQS poller hands it to the function
    (the record's field names are those of events/ingest.json; see tests/unit/test_events.py)."""
    sqs = stack.client("sqs")
    url = stack.queues[role]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    messages = sqs.receive_message(
        QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"], MessageAttributeNames=["All"], WaitTimeSeconds=1
    ).get("Messages", [])
    if not messages:
        raise Failed(f"nothing on the {role} queue")
    chosen = next((m for m in messages if pick in m["Body"]), messages[0])
    record = {
        "messageId": chosen["MessageId"],
        "receiptHandle": chosen["ReceiptHandle"],
        "body": chosen["Body"],
        "attributes": {k: v for k, v in chosen.get("Attributes", {}).items()},
        "messageAttributes": chosen.get("MessageAttributes", {}),
        "md5OfBody": chosen["MD5OfBody"],
        "eventSource": "aws:sqs",
        "eventSourceARN": arn,
        "awsRegion": REGION,
    }
    event = {"Records": [record]}
    # Read it as the handlers do (powertools), as tests/unit/test_events.py reads events/.
    (parsed,) = SQSEvent(event).records
    if parsed.md5_of_body != hashlib.md5(parsed.body.encode("utf-8")).hexdigest() or not parsed.queue_url:
        raise Failed(f"the {role} message does not read as an SQS record: {record}")
    return event


# -- invoking and checking ----------------------------------------------------------------


@dataclass
class Invoke:
    function: str
    seconds: float
    result: dict[str, Any]
    log: list[str]

    def structured(self) -> list[dict[str, Any]]:
        """The log's powertools lines (JSON objects with level, message and service)."""
        lines = []
        for line in self.log:
            with contextlib.suppress(ValueError):
                item = json.loads(line)
                if isinstance(item, dict) and {"level", "message", "service"} <= item.keys():
                    lines.append(item)
        return lines


def sam_invoke(sam: str, function: str, event: dict[str, Any], env_vars: Path, env: dict[str, str]) -> Invoke:
    event_file = WORK / f"{FUNCTIONS[function]}-event.json"
    event_file.write_text(json.dumps(event, indent=2), encoding="utf-8")
    argv = [
        sam, "local", "invoke", function,
        "--template", str(REPO / ".aws-sam" / "build" / "template.yaml"),
        "--event", str(event_file),
        "--env-vars", str(env_vars),
        "--invoke-image", IMAGE,
        "--skip-pull-image",
        "--region", REGION,
    ]  # fmt: skip
    started = time.monotonic()
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=600, check=False, cwd=REPO)
    seconds = time.monotonic() - started
    (WORK / f"{FUNCTIONS[function]}-invoke.log").write_text(done.stderr + "\n--- stdout ---\n" + done.stdout)
    if done.returncode != 0:
        raise Failed(f"sam local invoke {function} exited {done.returncode}:\n{done.stderr[-4000:]}")
    try:
        result = json.loads(done.stdout.strip().splitlines()[-1])
    except (IndexError, ValueError):
        raise Failed(f"{function} returned no JSON:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}") from None
    return Invoke(function, seconds, result, done.stderr.splitlines())


# After the invocation's REPORT line SAM CLI stops the emulator, and awslambdaric, already
# asking for the next event, may log this (with its traceback) before the container is gone.
# It is the runtime's teardown, not the function's: the only error text allowed, and only there.
TEARDOWN = "LAMBDA_RUNTIME Failed to get next invocation"


ERROR_MARKS = ("Traceback", '"errorType"', "[ERROR]", '"level":"ERROR"', '"level":"CRITICAL"')


def is_error(text: str) -> bool:
    return any(mark in text for mark in ERROR_MARKS)


def check_log(invoke: Invoke) -> None:
    """Powertools' structured lines from the function's own service, and no error: none
    before the invocation's REPORT line, and after it nothing but the runtime's teardown."""
    service = FUNCTIONS[invoke.function]
    lines = invoke.structured()
    ours = [line for line in lines if line.get("service") == service and "function_request_id" in line]
    if not ours:
        raise Failed(f"{invoke.function}: no powertools line from service {service!r} in its log")
    errors = [line for line in lines if line["level"] in ("ERROR", "CRITICAL")]
    if errors:
        raise Failed(f"{invoke.function} logged errors: {errors}")
    report = next((i for i, text in enumerate(invoke.log) if text.startswith("REPORT RequestId:")), None)
    if report is None:
        raise Failed(f"{invoke.function}: no REPORT line: the invocation did not finish")
    for text in invoke.log[:report]:
        if is_error(text):
            raise Failed(f"{invoke.function}: error in its log: {text[:500]}")
    after = [text for text in invoke.log[report + 1 :] if is_error(text)]
    if after and TEARDOWN not in after[0]:
        raise Failed(f"{invoke.function}: error after its invocation: {after[0][:500]}")
    if "errorType" in invoke.result:
        raise Failed(f"{invoke.function} failed: {invoke.result}")


def show(invoke: Invoke, lines: int = 4) -> None:
    step(f"{invoke.function}: {invoke.seconds:.1f} s, returned {json.dumps(invoke.result)[:300]}")
    for line in invoke.structured()[:lines]:
        print("    " + json.dumps(line)[:300], flush=True)


def object_keys(stack: Stack, prefix: str) -> list[str]:
    pages = stack.client("s3").get_paginator("list_objects_v2").paginate(Bucket=stack.bucket, Prefix=prefix)
    return [obj["Key"] for page in pages for obj in page.get("Contents", [])]


def check_bucket(stack: Stack, ingested_url: str) -> None:
    """The record of the ingested article and a feed listing it are in the bucket."""
    s3 = stack.client("s3")
    records = object_keys(stack, "public/records/")
    if not records:
        raise Failed("no record under public/records/")
    page = s3.get_object(Bucket=stack.bucket, Key="public/feed.json")
    if page.get("ContentEncoding") != "gzip" or not str(page.get("CacheControl", "")).startswith("public"):
        headers = f"{page.get('ContentEncoding')!r}, {page.get('CacheControl')!r}"
        raise Failed(f"public/feed.json lacks its headers (Content-Encoding, Cache-Control): {headers}")
    feed = json.loads(gzip.decompress(page["Body"].read()))
    urls = [item.get("url") for item in feed.get("items", [])]
    if ingested_url not in urls:
        raise Failed(f"public/feed.json does not list {ingested_url}: {urls}")
    step(f"bucket: public/feed.json lists {ingested_url}; records: {', '.join(records)}")


def sam_env() -> dict[str, str]:
    """SAM CLI's environment: moto's fake credentials, no telemetry, python3.12 for `sam build`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")} | FAKE_AWS
    env["SAM_CLI_TELEMETRY"] = "0"
    env.setdefault("PYENV_VERSION", "3.11.7:3.12.1")
    return env


def find_sam() -> str:
    for candidate in (os.environ.get("SAM_CLI"), str(REPO / ".tools-sam" / "bin" / "sam"), shutil.which("sam")):
        if candidate and Path(candidate).is_file():
            return candidate
    raise Failed("SAM CLI not found: set SAM_CLI or run `make tools`")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--sam", default=None, help="SAM CLI (default: $SAM_CLI, .tools-sam/bin/sam, PATH)")
    args = parser.parse_args(argv)
    started = time.monotonic()
    WORK.mkdir(parents=True, exist_ok=True)
    # This process talks to moto too (creating the resources, reading the bucket): the same
    # fake credentials, and never the developer's own AWS configuration.
    for name in [k for k in os.environ if k.startswith("AWS_")]:
        del os.environ[name]
    os.environ.update(FAKE_AWS)
    try:
        sam = args.sam or find_sam()
        env = sam_env()
        with docker_daemon():
            t0 = time.monotonic()
            subprocess.run([str(REPO / "tools" / "lambda-image" / "build.sh")], env=env, check=True)
            step(f"base image {IMAGE} ready ({time.monotonic() - t0:.0f} s)")
            t0 = time.monotonic()
            run([sam, "build", "--cached"], env=env)
            step(f"sam build ({time.monotonic() - t0:.0f} s)")
            gateway = bridge_gateway()
            with moto_server(gateway) as endpoint, DemoServer(host=gateway) as site:
                step(f"moto at {endpoint}, partner site at {site.base_url} (Docker's bridge)")
                stack = create_stack(endpoint, site.base_url)
                env_vars = WORK / "env.json"
                env_vars.write_text(json.dumps(stack.env_vars(f"{gateway}/32", f"{endpoint}/{stack.bucket}/public/")))

                poll = sam_invoke(sam, "PollFunction", schedule_event(REPO / "events" / "poll.json"), env_vars, env)
                show(poll)
                check_log(poll)
                if not poll.result.get("enqueued") or poll.result.get("failures"):
                    raise Failed(f"PollFunction queued nothing or failed: {poll.result}")

                article = sqs_event(stack, "articles", pick='"partner":"lse-blogs"')
                ingested_url = json.loads(article["Records"][0]["body"])["canonical_url"]
                ingest = sam_invoke(sam, "IngestFunction", article, env_vars, env)
                show(ingest)
                check_log(ingest)
                if ingest.result.get("batchItemFailures"):
                    raise Failed(f"IngestFunction reported failures: {ingest.result}")

                publish = sam_invoke(sam, "PublishFunction", sqs_event(stack, "publish"), env_vars, env)
                show(publish)
                check_log(publish)
                if not publish.result.get("published"):
                    raise Failed(f"PublishFunction published nothing: {publish.result}")
                check_bucket(stack, ingested_url)
    except (Failed, subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
        step(f"FAILED: {exc}")
        print("sam-local: 0 passed, 1 failed", flush=True)
        return 1
    step(f"passed in {time.monotonic() - started:.0f} s (logs and events in {WORK.relative_to(REPO)}/)")
    # The closing line CI reads: the three invokes with their log, bucket and result checks.
    print("sam-local: 3 passed, 0 failed", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
