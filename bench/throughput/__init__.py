"""Helpers of ``bench/bench_throughput.py``: the page server, the process sampler, the baselines."""
