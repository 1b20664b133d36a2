"""``python -m agentmem``: the agentmem command line."""

from __future__ import annotations

from agentmem.cli import main

raise SystemExit(main())
