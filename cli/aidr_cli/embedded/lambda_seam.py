"""Run moto's Lambda invocations in process: the seam that makes Step Functions ``lambda:invoke`` tasks real.

moto runs Lambda functions only in Docker; without it, ``Invoke`` answers canned text. :class:`LambdaSeam` replaces
``moto.awslambda.models.LambdaFunction.invoke`` (what moto's Invoke API, and so its Step Functions interpreter,
calls) for as long as it is active: the function's name is looked up in the seam's handlers (explicit ones first,
then ``functions/<snake_case>/app.py:handler`` for a name that contains a ``...Function`` logical id), and the
handler runs in this process with the payload moto was given, including the payload of a
``lambda:invoke.waitForTaskToken`` task (its token then comes back through ``SendTaskSuccess``/``SendTaskFailure``).

What comes back is what Lambda returns: the handler's JSON result, or for an exception the
``{"errorType", "errorMessage"}`` payload with the ``FunctionError: Unhandled`` header, so a state machine's
``Retry``/``Catch`` on ``"VerifyFailed"`` or ``"GuardRefused"`` sees the same error names as in AWS.

Handlers run one at a time (moto's backends are not thread-safe, and its Step Functions interpreter runs each
execution in a thread). Once a seam has been entered the patch stays for the life of the process. With no seam
active, an invoke gets a function error (``aidr.NoActiveSeam``) instead of moto's Docker runner: a Step Functions
worker that outlives its emulated account (moto cannot stop an execution whose worker has not started yet) must
neither start containers nor pull images, and must not print into the output of whatever runs next.

While a seam is active, moto's SendTaskFailure also passes its ``cause`` on (moto 5.2.5 drops it; Step Functions
does not). The seam depends on moto internals (``LambdaFunction.invoke(self, body, request_headers,
response_headers)`` and ``StepFunctionResponse.send_task_failure`` in moto 5.2.5, pinned in pyproject.toml);
``tests/integration/playbooks/test_lambda_seam.py`` fails when they move.

Examples
--------
>>> seam = LambdaSeam({"echo": lambda event, context: event})
>>> seam.resolve("echo")({"a": 1}, None)
{'a': 1}
"""

from __future__ import annotations

import importlib.util
import inspect
import json
import re
import sys
import threading
import traceback
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType, TracebackType
from typing import Any

from aidr.errors import TemplateError

from ..template import default_template_path
from .lambda_context import LambdaContext

Handler = Callable[[Any, Any], Any]

_LOGICAL_ID = re.compile(r"([A-Z][A-Za-z0-9]*Function)")
_lock = threading.RLock()
# Handlers run one at a time. moto's Step Functions interpreter runs each execution in its own thread, and moto's
# backends are not thread-safe: playbook runs on the same target (a principal several findings name) reading and
# writing IAM at once made steps fail at random. Re-entrant: a handler may invoke another function synchronously.
_run = threading.RLock()
_active: list[LambdaSeam] = []  # a stack: the innermost active seam answers
_original: Any = None
_modules: dict[Path, ModuleType] = {}


def repository_root() -> Path:
    """The checkout holding template.yaml, functions/ and statemachines/."""
    return default_template_path().resolve().parent


def snake_case(logical_id: str) -> str:
    """``PlaybookStepFunction`` -> ``playbook_step`` (the template convention for CodeUri).

    Examples
    --------
    >>> snake_case("RequestApprovalFunction")
    'request_approval'
    """
    base = logical_id[: -len("Function")] if logical_id.endswith("Function") else logical_id
    return re.sub(r"(?<!^)(?=[A-Z])", "_", base).lower()


def load_handler(logical_id: str, root: Path | None = None) -> Handler:
    """``functions/<snake>/app.py:handler`` of a function logical id, imported once per process."""
    path = (root or repository_root()) / "functions" / snake_case(logical_id) / "app.py"
    if not path.is_file():
        raise TemplateError(f"{logical_id}: no handler at {path}")
    with _lock:
        module = _modules.get(path)
        if module is None:
            # Each functions/*/app.py is a module named "app": load under a unique name.
            name = f"aidr_functions_{snake_case(logical_id)}"
            spec = importlib.util.spec_from_file_location(name, path)
            if spec is None or spec.loader is None:
                raise TemplateError(f"{logical_id}: cannot load {path}")
            module = importlib.util.module_from_spec(spec)
            sys.modules[name] = module
            spec.loader.exec_module(module)
            _modules[path] = module
    return module.handler  # type: ignore[no-any-return]


FakeContext = LambdaContext  # the name tests of the seam use


@dataclass
class Invocation:
    """One call the seam answered (tests and the CLI read them)."""

    function_name: str
    event: Any
    result: Any = None
    error: str | None = None


class LambdaSeam:
    """Route moto Lambda invocations to in-process handlers while active (a context manager; re-entrant).

    Parameters
    ----------
    handlers
        Function name -> handler; wins over the lookup in ``functions/``.
    root
        The checkout whose ``functions/`` to load handlers from (default: the one holding template.yaml).
    """

    def __init__(self, handlers: Mapping[str, Handler] | None = None, root: Path | None = None) -> None:
        self.handlers: dict[str, Handler] = dict(handlers or {})
        self.root = root
        self.invocations: list[Invocation] = []

    def register(self, function_name: str, handler: Handler) -> None:
        self.handlers[function_name] = handler

    def resolve(self, function_name: str) -> Handler:
        """The handler for a function name (an explicit one, else by the logical id inside the name)."""
        if function_name in self.handlers:
            return self.handlers[function_name]
        m = _LOGICAL_ID.search(function_name)
        if not m:
            raise TemplateError(f"no in-process handler for Lambda function {function_name!r}")
        return load_handler(m.group(1), self.root)

    def call(self, function_name: str, function_arn: str, event: Any) -> tuple[Any, bool]:
        """Run the handler; returns (payload, errored) as Lambda would."""
        record = Invocation(function_name, event)
        self.invocations.append(record)
        try:
            handler = self.resolve(function_name)
            record.result = handler(event, FakeContext(function_name, function_arn))
            return record.result, False
        except Exception as e:  # an unhandled function error, reported as Lambda does
            record.error = type(e).__name__
            return {"errorType": type(e).__name__, "errorMessage": str(e),
                    "stackTrace": traceback.format_exception(e)[-3:]}, True

    def __enter__(self) -> LambdaSeam:
        _install()
        with _lock:
            _active.append(self)
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        with _lock:
            _active.remove(self)


def _seam_invoke(fn: Any, body: str, request_headers: Any, response_headers: Any) -> bytes:
    with _lock:
        seam = _active[-1] if _active else None
    if seam is None:  # a worker that outlived its seam (see the module docstring)
        response_headers["x-amz-function-error"] = "Unhandled"
        return json.dumps({"errorType": "aidr.NoActiveSeam", "errorMessage": (
            f"{fn.function_name} was invoked after the embedded account that ran it was closed")}).encode("utf-8")
    event = json.loads(body) if body else {}
    with _run:
        payload, errored = seam.call(fn.function_name, fn.function_arn, event)
    if errored:
        response_headers["x-amz-function-error"] = "Unhandled"
    return json.dumps(payload).encode("utf-8")


def _send_task_failure_with_cause(self: Any) -> Any:
    """moto 5.2.5's SendTaskFailure drops ``cause``; Step Functions hands it to the Catch (``$.rejected.Cause``
    holds who rejected and why). Same code as moto's, passing the cause on."""
    from moto.core.responses import EmptyResult

    backend = self.stepfunction_backend
    # Only the executing backend (execute_state_machine) takes a cause; the plain one ignores failures.
    extra = {"cause": self._get_param("cause")} if "cause" in inspect.signature(
        backend.send_task_failure).parameters else {}
    backend.send_task_failure(self._get_param("taskToken"), error=self._get_param("error"), **extra)
    return EmptyResult()


def _install() -> None:
    global _original
    from moto.awslambda.models import LambdaFunction
    from moto.stepfunctions.responses import StepFunctionResponse

    with _lock:
        StepFunctionResponse.send_task_failure = _send_task_failure_with_cause  # type: ignore[method-assign]
        if _original is None:
            _original = LambdaFunction.invoke
            LambdaFunction.invoke = _seam_invoke  # type: ignore[method-assign]


@contextmanager
def routed(handlers: Mapping[str, Handler] | None = None) -> Iterator[LambdaSeam]:
    """``with routed({...}) as seam:`` — a :class:`LambdaSeam` for the block."""
    with LambdaSeam(handlers) as seam:
        yield seam
