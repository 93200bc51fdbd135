# Shared by the operator's stories (scripts/operator-story.sh, scripts/dilution-story.sh): the API, the node and
# the platform's key from the environment, and one-line helpers for the calls they make.
API=${API:-http://127.0.0.1:8000}
NODE=${NODE:-http://127.0.0.1:8545}
ADMIN=$(cat "${ADMIN_KEY_FILE:-admin.key}")
post() { curl -s -X POST "$API$2" -H "Authorization: Bearer $1" -H 'Content-Type: application/json' -d "${3:-{\}}"; }
get()  { curl -s "$API$2" -H "Authorization: Bearer $1"; }
field() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }
rpc()  { curl -s -X POST "$NODE" -H 'Content-Type: application/json' -d "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"$1\",\"params\":$2}"; }
