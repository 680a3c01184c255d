"""The harness of ``tools/benchmark.py``: each model in its own process, timed interleaved,
with ratios against a baseline; ``--ops`` times GN and BN against a plain copy."""
