"""The pure part of an append-only, hash-chained audit log: hashing, appending and verifying.

Each entry's hash is SHA-256 over a canonical JSON encoding of every field except ``hash``,
including the previous entry's hash, so changing, removing, inserting or reordering rows is
detected by :func:`verify`. Storage lives elsewhere; nothing here does I/O.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final, Literal, TypedDict, Unpack

__all__ = [
    "GENESIS",
    "Content",
    "Entry",
    "Problem",
    "Verification",
    "canonical_detail",
    "entry_hash",
    "head",
    "link",
    "next_entry",
    "verify",
]

GENESIS: Final = "0" * 64

Problem = Literal["hash-mismatch", "broken-link", "gap", "bad-genesis"]


@dataclass(frozen=True, slots=True)
class Entry:
    """One audit log row, chained to its predecessor through ``prev_hash``."""

    seq: int
    at: str
    actor: str
    organization_id: str | None
    action: str
    entity: str
    entity_id: str
    detail: Mapping[str, Any]
    prev_hash: str
    hash: str


@dataclass(frozen=True, slots=True)
class Verification:
    """The outcome of verifying a run of entries."""

    ok: bool
    checked: int
    first_bad_seq: int | None
    problem: Problem | None


def _jsonable(value: Any) -> Any:
    """Turn non-dict mappings into dicts so ``json`` can encode them; reject anything else."""
    if isinstance(value, Mapping):
        return dict(value)
    raise TypeError(f"audit detail holds a value JSON cannot encode: {type(value).__name__}")


def _canonical(value: Any) -> str:
    """Encode a value as canonical JSON: sorted keys, no spaces, raw UTF-8, no NaN."""
    return json.dumps(
        value,
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        allow_nan=False,
        default=_jsonable,
    )


class Content(TypedDict):
    """What an entry records besides its place in the chain, in the order it is hashed."""

    action: str
    actor: str
    at: str
    detail: Mapping[str, Any]
    entity: str
    entity_id: str
    organization_id: str | None


def entry_hash(*, seq: int, prev_hash: str, **content: Unpack[Content]) -> str:
    """Return the SHA-256 hex digest of the canonical JSON of every field but ``hash``."""
    document = {**content, "seq": seq, "detail": dict(content["detail"]), "prev_hash": prev_hash}
    return hashlib.sha256(_canonical(document).encode("utf-8")).hexdigest()


def _stored(detail: Mapping[str, Any]) -> dict[str, Any]:
    """Exactly what a JSON column will give back: a fresh dict, string keys, lists."""
    stored: dict[str, Any] = json.loads(_canonical(dict(detail)))
    return stored


def canonical_detail(detail: Mapping[str, Any]) -> str:
    """An entry's detail as the canonical JSON text that is hashed (and may be stored as is)."""
    return _canonical(_stored(detail))


def head(**content: Unpack[Content]) -> str:
    """The canonical JSON of an entry up to its place in the chain (see :func:`link`).

    Every content key sorts before ``prev_hash`` and ``seq``, so the hashed text is this head
    followed by the link; the database can then finish an entry whose predecessor it alone reads.
    """
    document = _canonical({**content, "detail": _stored(content["detail"])})
    return document[:-1] + ","


def link(head_text: str, *, seq: int, prev_hash: str) -> str:
    """The hashed text of an entry from its :func:`head` and its place in the chain."""
    return f'{head_text}"prev_hash":"{prev_hash}","seq":{seq}}}'


def _intact(entry: Entry) -> bool:
    """Tell whether an entry's stored content still hashes to its stored hash."""
    fields = {f.name: getattr(entry, f.name) for f in dataclasses.fields(entry)}
    stored = fields.pop("hash")
    try:
        recomputed = entry_hash(**fields)
    except (TypeError, ValueError):  # content no longer encodes at all: certainly changed
        return False
    return bool(recomputed == stored)


def next_entry(previous: Entry | None, **content: Unpack[Content]) -> Entry:
    """Build the entry that follows ``previous`` (or starts the chain when it is None)."""
    seq = 1 if previous is None else previous.seq + 1
    prev_hash = GENESIS if previous is None else previous.hash
    # Stored as a JSON column gives it back, so the hash verifies after a database round trip.
    stored = _stored(content["detail"])
    fields: dict[str, Any] = {**content, "seq": seq, "detail": stored, "prev_hash": prev_hash}
    return Entry(**fields, hash=entry_hash(**fields))


def verify(
    entries: Iterable[Entry], *, start_hash: str = GENESIS, start_seq: int = 0
) -> Verification:
    """Check entries in order, stopping at the first bad one; ``start_*`` name a checkpoint.

    Each entry is checked for its own content first (``hash-mismatch``), then for following
    on from the previous one by sequence (``gap``) and by hash (``bad-genesis`` for the first
    link after ``start_seq == 0``, ``broken-link`` otherwise). ``checked`` counts the entries
    that passed; ``first_bad_seq`` is the seq stored on the offending entry.
    """
    prev_hash, prev_seq, checked = start_hash, start_seq, 0
    for entry in entries:
        problem: Problem | None = None
        if not _intact(entry):
            problem = "hash-mismatch"
        elif entry.seq != prev_seq + 1:
            problem = "gap"
        elif entry.prev_hash != prev_hash:
            problem = "bad-genesis" if prev_seq == 0 else "broken-link"
        if problem is not None:
            return Verification(ok=False, checked=checked, first_bad_seq=entry.seq, problem=problem)
        prev_hash, prev_seq, checked = entry.hash, entry.seq, checked + 1
    return Verification(ok=True, checked=checked, first_bad_seq=None, problem=None)
