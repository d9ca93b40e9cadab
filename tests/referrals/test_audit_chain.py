"""The hash-chained audit log detects changed, missing, inserted and reordered entries."""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import json
from collections.abc import Iterator
from types import MappingProxyType
from typing import Any

import pytest

from harbour_referrals.audit.chain import (
    GENESIS,
    Entry,
    Verification,
    canonical_detail,
    entry_hash,
    head,
    link,
    next_entry,
    verify,
)

ORG = "0b6c8a3e-0000-4000-8000-000000000001"
OK = Verification(ok=True, checked=50, first_bad_seq=None, problem=None)


def build(count: int, previous: Entry | None = None) -> list[Entry]:
    """A chain of ``count`` entries, continuing from ``previous`` if given."""
    entries: list[Entry] = []
    for _ in range(count):
        n = (previous.seq if previous else 0) + 1
        previous = next_entry(
            previous,
            at=f"2025-03-{1 + n % 28:02d}T08:{n % 60:02d}:00Z",
            actor=f"subject-{n % 7}",
            organization_id=None if n % 5 == 0 else ORG,
            action="referral.transition" if n % 2 else "claimant.read",
            entity="referral",
            entity_id=f"ref-{n // 3}",
            detail={"from": "sent", "to": "accepted", "n": n, "tags": ["a", "b"]},
        )
        entries.append(previous)
    return entries


def recomputed(entry: Entry, **changes: Any) -> Entry:
    """A self-consistent copy of ``entry`` with ``changes`` applied and its hash recomputed."""
    fields = {f.name: getattr(entry, f.name) for f in dataclasses.fields(entry)} | changes
    del fields["hash"]
    return Entry(**fields, hash=entry_hash(**fields))


@pytest.fixture
def chain() -> list[Entry]:
    """Fifty valid entries."""
    return build(50)


def test_a_chain_of_fifty_verifies(chain: list[Entry]) -> None:
    assert [e.seq for e in chain] == list(range(1, 51))
    assert chain[0].prev_hash == GENESIS
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(chain))
    assert verify(chain) == OK


def test_empty_chain_is_ok() -> None:
    assert verify([]) == Verification(ok=True, checked=0, first_bad_seq=None, problem=None)


def test_verify_streams_and_stops_at_the_first_bad_entry(chain: list[Entry]) -> None:
    seen: list[int] = []

    def stream() -> Iterator[Entry]:
        for entry in chain:
            seen.append(entry.seq)
            yield entry

    chain[9] = dataclasses.replace(chain[9], actor="someone-else")
    result = verify(stream())
    assert result == Verification(ok=False, checked=9, first_bad_seq=10, problem="hash-mismatch")
    assert seen == list(range(1, 11))


CHANGES: list[tuple[str, Any]] = [
    ("at", "2025-03-01T08:00:01Z"),
    ("actor", "subject-x"),
    ("organization_id", "0b6c8a3e-0000-4000-8000-000000000002"),
    ("action", "claimant.export"),
    ("entity", "claimant"),
    ("entity_id", "ref-999"),
    ("detail", {"from": "sent", "to": "withdrawn"}),
    ("prev_hash", "f" * 64),
    ("hash", "e" * 64),
]


@pytest.mark.parametrize(("field", "value"), CHANGES, ids=[c[0] for c in CHANGES])
@pytest.mark.parametrize("index", [0, 1, 24, 49])
def test_changing_a_field_is_a_hash_mismatch_at_that_seq(
    chain: list[Entry], index: int, field: str, value: Any
) -> None:
    chain[index] = dataclasses.replace(chain[index], **{field: value})
    assert verify(chain) == Verification(
        ok=False, checked=index, first_bad_seq=index + 1, problem="hash-mismatch"
    )


@pytest.mark.parametrize("index", [0, 24, 49])
def test_changing_a_detail_value_in_place_is_a_hash_mismatch(
    chain: list[Entry], index: int
) -> None:
    detail = chain[index].detail
    assert isinstance(detail, dict)
    detail["to"] = "rejected"
    result = verify(chain)
    assert (result.problem, result.first_bad_seq, result.checked) == (
        "hash-mismatch",
        index + 1,
        index,
    )


def test_changing_organization_id_to_none_is_detected(chain: list[Entry]) -> None:
    assert chain[2].organization_id == ORG
    chain[2] = dataclasses.replace(chain[2], organization_id=None)
    assert verify(chain).problem == "hash-mismatch"


def test_changing_seq_is_a_hash_mismatch(chain: list[Entry]) -> None:
    chain[20] = dataclasses.replace(chain[20], seq=99)
    assert verify(chain) == Verification(
        ok=False, checked=20, first_bad_seq=99, problem="hash-mismatch"
    )


def test_unencodable_detail_counts_as_a_hash_mismatch(chain: list[Entry]) -> None:
    chain[3] = dataclasses.replace(chain[3], detail={"x": object()})
    assert verify(chain).problem == "hash-mismatch"
    chain[3] = dataclasses.replace(chain[3], detail={"x": float("nan")})
    assert verify(chain).problem == "hash-mismatch"


@pytest.mark.parametrize("index", [1, 10, 48])
def test_deleting_an_entry_is_a_gap(chain: list[Entry], index: int) -> None:
    del chain[index]
    assert verify(chain) == Verification(
        ok=False, checked=index, first_bad_seq=index + 2, problem="gap"
    )


def test_deleting_the_first_entry_is_a_gap(chain: list[Entry]) -> None:
    assert verify(chain[1:]) == Verification(ok=False, checked=0, first_bad_seq=2, problem="gap")


def test_deleting_the_tail_cannot_be_seen_without_a_checkpoint(chain: list[Entry]) -> None:
    # Truncation leaves a valid prefix; the storage layer must compare against a known head.
    assert verify(chain[:30]).ok


def test_reordering_is_detected(chain: list[Entry]) -> None:
    chain[10], chain[11] = chain[11], chain[10]
    result = verify(chain)
    assert not result.ok
    assert result.problem in {"gap", "broken-link"}
    assert result.first_bad_seq == 12
    assert result.checked == 10


def test_reordering_with_renumbering_is_a_broken_link(chain: list[Entry]) -> None:
    # Swap two entries and fix their seqs and hashes, keeping their original prev_hash links.
    a, b = chain[10], chain[11]
    chain[10], chain[11] = recomputed(b, seq=a.seq), recomputed(a, seq=b.seq)
    assert verify(chain) == Verification(
        ok=False, checked=10, first_bad_seq=11, problem="broken-link"
    )


@pytest.mark.parametrize("index", [0, 1, 24, 48])
def test_replacing_with_a_recomputed_entry_breaks_the_next_link(
    chain: list[Entry], index: int
) -> None:
    forged = recomputed(chain[index], actor="subject-forged", detail={"to": "closed"})
    assert forged.hash != chain[index].hash
    chain[index] = forged
    assert verify(chain) == Verification(
        ok=False, checked=index + 1, first_bad_seq=index + 2, problem="broken-link"
    )


def test_replacing_the_newest_entry_shows_once_the_next_one_is_appended() -> None:
    entries = build(51)
    entries[49] = recomputed(entries[49], actor="subject-forged")
    assert verify(entries[:50]).ok  # nothing follows it yet (compare against a known head) …
    assert verify(entries) == Verification(  # … but the next honest entry links to the original
        ok=False, checked=50, first_bad_seq=51, problem="broken-link"
    )


@pytest.mark.parametrize("index", [0, 10, 49])
def test_inserting_an_entry_is_a_gap(chain: list[Entry], index: int) -> None:
    intruder = recomputed(chain[index], actor="subject-intruder")
    chain.insert(index + 1, intruder)
    assert verify(chain) == Verification(
        ok=False, checked=index + 1, first_bad_seq=index + 1, problem="gap"
    )


def test_inserting_a_properly_linked_entry_is_still_caught(chain: list[Entry]) -> None:
    # Slip a properly linked entry in after seq 10 but leave the rest untouched.
    intruder = next_entry(
        chain[9],
        at="2025-03-10T09:00:00Z",
        actor="subject-intruder",
        organization_id=ORG,
        action="claimant.read",
        entity="claimant",
        entity_id="c-1",
        detail={},
    )
    assert intruder.seq == 11
    chain[10:10] = [intruder]
    result = verify(chain)
    assert (result.ok, result.checked, result.first_bad_seq) == (False, 11, 11)
    assert result.problem == "gap"  # the displaced original seq 11 now follows seq 11


def test_bad_genesis(chain: list[Entry]) -> None:
    chain[0] = recomputed(chain[0], prev_hash="1" * 64)
    assert verify(chain) == Verification(
        ok=False, checked=0, first_bad_seq=1, problem="bad-genesis"
    )


def test_verify_from_a_checkpoint(chain: list[Entry]) -> None:
    checkpoint = chain[19]
    rest = chain[20:]
    assert verify(rest, start_hash=checkpoint.hash, start_seq=checkpoint.seq) == Verification(
        ok=True, checked=30, first_bad_seq=None, problem=None
    )
    assert verify(rest) == Verification(ok=False, checked=0, first_bad_seq=21, problem="gap")
    wrong = verify(rest, start_hash=chain[18].hash, start_seq=20)
    assert wrong == Verification(ok=False, checked=0, first_bad_seq=21, problem="broken-link")
    assert verify(rest, start_hash=checkpoint.hash, start_seq=19).problem == "gap"


def test_a_chain_continued_later_verifies(chain: list[Entry]) -> None:
    more = build(10, previous=chain[-1])
    assert [e.seq for e in more] == list(range(51, 61))
    assert verify([*chain, *more]).checked == 60
    assert verify(more, start_hash=chain[-1].hash, start_seq=50).ok


# --- hashing -----------------------------------------------------------------------------

FIXED: dict[str, Any] = {
    "seq": 7,
    "at": "2025-03-14T09:26:53Z",
    "actor": "subject-42",
    "organization_id": "0b6c8a3e-0000-4000-8000-000000000001",
    "action": "referral.transition",
    "entity": "referral",
    "entity_id": "3f1d9a70-0000-4000-8000-00000000000a",
    "detail": {"to": "accepted", "from": "sent", "note_lang": "粵語", "n": [1, 2.5, True, None]},
    "prev_hash": "ab" * 32,
}
# Computed once with the independent encoding in ``independent_hash`` below; must never change.
FIXED_HASH = "a5eff1e300076f36f60f93a1e29a24dc20dd8a4d822574930bf7d4ad6f8be78b"


def independent_hash(fields: dict[str, Any]) -> str:
    """The canonical encoding written out again, separately from the module under test."""
    text = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def test_hash_matches_an_independent_canonical_encoding() -> None:
    assert entry_hash(**FIXED) == independent_hash(FIXED)


def test_hash_is_stable_across_runs() -> None:
    assert independent_hash(FIXED) == FIXED_HASH
    assert entry_hash(**FIXED) == FIXED_HASH


def test_hash_ignores_key_order_and_mapping_type() -> None:
    reordered = dict(reversed(list(FIXED["detail"].items())))
    assert entry_hash(**(FIXED | {"detail": reordered})) == FIXED_HASH
    proxy = MappingProxyType(FIXED["detail"])
    assert entry_hash(**(FIXED | {"detail": proxy})) == FIXED_HASH


def test_hash_differs_when_any_field_differs() -> None:
    variants = {
        "seq": 8,
        "at": "2025-03-14T09:26:54Z",
        "actor": "subject-43",
        "organization_id": None,
        "action": "claimant.read",
        "entity": "claimant",
        "entity_id": "x",
        "detail": {},
        "prev_hash": GENESIS,
    }
    hashes = {entry_hash(**(FIXED | {k: v})) for k, v in variants.items()}
    assert FIXED_HASH not in hashes
    assert len(hashes) == len(variants)


def test_next_entry_fields() -> None:
    first = next_entry(
        None,
        at="2025-01-01T00:00:00Z",
        actor="subject-1",
        organization_id=None,
        action="referral.create",
        entity="referral",
        entity_id="r-1",
        detail={"k": (1, 2)},
    )
    assert first.seq == 1
    assert first.prev_hash == GENESIS
    assert first.at == "2025-01-01T00:00:00Z"  # stored as given
    assert first.detail == {"k": [1, 2]}  # stored as a JSON column would return it
    assert first.hash == independent_hash(
        {f.name: getattr(first, f.name) for f in dataclasses.fields(first) if f.name != "hash"}
    )
    second = next_entry(
        first,
        at="2025-01-01T00:00:01Z",
        actor="subject-2",
        organization_id=ORG,
        action="referral.send",
        entity="referral",
        entity_id="r-1",
        detail={},
    )
    assert (second.seq, second.prev_hash) == (2, first.hash)


def test_next_entry_copies_detail() -> None:
    detail: dict[str, Any] = {"to": "accepted"}
    entry = next_entry(
        None,
        at="2025-01-01T00:00:00Z",
        actor="s",
        organization_id=None,
        action="a",
        entity="e",
        entity_id="1",
        detail=detail,
    )
    detail["to"] = "rejected"
    assert entry.detail == {"to": "accepted"}
    assert verify([entry]).ok


def test_next_entry_survives_a_json_round_trip() -> None:
    entry = build(1)[0]
    stored = json.loads(json.dumps(dataclasses.asdict(entry)))
    assert verify([Entry(**stored)]).ok


def test_next_entry_rejects_non_json_detail() -> None:
    with pytest.raises(TypeError):
        next_entry(
            None,
            at="t",
            actor="s",
            organization_id=None,
            action="a",
            entity="e",
            entity_id="1",
            detail={"when": object()},
        )
    with pytest.raises(ValueError):
        next_entry(
            None,
            at="t",
            actor="s",
            organization_id=None,
            action="a",
            entity="e",
            entity_id="1",
            detail={"x": float("inf")},
        )


def test_entries_are_frozen() -> None:
    entry = build(1)[0]
    field = "actor"
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(entry, field, "someone")


def test_head_and_link_are_the_hashed_text_of_an_entry() -> None:
    content = {k: v for k, v in FIXED.items() if k not in ("seq", "prev_hash")}
    text = link(head(**content), seq=FIXED["seq"], prev_hash=FIXED["prev_hash"])
    assert hashlib.sha256(text.encode("utf-8")).hexdigest() == FIXED_HASH
    # Integer keys sort differently once stored as text: the head hashes the stored form.
    odd = {**content, "detail": {1: "one", 10: "ten", 2: (1, 2)}}
    entry = next_entry(build(1)[0], **odd)
    text = link(head(**odd), seq=entry.seq, prev_hash=entry.prev_hash)
    assert hashlib.sha256(text.encode("utf-8")).hexdigest() == entry.hash
    assert canonical_detail(odd["detail"]) == '{"1":"one","10":"ten","2":[1,2]}'
