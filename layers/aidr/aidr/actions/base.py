"""The containment action contract and its registry (after Cloud Custodian's actions that declare their permissions).

Every action is a class registered by decorator under a kebab-case id, declaring as data the IAM ``permissions``
it needs, the ``target_types`` it accepts, whether it is ``reversible`` and ``destructive``, and its ``order`` in
a playbook. Its life cycle, each step callable on its own from a Step Functions task::

    snap = action.snapshot(target)   # read only: the prior state, JSON-serialisable (snap.model_dump(mode="json"))
    action.plan(snap)                # dry-run: what apply would change now, one line per change
    action.apply(snap)
    action.verify(snap)              # True when nothing is left to apply
    action.undo(snap)                # back to exactly the snapshot's state
    action.verify_undo(snap)         # True when nothing is left to undo

Each change is computed from a fresh read just before it runs, so apply and undo are idempotent (re-running one
finds nothing to change) and chained mutations never act on stale state. ``plan`` runs the very same code without
the mutations, so a dry-run cannot drift from what apply does; ``verify`` is "plan is empty".

``snapshot`` is pure: it reads and returns, and never changes anything. A playbook that runs again must keep its
FIRST snapshot (the runner's snapshot store does that): a snapshot taken after apply would record the contained
state as the prior one, and undo would then restore containment.

Options an action takes (exempt roles, the logging configuration to restore...) are validated by its ``Options``
model and copied into the snapshot, so ``apply``/``undo`` need nothing but the snapshot: a runner may build a bare
``get_action(snap.action)()`` in another Lambda invocation.

Examples
--------
>>> sorted(load_all())[:2]
['deactivate-access-keys', 'deactivate-bedrock-api-keys']
>>> get_action("delete-endpoint").destructive
True
"""

from __future__ import annotations

import contextlib
import importlib
import pkgutil
import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, ClassVar, TypeVar

import boto3
from botocore.exceptions import BotoCoreError, ClientError
from pydantic import BaseModel, ConfigDict, ValidationError

from .. import aws
from ..errors import ActionFailed, ActionPending
from .targets import Target, TargetType

ClientFactory = Callable[[str, str | None], Any]
"""``(service, region) -> boto3 client``; inject one to use other credentials or a stubbed client."""
Clock = Callable[[], datetime]

# Playbook order (lower first; undo runs in reverse). Logging first so the containment itself is recorded;
# workloads (endpoints, notebooks, agent aliases) before the principals they run as: cutting an execution role
# first breaks the running workload and makes its restore (CreateEndpoint needs the role) fail.
ORDER_LOGGING = 0
ORDER_WORKLOAD = 10
ORDER_DATA = 20
ORDER_PRINCIPAL = 30

_ID = re.compile(r"^[a-z]+(?:-[a-z0-9]+)+$")
_PERMISSION = re.compile(r"^[a-z0-9-]+:[A-Z][A-Za-z0-9]+$")


class Snapshot(BaseModel):
    """The prior state an action captured, plus everything apply and undo need (JSON in, JSON out)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    action: str
    target: Target
    taken_at: datetime
    options: dict[str, Any] = {}
    state: dict[str, Any] = {}


class ActionOptions(BaseModel):
    """Base of action options (none by default): unknown keys are refused, as a typo must not silently widen or
    narrow an action."""

    model_config = ConfigDict(extra="forbid", frozen=True)


@dataclass(frozen=True)
class Change:
    """One mutation: what it does, in words for the approver, and the call that does it."""

    description: str
    run: Callable[[], object]


Part = Callable[[], list[Change]]
"""Reads current state and returns the changes still needed (none when already done)."""


T = TypeVar("T")


def read_or_none(call: Callable[[], T], *absent_codes: str) -> T | None:
    """``call()``, or None when AWS answers with one of ``absent_codes`` (the thing does not exist)."""
    try:
        return call()
    except ClientError as e:
        if aws.error_code(e) in absent_codes:
            return None
        raise


def change(description: str, run: Callable[[], object]) -> list[Change]:
    return [Change(description, run)]


def blocked(description: str, reason: str) -> list[Change]:
    """A change that cannot run yet (e.g. an endpoint still deleting): planned, so verify is False; running it
    raises :class:`ActionPending`, which the state machines retry for minutes (SageMaker deletes and stops
    asynchronously)."""

    def fail() -> None:
        raise ActionPending(reason)

    return [Change(f"{description} (waiting: {reason})", fail)]


class Action(ABC):
    """Base of every containment action; see the module docstring for the life cycle.

    Parameters
    ----------
    options
        The action's options (a mapping or its ``Options`` model), needed by :meth:`snapshot`, which copies them
        into the snapshot; apply, verify and undo read them from there.
    session
        A boto3 session (e.g. an assumed role in the finding's account); clients come from :func:`aidr.aws.client`.
    client_factory
        ``(service, region) -> client``; wins over ``session`` (tests pass stubbed or recording clients).
    clock
        Returns the current UTC time (snapshot time, revocation cut-off).
    """

    id: ClassVar[str] = ""
    title: ClassVar[str] = ""
    permissions: ClassVar[tuple[str, ...]] = ()
    target_types: ClassVar[tuple[TargetType, ...]] = ()
    reversible: ClassVar[bool] = True
    destructive: ClassVar[bool] = False
    order: ClassVar[int] = ORDER_PRINCIPAL
    Options: ClassVar[type[BaseModel]] = ActionOptions

    def __init__(self, options: BaseModel | Mapping[str, Any] | None = None, *,
                 session: boto3.session.Session | None = None, client_factory: ClientFactory | None = None,
                 clock: Clock | None = None) -> None:
        # Validated now when given; a bare action (the runner rebuilding one for apply/undo) needs none.
        self._options = None if options is None else self._validate_options(options)
        self._session = session
        self._factory = client_factory
        self._clock: Clock = clock or (lambda: datetime.now(UTC))
        self._clients: dict[tuple[str, str | None], Any] = {}

    # -- the life cycle -------------------------------------------------------------------------------------------
    def snapshot(self, target: Target) -> Snapshot:
        """Read the target's current state (read-only; keep the first snapshot of a playbook run)."""
        if target.type not in self.target_types:
            raise ActionFailed(f"{self.id}: cannot act on a {target.type} ({target.label}); "
                               f"it handles {', '.join(self.target_types)}")
        options = self._options if self._options is not None else self._validate_options(None)
        taken_at = self._clock()
        with self._failures("snapshot", target):
            state = self._capture(target, options)
        return Snapshot(action=self.id, target=target, taken_at=taken_at,
                        options=options.model_dump(mode="json"), state=state.model_dump(mode="json"))

    def plan(self, snap: Snapshot | Mapping[str, Any]) -> list[str]:
        """Dry-run: the changes apply would make now (empty when already applied). Changes nothing."""
        s = self._load(snap)
        return [c.description for c in self._pending(s, self._apply_parts(s), "plan")]

    def apply(self, snap: Snapshot | Mapping[str, Any]) -> None:
        """Make the changes; each is re-read just before it runs, so a re-run is a no-op."""
        s = self._load(snap)
        self._run(s, self._apply_parts(s), "apply")

    def verify(self, snap: Snapshot | Mapping[str, Any]) -> bool:
        """True when the containment is in place (nothing left to apply)."""
        return not self.plan(snap)

    def plan_undo(self, snap: Snapshot | Mapping[str, Any]) -> list[str]:
        """Dry-run of :meth:`undo`."""
        s = self._load(snap)
        return [c.description for c in self._pending(s, self._undo_parts(s), "plan undo")]

    def undo(self, snap: Snapshot | Mapping[str, Any]) -> None:
        """Put the target back exactly as the snapshot recorded it; a re-run is a no-op."""
        s = self._load(snap)
        if not self.reversible:
            raise ActionFailed(f"{self.id} is not reversible")
        self._run(s, self._undo_parts(s), "undo")

    def verify_undo(self, snap: Snapshot | Mapping[str, Any]) -> bool:
        """True when the target is back in its snapshot state (nothing left to undo)."""
        return not self.plan_undo(snap)

    # -- what each action implements ------------------------------------------------------------------------------
    @abstractmethod
    def _capture(self, target: Target, options: Any) -> BaseModel:
        """Read the prior state (the action's own pydantic model)."""

    @abstractmethod
    def _apply_parts(self, snap: Snapshot) -> Iterable[Part]:
        """The steps of apply, in order; each reads current state when called."""

    @abstractmethod
    def _undo_parts(self, snap: Snapshot) -> Iterable[Part]:
        """The steps of undo, in order; each reads current state when called."""

    # -- helpers --------------------------------------------------------------------------------------------------
    def client(self, service: str, target: Target) -> Any:
        """The client for ``service`` in the target's region (cached per action instance)."""
        key = (service, target.region)
        if key not in self._clients:
            if self._factory is not None:
                self._clients[key] = self._factory(service, target.region)
            else:
                self._clients[key] = aws.client(service, target.region, self._session)
        return self._clients[key]

    def now(self) -> datetime:
        return self._clock()

    @classmethod
    def _validate_options(cls, options: BaseModel | Mapping[str, Any] | None) -> Any:
        if isinstance(options, cls.Options):
            return options
        raw = options.model_dump() if isinstance(options, BaseModel) else dict(options or {})
        try:
            return cls.Options.model_validate(raw)
        except ValidationError as e:
            problems = "; ".join(f"option {'.'.join(str(p) for p in err['loc']) or 'options'!r}: {err['msg']}"
                                 for err in e.errors())
            raise ActionFailed(f"{cls.id}: {problems}") from None

    def _load(self, snap: Snapshot | Mapping[str, Any]) -> Snapshot:
        s = snap if isinstance(snap, Snapshot) else Snapshot.model_validate(snap)
        if s.action != self.id:
            raise ActionFailed(f"{self.id}: given a snapshot of {s.action!r}")
        return s

    @classmethod
    def widen_options(cls, stored: dict[str, Any], applied: dict[str, Any]) -> dict[str, Any]:
        """The options a stored snapshot keeps once a later run applied with ``applied`` (the undo reads them).

        By default undo does not depend on options, so the first run's stay. Actions whose options scope what
        apply changes return the union, so undo covers every run's changes.
        """
        return stored

    def options_of(self, snap: Snapshot) -> Any:
        """The options recorded in the snapshot: a bare action rebuilt by the runner acts with them."""
        return self._validate_options(snap.options)

    def _pending(self, snap: Snapshot, parts: Iterable[Part], step: str) -> Iterator[Change]:
        for part in parts:
            with self._failures(step, snap.target):
                changes = part()
            yield from changes

    def _run(self, snap: Snapshot, parts: Iterable[Part], step: str) -> None:
        # Lazily: each part reads state only after the previous part's changes ran.
        for c in self._pending(snap, parts, step):
            with self._failures(f"{step}: {c.description}", snap.target):
                c.run()

    @contextlib.contextmanager
    def _failures(self, step: str, target: Target) -> Iterator[None]:
        """Turn an AWS error into ActionFailed naming the action, step and target (never swallowed)."""
        try:
            yield
        except ClientError as e:
            err = e.response.get("Error", {})
            raise ActionFailed(f"{self.id} {step} on {target.label}: "
                               f"{err.get('Code', 'Error')}: {err.get('Message', '')}".rstrip(": ")) from e
        except BotoCoreError as e:
            raise ActionFailed(f"{self.id} {step} on {target.label}: {e}") from e


# -- registry ------------------------------------------------------------------------------------------------------
REGISTRY: dict[str, type[Action]] = {}
A = TypeVar("A", bound=type[Action])


def action(action_id: str) -> Callable[[A], A]:
    """Register an action class under ``action_id`` (kebab-case verb first), checking its declared data."""

    def wrap(cls: A) -> A:
        if not _ID.match(action_id):
            raise ValueError(f"action id {action_id!r} must be kebab-case, e.g. 'quarantine-bucket'")
        if action_id in REGISTRY and REGISTRY[action_id].__qualname__ != cls.__qualname__:
            raise ValueError(f"action id {action_id!r} registered twice")
        bad = [p for p in cls.permissions if not _PERMISSION.match(p)]
        if not cls.permissions or bad:
            raise ValueError(f"{action_id}: permissions must be 'service:Action' IAM names (bad: {bad})")
        if not cls.target_types or not cls.title:
            raise ValueError(f"{action_id}: declare title and target_types")
        cls.id = action_id
        REGISTRY[action_id] = cls
        return cls

    return wrap


_loaded = False


def load_all() -> dict[str, type[Action]]:
    """Import every module under ``aidr.actions`` so their decorators run; returns the registry."""
    global _loaded
    if not _loaded:
        from .. import actions as pkg

        for info in pkgutil.iter_modules(pkg.__path__, pkg.__name__ + "."):
            importlib.import_module(info.name)
        _loaded = True
    return REGISTRY


def get_action(action_id: str) -> type[Action]:
    """The action class registered under ``action_id``."""
    reg = load_all()
    if action_id not in reg:
        raise ActionFailed(f"unknown action {action_id!r}; known: {', '.join(sorted(reg))}")
    return reg[action_id]


def ordered(action_ids: Iterable[str], *, undo: bool = False) -> list[str]:
    """Action ids in playbook order (workloads before the principals they run as); reversed for undo.

    Examples
    --------
    >>> ordered(["revoke-role-sessions", "delete-endpoint"])
    ['delete-endpoint', 'revoke-role-sessions']
    >>> ordered(["revoke-role-sessions", "delete-endpoint"], undo=True)
    ['revoke-role-sessions', 'delete-endpoint']
    """
    ids = sorted(action_ids, key=lambda i: get_action(i).order)  # stable: equal orders keep the caller's order
    return ids[::-1] if undo else ids
