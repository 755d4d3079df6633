"""A corpus of random ids, as uniform traffic would carry them: none is masked.

The suite runs 200,000 ids (2 s on the two-core dev machine: 0.8 s to make, 1.3 s to check);
OPSDESK_MASKING_CORPUS=1000000 runs the million of issue 9 (12 s: 4.7 s + 7.3 s). Ids are
checked bare, inside JSON arrays as a body carries them, and as header values.
"""

import json
import os
import random
import time

from opsdesk.events.jsontext import table_json
from opsdesk.events.masking import mask_pans
from tests.events import id_shapes

CORPUS_SIZE = int(os.environ.get("OPSDESK_MASKING_CORPUS", "200000"))
CHUNK = 500


def corpus(size: int, seed: int) -> dict[str, list[str]]:
    rng = random.Random(seed)
    kinds = sorted(id_shapes.NEVER_CARDS)
    per_kind = size // len(kinds)
    return {kind: [id_shapes.NEVER_CARDS[kind](rng) for _ in range(per_kind)] for kind in kinds}


def test_random_ids_are_never_masked():
    started = time.perf_counter()
    ids = corpus(CORPUS_SIZE, seed=20260901)
    generated = time.perf_counter()
    masked: list[str] = []
    for values in ids.values():
        masked += [value for value in values if mask_pans(value) != value]
        for at in range(0, len(values), CHUNK):
            chunk = values[at : at + CHUNK]
            body = json.dumps({"ids": chunk, "refs": " ".join(chunk)})
            if mask_pans(body) != body:
                masked.append(f"a body of {chunk[0]} ...")
            headers = table_json({f"x-{i}": value for i, value in enumerate(chunk)})
            if "*" in headers:
                masked.append(f"headers of {chunk[0]} ...")
    checked = time.perf_counter()
    total = sum(len(values) for values in ids.values())
    print(  # shown with -s: the figures for the report
        f"{total} ids: generated in {generated - started:.2f} s, "
        f"checked in {checked - generated:.2f} s"
    )
    assert total >= CORPUS_SIZE - len(ids)
    assert masked == []


def test_random_span_ids_are_masked_exactly_when_they_read_as_card_numbers():
    # 16 hex digits are all digits one time in 1,845; a tenth of those pass Luhn. Such an id,
    # alone in a value, cannot be told from a 16-digit card number, and is masked.
    rng = random.Random(7)
    spans = [id_shapes.span_id(rng) for _ in range(CORPUS_SIZE // 2)]
    card_shaped = {span for span in spans if id_shapes.all_digit_card_shaped(span)}
    masked = {span for span in spans if mask_pans(f'"{span}"') != f'"{span}"'}
    assert masked == card_shaped
    # Inside a trace header, beside its trace id, none is.
    parents = [f"00-{id_shapes.trace_id(rng)}-{span}-01" for span in sorted(card_shaped)]
    assert [p for p in parents if mask_pans(p) != p] == []
