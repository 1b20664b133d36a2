#!/usr/bin/env bash
# Inspect and prune an agent's memory from the shell with the agentmem CLI: add, list, explain a recall,
# distil, prune (a dry run first), check, back up.
#
#   bash examples/inspect_and_prune.sh        # uses $AGENTMEM_DB, else a fresh file under $AGENTMEM_HOME or /tmp
set -euo pipefail

workdir="$(mktemp -d "${TMPDIR:-/tmp}/agentmem-inspect.XXXXXX")"
export AGENTMEM_DB="${AGENTMEM_DB:-${AGENTMEM_HOME:-$workdir}/inspect-demo.db}"
export AGENTMEM_NAMESPACE="${AGENTMEM_NAMESPACE:-shell-demo}"

echo "== init"
agentmem init

echo "== add one memory, then a file of them"
agentmem add "Alice's flight to Lisbon leaves Friday at 09:40 from gate B12." \
    --importance 0.9 --kind fact --meta source=email --meta priority=1
cat > "$workdir/notes.txt" <<'NOTES'
The build failed: test_payments timed out after 30 s.
Bob prefers green tea to coffee.
The cat sat on the mat by the fireplace.
Alice asked for a window seat on the Lisbon flight.
NOTES
agentmem add --file "$workdir/notes.txt" --kind note

echo "== ls (newest first), then only facts"
agentmem ls --sort created_at --desc
agentmem ls --kind fact --json

echo "== why these memories? recall --explain"
agentmem recall "when does Alice fly to Lisbon?" --explain
echo "== the block an agent's prompt would get"
agentmem recall "when does Alice fly to Lisbon?" --budget 60

echo "== reflect: what would be distilled?"
agentmem reflect --dry-run

echo "== prune: the dry run lists what would go; --yes archives it (restorable)"
agentmem prune --max-active 4
agentmem prune --max-active 4 --yes
agentmem ls --archived

echo "== stats and a health check"
agentmem stats
agentmem doctor

echo "== back up"
agentmem export --out "$workdir/backup.jsonl"
echo "backup: $workdir/backup.jsonl ($(wc -l < "$workdir/backup.jsonl") memories)"
