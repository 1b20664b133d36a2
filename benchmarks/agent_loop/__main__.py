import sys

from benchmarks.agent_loop.main import main

sys.exit(main())
