"""agentmem's benchmark harness: each suite writes benchmarks/results/<suite>.json."""
