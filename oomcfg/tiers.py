"""Turn a service's OOM intent (a tier or a memory request) into ``oom_score_adj``.

Tiers are named points on the -1000..1000 scale (:data:`oomcfg.model.TIER_SCORES`).
``from_request`` borrows Kubernetes' score for Burstable pods, so a host service
that is promised ``request`` of ``capacity`` bytes ranks like a pod that was
(kubernetes pkg/kubelet/qos/policy.go, GetContainerOOMScoreAdjust)::

    oomScoreAdjust := 1000 - (1000*memoryRequest)/memoryCapacity   // int64 division
    if oomScoreAdjust < 1000 + guaranteedOOMScoreAdj { return 3 }  // -997: stay above Guaranteed
    if oomScoreAdjust == besteffortOOMScoreAdj { return 999 }      // 1000: stay below BestEffort
"""

from __future__ import annotations

from oomcfg.model import TIER_SCORES, Size, Tier

#: Kubernetes keeps Burstable pods strictly between Guaranteed (-997, so 1000-997=3)
#: and BestEffort (1000): policy.go's two clamps.
BURSTABLE_MIN = 3
BURSTABLE_MAX = 999


class RequestError(ValueError):
    """``from_request``/``capacity`` that cannot give a score."""


def tier_score(tier: Tier) -> int:
    """The documented score of a tier."""
    return TIER_SCORES[tier]


def score_from_request(request: Size, capacity: Size) -> int:
    """Kubernetes' Burstable score for ``request`` bytes out of ``capacity`` bytes.

    Both must be byte sizes (a percentage or ``infinity`` has no byte value),
    ``capacity`` must be positive and ``request`` at most ``capacity``: a request
    above capacity would score below 3 and be clamped to look like a small one.
    """
    if request.kind != "bytes" or capacity.kind != "bytes":
        raise RequestError("from_request and capacity must be byte sizes such as 2G")
    if capacity.value <= 0:
        raise RequestError("capacity must be greater than 0")
    if request.value > capacity.value:
        raise RequestError(
            f"from_request {request.render()} is larger than capacity {capacity.render()}"
        )
    score = 1000 - (1000 * request.value) // capacity.value
    return min(max(score, BURSTABLE_MIN), BURSTABLE_MAX)
