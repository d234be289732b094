"""Tiers and Kubernetes' Burstable formula (pkg/kubelet/qos/policy.go)."""

from __future__ import annotations

import pytest

from oomcfg.model import TIER_SCORES, Size, Tier
from oomcfg.tiers import RequestError, score_from_request, tier_score

G = 1 << 30


def test_every_tier_has_its_documented_score_and_none_is_never_kill() -> None:
    assert {t: tier_score(t) for t in Tier} == dict(TIER_SCORES)
    assert -1000 not in {tier_score(t) for t in Tier}


@pytest.mark.parametrize(
    ("request_bytes", "capacity", "score"),
    [
        (2 * G, 16 * G, 875),  # 1000 - 2000/16
        (G, 10 * G, 900),  # policy.go's own example: 10% of memory -> 900
        (3 * G, 7 * G, 572),  # 1000 - 428.57 -> integer division first: 572
        (16 * G, 16 * G, 3),  # 0 clamps up to 3 (stay above Guaranteed's -997)
        (int(15.99 * G), 16 * G, 3),  # 1 clamps up to 3
        (0, 16 * G, 999),  # 1000 would equal BestEffort: 999
        (1, 16 * G, 999),
    ],
)
def test_from_request_matches_kubernetes(request_bytes: int, capacity: int, score: int) -> None:
    assert score_from_request(Size("bytes", request_bytes), Size("bytes", capacity)) == score


@pytest.mark.parametrize(
    ("req", "capacity", "message"),
    [
        (Size("bytes", 2 * G), Size("bytes", 0), "greater than 0"),
        (Size("bytes", 17 * G), Size("bytes", 16 * G), "larger than capacity"),
        (Size("percent", 10), Size("bytes", 16 * G), "byte sizes"),
        (Size("bytes", G), Size("infinity"), "byte sizes"),
    ],
)
def test_from_request_refuses_meaningless_inputs(
    req: Size, capacity: Size, message: str
) -> None:
    with pytest.raises(RequestError, match=message):
        score_from_request(req, capacity)
