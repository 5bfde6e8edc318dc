"""The search benchmark views its cold events in several rounds (each once the caches expired);
the report must count every round's views, time and CPU, not only the last round's."""

from __future__ import annotations

from bench.search import Phase, Sample, merged_phases, summarise_op


def _round(latencies: list[float], elapsed: float, api_cpu: float, client_gc_ms: float = 0.0) -> Phase:
    samples = [Sample("view_cold_small", 200, ms, 700, {"dynamodb.Query": 1}) for ms in latencies]
    return Phase("view_cold_small", samples, elapsed, 16, {"api": api_cpu}, client_gc_ms=client_gc_ms)


def test_rounds_of_a_phase_add_up() -> None:
    first, second = _round([10.0, 20.0], 0.05, 0.1, 1.5), _round([30.0, 40.0, 50.0], 0.07, 0.2, 2.0)
    other = Phase("search_keyword", [Sample("search_keyword", 200, 5.0, 900, {})], 0.01, 16, {"api": 0.3})

    merged = merged_phases([first, other, second])

    cold = merged["view_cold_small"]
    assert [s.latency_ms for s in cold.samples] == [10.0, 20.0, 30.0, 40.0, 50.0]
    assert round(cold.elapsed, 3) == 0.12
    assert cold.cpu == {"api": 0.3}
    assert cold.client_gc_ms == 3.5
    assert merged["search_keyword"].samples == other.samples
    # The first round's own phase is left as it was.
    assert len(first.samples) == 2 and first.cpu == {"api": 0.1}


def test_throughput_of_merged_rounds_uses_their_whole_time() -> None:
    merged = merged_phases([_round([10.0] * 30, 0.06, 0.1), _round([12.0] * 30, 0.06, 0.1)])

    cold = merged["view_cold_small"]
    summary = summarise_op(cold.samples, cold.elapsed)

    assert summary["latency_ms"]["n"] == 60
    assert summary["requests_per_s"] == 500.0


def test_the_client_s_own_collections_are_timed() -> None:
    import gc

    from bench.search import CollectorPauses

    pauses = CollectorPauses()
    gc.callbacks.append(pauses)
    try:
        gc.collect()
        gc.collect(0)
    finally:
        gc.callbacks.remove(pauses)

    assert pauses.collections == 2
    assert 0 < pauses.longest_ms <= pauses.total_ms
