"""The contract of each event type: events are checked against it when added and when read."""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import ValidationError

from harbour_kit.events.envelope import Envelope, EventContract


class ContractViolation(ValueError):
    """An event whose type has no registered contract, or whose data does not fit it."""


class ContractRegistry:
    """Event contracts by event type; one contract per type."""

    def __init__(self, contracts: Iterable[type[EventContract]]) -> None:
        self._by_type: dict[str, type[EventContract]] = {}
        for contract in contracts:
            if contract.event_type in self._by_type:
                raise ValueError(f"two contracts registered for {contract.event_type}")
            self._by_type[contract.event_type] = contract

    def __contains__(self, event_type: object) -> bool:
        """Whether a contract is registered for `event_type`."""
        return event_type in self._by_type

    def contract_for(self, event_type: str) -> type[EventContract]:
        """The contract registered for `event_type`; `ContractViolation` if there is none."""
        try:
            return self._by_type[event_type]
        except KeyError:
            raise ContractViolation(f"no contract is registered for {event_type!r}") from None

    def validated(self, envelope: Envelope) -> EventContract:
        """The envelope's data as its type's contract; `ContractViolation` if it does not fit."""
        contract = self.contract_for(envelope.type)
        try:
            return contract.model_validate(envelope.data)
        except ValidationError as exc:
            # Locations and error types only: the values may be anything a producer sent.
            raise ContractViolation(
                f"{envelope.type} does not fit its contract: {_faults(exc)}"
            ) from None


def _faults(error: ValidationError) -> str:
    """Each failing field with the kind of failure, e.g. `status (enum)`."""
    return ", ".join(
        f"{'.'.join(str(part) for part in fault['loc']) or 'data'} ({fault['type']})"
        for fault in error.errors()
    )
