"""The real Auto-GPT 0.2.2 loop, unmodified, with agentmem and with its own LocalCache, on a scripted agent.

``python -m benchmarks.agent_loop`` writes ``benchmarks/results/agent_loop.{json,md}``; see
:mod:`benchmarks.agent_loop.main`. The pieces: :mod:`~benchmarks.agent_loop.venv` (Auto-GPT's own venv),
:mod:`~benchmarks.agent_loop.script` (the agent), :mod:`~benchmarks.agent_loop.server` (the fake OpenAI
server that plays it), :mod:`~benchmarks.agent_loop.driver` (runs in Auto-GPT's venv),
:mod:`~benchmarks.agent_loop.loop` (runs the loop per backend), :mod:`~benchmarks.agent_loop.figures`
(what the prompts held).
"""
