"""Run one of the template's Lambda handlers in this process: `sam local invoke` without Docker.

`sam local invoke` needs Docker and a build; this reads template.yaml the way Lambda would see
it (Globals merged with the function, the handler path, its environment), loads the handler
module from its CodeUri folder, and calls it with a sample event and a stand-in context. The
CLI uses it for `syndicate invoke`; pointed at the local backend through `env_overrides`, the
real handlers run against the folder and SQLite adapters.

Environment values written literally in the template are used as they are. Values that
CloudFormation computes at deploy time (`!Ref Bucket`, `!Sub ...`) cannot be known here, so
they must be supplied (overrides first, then the calling process's environment); a missing one
is an error that names the variable rather than a handler failing later on an empty string.
The environment is changed for the call only and restored afterwards.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml

FUNCTION_TYPE = "AWS::Serverless::Function"
LAYER_TYPE = "AWS::Serverless::LayerVersion"
FAKE_ACCOUNT = "123456789012"

Unresolved = Literal["error", "unset"]


class InvokeError(Exception):
    """The template, the function name or its environment does not allow a local invoke."""


class _CfnLoader(yaml.SafeLoader):
    """A safe YAML loader that also reads CloudFormation's short-form tags (!Ref, !Sub...)."""


def _construct_intrinsic(loader: yaml.SafeLoader, tag_suffix: str, node: yaml.Node) -> dict[str, Any]:
    """Turn `!Name value` into the long form `{"Fn::Name": value}` (`!Ref` -> `{"Ref": value}`)."""
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    if tag_suffix in ("Ref", "Condition"):
        return {tag_suffix: value}
    if tag_suffix == "GetAtt" and isinstance(value, str):
        value = value.split(".", 1)
    return {f"Fn::{tag_suffix}": value}


_CfnLoader.add_multi_constructor("!", _construct_intrinsic)


def load_template(template_path: Path) -> dict[str, Any]:
    """Parse a CloudFormation/SAM template (YAML or JSON) with short-form tags in long form."""
    try:
        text = Path(template_path).read_text(encoding="utf-8")
    except OSError as exc:
        raise InvokeError(f"cannot read template {template_path}: {exc}") from exc
    try:
        data = yaml.load(text, Loader=_CfnLoader)  # _CfnLoader is a SafeLoader subclass
    except yaml.YAMLError as exc:
        raise InvokeError(f"{template_path} is not valid YAML: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("Resources"), dict):
        raise InvokeError(f"{template_path} has no Resources section")
    return data


@dataclass(frozen=True)
class FunctionSpec:
    """What Lambda would know about one function: Globals and its own properties merged."""

    logical_id: str
    name: str
    code_dir: Path
    handler: str
    memory_mb: int
    timeout_s: float
    variables: dict[str, Any]
    layer_dirs: list[Path] = field(default_factory=list)

    @property
    def module_file(self) -> Path:
        module, _, _ = self.handler.rpartition(".")
        if not module:
            raise InvokeError(f"{self.logical_id}: handler {self.handler!r} is not of the form module.function")
        return self.code_dir / (module.replace(".", "/") + ".py")

    @property
    def function_attr(self) -> str:
        return self.handler.rpartition(".")[2]


def _short_name(logical_id: str, code_uri: Any) -> str:
    """`functions/poll/` -> `poll`; without a local CodeUri, `PollFunction` -> `poll`."""
    if isinstance(code_uri, str) and code_uri.strip("/"):
        return Path(code_uri.rstrip("/")).name.lower()
    stem = logical_id[: -len("Function")] if logical_id.endswith("Function") else logical_id
    return stem.lower()


def _functions(template: Mapping[str, Any]) -> dict[str, tuple[str, dict[str, Any]]]:
    """Short name -> (logical id, properties) for every serverless function."""
    found: dict[str, tuple[str, dict[str, Any]]] = {}
    for logical_id, resource in template["Resources"].items():
        if isinstance(resource, dict) and resource.get("Type") == FUNCTION_TYPE:
            props = resource.get("Properties") or {}
            found[_short_name(logical_id, props.get("CodeUri"))] = (logical_id, props)
    return found


def function_names(template_path: Path) -> list[str]:
    """The short names (`poll`, `ingest`, ...) that `invoke_function` accepts, sorted."""
    return sorted(_functions(load_template(template_path)))


def _literal(value: Any) -> str | None:
    """A template value as Lambda would receive it, or None when CloudFormation computes it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    return None


def _describe(value: Any) -> str:
    if isinstance(value, dict) and len(value) == 1:
        key, arg = next(iter(value.items()))
        tag = "!" + key.removeprefix("Fn::")
        return f"{tag} {json.dumps(arg)}"
    return json.dumps(value)


def resolve_spec(name: str, template_path: Path) -> FunctionSpec:
    """Find function `name` (short name or logical id, any case) and merge Globals into it."""
    template_path = Path(template_path)
    template = load_template(template_path)
    functions = _functions(template)
    wanted = name.lower()
    match = functions.get(wanted)
    if match is None:
        for short, (logical_id, props) in functions.items():
            if logical_id.lower() in (wanted, wanted + "function"):
                match, wanted = (logical_id, props), short
                break
    if match is None:
        known = ", ".join(sorted(functions)) or "none"
        raise InvokeError(f"no function {name!r} in {template_path} (known: {known})")
    logical_id, props = match
    glob = (template.get("Globals") or {}).get("Function") or {}
    base = template_path.resolve().parent

    def prop(key: str, default: Any = None) -> Any:
        return props.get(key, glob.get(key, default))

    code_uri = prop("CodeUri")
    if not isinstance(code_uri, str) or code_uri.startswith("s3://"):
        raise InvokeError(f"{logical_id}: CodeUri {code_uri!r} is not a local folder")
    handler = prop("Handler")
    if not isinstance(handler, str):
        raise InvokeError(f"{logical_id}: no Handler in the function or in Globals")

    variables: dict[str, Any] = {}
    for source in (glob, props):
        variables.update(((source.get("Environment") or {}).get("Variables")) or {})

    layer_dirs: list[Path] = []
    # SAM appends a function's Layers to the Globals' ones (lists merge), as Lambda will see them.
    for layer in [*(glob.get("Layers") or []), *(props.get("Layers") or [])]:
        ref = layer.get("Ref") if isinstance(layer, dict) else None
        resource = template["Resources"].get(ref) if ref else None
        if isinstance(resource, dict) and resource.get("Type") == LAYER_TYPE:
            content = (resource.get("Properties") or {}).get("ContentUri")
            if isinstance(content, str) and not content.startswith("s3://"):
                layer_dirs.append(base / content)

    return FunctionSpec(
        logical_id=logical_id,
        name=wanted,
        code_dir=base / code_uri,
        handler=handler,
        memory_mb=int(prop("MemorySize", 128)),
        timeout_s=float(prop("Timeout", 3)),
        variables=variables,
        layer_dirs=layer_dirs,
    )


def build_environment(
    spec: FunctionSpec,
    env_overrides: Mapping[str, str] | None = None,
    environ: Mapping[str, str] | None = None,
    *,
    unresolved: Unresolved = "error",
) -> dict[str, str]:
    """The variables to set for the call: literals as written, computed ones supplied, overrides win.

    A computed variable that neither `env_overrides` nor `environ` (default: os.environ)
    provides raises InvokeError naming it, or, with `unresolved="unset"` (the local backend,
    which has no bucket or queue to name), is left out of the handler's environment.
    """
    overrides = dict(env_overrides or {})
    outside = os.environ if environ is None else environ
    env: dict[str, str] = {}
    missing: list[str] = []
    for key, value in spec.variables.items():
        if key in overrides:
            continue
        literal = _literal(value)
        if literal is not None:
            env[key] = literal
        elif key in outside:
            env[key] = outside[key]
        elif unresolved == "error":
            missing.append(f"{key} ({_describe(value)})")
    if missing:
        raise InvokeError(
            f"{spec.logical_id}: environment variable(s) computed by CloudFormation need a value: "
            + "; ".join(missing)
            + ". Pass them as overrides or set them in the environment."
        )
    env.update(overrides)
    return env


@dataclass
class FakeLambdaContext:
    """The attributes of Lambda's context object that handlers and powertools read."""

    function_name: str
    memory_limit_in_mb: int
    invoked_function_arn: str
    timeout_s: float
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    function_version: str = "$LATEST"
    log_group_name: str = ""
    log_stream_name: str = "local"
    _deadline: float = 0.0

    def __post_init__(self) -> None:
        self._deadline = time.monotonic() + self.timeout_s
        if not self.log_group_name:
            self.log_group_name = f"/aws/lambda/{self.function_name}"

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


@contextmanager
def _patched_environ(values: Mapping[str, str]) -> Iterator[None]:
    """Set `values` for the duration; afterwards os.environ is exactly as it was."""
    saved = dict(os.environ)
    os.environ.update(values)
    try:
        yield
    finally:
        for key in [k for k in os.environ if k not in saved]:
            del os.environ[key]
        for key, value in saved.items():
            if os.environ.get(key) != value:
                os.environ[key] = value


@contextmanager
def _patched_path(dirs: list[Path]) -> Iterator[None]:
    """Put the code folder first and the layers after it, as Lambda orders them."""
    saved = list(sys.path)
    sys.path[:0] = [str(d) for d in dirs]
    try:
        yield
    finally:
        sys.path[:] = saved


def _load_handler(spec: FunctionSpec) -> Any:
    """Import the handler module afresh under a name unique to the function."""
    path = spec.module_file
    if not path.is_file():
        raise InvokeError(f"{spec.logical_id}: handler module {path} does not exist")
    module_name = f"_syndicate_fn_{spec.name}_{path.stem}"
    module_spec = importlib.util.spec_from_file_location(module_name, path)
    if module_spec is None or module_spec.loader is None:
        raise InvokeError(f"{spec.logical_id}: cannot load {path}")
    module = importlib.util.module_from_spec(module_spec)
    # Registered so that dataclasses and pickling inside the module can find it; replaced on
    # every invoke, so module-level caches never carry one call's environment into the next.
    sys.modules[module_name] = module
    module_spec.loader.exec_module(module)
    handler = getattr(module, spec.function_attr, None)
    if not callable(handler):
        raise InvokeError(f"{spec.logical_id}: {path} has no callable {spec.function_attr!r}")
    return handler


def invoke_function(
    name: str,
    event_path: Path,
    template_path: Path,
    env_overrides: Mapping[str, str] | None = None,
    *,
    unresolved: Unresolved = "error",
) -> Any:
    """Call function `name`'s handler with the JSON event in `event_path`; return its result.

    `name` is the CodeUri folder or logical id (`poll`, `IngestFunction`...), any case.
    The handler sees the template's environment (see `build_environment`), its code folder
    and layers on sys.path, and a stand-in context; all three are undone afterwards.
    A computed variable that is set neither in `env_overrides` nor in os.environ is an
    InvokeError, unless `unresolved="unset"` leaves it out (for the local backend).
    """
    spec = resolve_spec(name, Path(template_path))
    try:
        event = json.loads(Path(event_path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InvokeError(f"cannot read event {event_path}: {exc}") from exc
    env = build_environment(spec, env_overrides, unresolved=unresolved)
    region = env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "us-east-1"
    context = FakeLambdaContext(
        function_name=spec.logical_id,
        memory_limit_in_mb=spec.memory_mb,
        invoked_function_arn=f"arn:aws:lambda:{region}:{FAKE_ACCOUNT}:function:{spec.logical_id}",
        timeout_s=spec.timeout_s,
    )
    with _patched_environ(env), _patched_path([spec.code_dir, *spec.layer_dirs]):
        handler = _load_handler(spec)
        return handler(event, context)
