"""Public result, event and error types of the SDK (not the wire format)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal, Optional, Union

if TYPE_CHECKING:
    from ._lease import Lease

#: Why a checkout was refused. All but ``UNAVAILABLE`` come from a server; ``UNAVAILABLE`` means none answered.
DenialCode = Literal[
    "NO_SEATS",
    "UNKNOWN_FEATURE",
    "LICENSE_EXPIRED",
    "MAINTENANCE_EXPIRED",
    "CLOCK_TAMPERED",
    "UNAUTHORIZED",
    "BAD_REQUEST",
    "RATE_LIMITED",
    "UNAVAILABLE",
]

#: Denial codes a server may send that the SDK passes through under their own name.
SERVER_DENIALS = frozenset(
    {
        "NO_SEATS",
        "UNKNOWN_FEATURE",
        "LICENSE_EXPIRED",
        "MAINTENANCE_EXPIRED",
        "CLOCK_TAMPERED",
        "UNAUTHORIZED",
        "BAD_REQUEST",
        "RATE_LIMITED",
    }
)


@dataclass(frozen=True)
class CheckoutGrant:
    """A granted checkout: ``ok`` is True and ``lease`` holds the seat."""

    lease: Lease
    #: URL of the server that granted the lease.
    server: str
    ok: Literal[True] = field(default=True, init=False)
    code: None = field(default=None, init=False)
    message: str = field(default="", init=False)


@dataclass(frozen=True)
class CheckoutDenial:
    """A refused checkout: ``ok`` is False, ``code`` says why and ``message`` says it in words."""

    code: DenialCode
    #: Human-readable; for ``UNAVAILABLE`` it lists each server tried and why it failed.
    message: str
    #: URL of the server that gave the answer (None for ``UNAVAILABLE``).
    server: Optional[str] = None
    ok: Literal[False] = field(default=False, init=False)
    lease: None = field(default=None, init=False)


#: A checkout's outcome: a denial is an ordinary result, not an exception. Test ``result.ok``;
#: type checkers then know ``result.lease`` is a :class:`Lease` (or ``result.code`` a :data:`DenialCode`).
CheckoutResult = Union[CheckoutGrant, CheckoutDenial]


@dataclass(frozen=True)
class LeaseRenewed:
    """The seat was lost and the SDK checked out a new one; the lease's ids now name the new one."""

    previous_lease_id: str
    lease_id: str
    #: Server that granted the new lease (possibly another one than before).
    server: str
    #: Why the previous lease went away: the server's ``LEASE_GONE`` reason, or ``UNREACHABLE``.
    reason: str


@dataclass(frozen=True)
class LeaseLost:
    """The seat was lost and checking it out again was refused; the SDK keeps trying every heartbeat period."""

    #: Why the re-checkout was refused.
    code: DenialCode
    message: str
    #: Why the previous lease went away: the server's ``LEASE_GONE`` reason, or ``UNREACHABLE``.
    reason: str


class LicenseClientError(Exception):
    """A failure that is not an ordinary result: from :meth:`LicenseClient.features`, or a failed heartbeat.

    Checkouts return denials instead of raising.
    """

    def __init__(self, code: str, message: str, *, server: Optional[str] = None, status: Optional[int] = None) -> None:
        super().__init__(message)
        #: A Tessera error code from the server (e.g. ``UNAUTHORIZED``), or ``UNAVAILABLE`` when no server answered.
        self.code = code
        self.message = message
        #: URL of the server that answered, when one did.
        self.server = server
        #: HTTP status of that answer, when there was one.
        self.status = status


class ClientClosedError(RuntimeError):
    """A call on a :class:`LicenseClient` after :meth:`LicenseClient.close`."""
