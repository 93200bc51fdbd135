#!/usr/bin/env bash
# The operator's day over HTTP, against `scf serve --admin-key-file admin.key` on a node that moves its clock on
# request (anvil): a review, a fee withdrawal, a blacklist entry, and the default the service marks by itself once
# chain time passes due + 90 days; then the audit log of all of it.
set -euo pipefail
source "$(dirname "$0")/story-lib.sh"
order() {  # buyer, device id: a 300 sUSD order of a thin file (the scorecard's band D: review)
  post "$GATE" /v1/orders "{\"buyer\":\"$1\",\"supplier\":\"$T1A\",\"principal\":\"300000000\",\"installments\":3,\"fee_bps\":100,\"document_hash\":\"0x$(openssl rand -hex 32)\",\"device_id\":\"$2\",\"profile\":{\"age\":25,\"monthly_income\":\"4000000000\",\"employment_months\":60,\"credit_history\":\"all_paid_here\",\"savings\":\"lt_100\",\"checking_account\":\"overdrawn\"},\"login_hour\":14}"
}

R=$(post "$ADMIN" /v1/participants '{"kind":"gateway","name":"PayGate"}');     GATE=$(echo "$R" | field '["api_key"]'); GATEA=$(echo "$R" | field '["address"]')
R=$(post "$ADMIN" /v1/participants '{"kind":"supplier","name":"Tier-1 Parts"}'); T1A=$(echo "$R" | field '["address"]')
R=$(post "$ADMIN" /v1/participants "{\"kind\":\"obligor\",\"name\":\"Bob\",\"gateway\":\"$GATEA\"}"); BUYA=$(echo "$R" | field '["address"]')

echo "== an order the scorecard sends to review waits in the queue"
OID=$(order "$BUYA" phone-1 | field '["id"]')
get "$ADMIN" /v1/reviews | field '["items"][0]["status"]'

echo "== the platform approves it for 240 sUSD; the gateway confirms"
post "$ADMIN" "/v1/orders/$OID/review" '{"decision":"approve","reason":"income documents checked","principal":"240000000"}' | field '["status"]'
FIRST=$(post "$GATE" "/v1/orders/$OID/confirm" | field '["token_ids"][0]')

echo "== the first installment is repaid; the platform withdraws its fee"
post "$GATE" /v1/repayments "{\"receivable_id\":\"$FIRST\",\"full\":true}" > /dev/null
post "$ADMIN" /v1/fees/withdrawals | python3 -m json.tool

echo "== a stolen phone is blacklisted: an order from it is declined"
post "$ADMIN" /v1/blacklist '{"kind":"device","value":"phone-2","reason":"reported stolen"}' > /dev/null
order "$BUYA" phone-2 | field '["decision"]["reason_codes"][0]'

echo "== 200 days pass on the chain: the service marks the unpaid installments Defaulted by itself"
rpc evm_increaseTime '[17280000]' > /dev/null
rpc evm_mine '[]' > /dev/null
for _ in $(seq 1 100); do
  DEFAULTS=$(get "$ADMIN" '/v1/audit?action=receivable.default' | field '["items"].__len__()')
  [ "$DEFAULTS" -ge 2 ] && break
  sleep 0.3
done
echo "$DEFAULTS installments defaulted"

echo "== the audit log: who did what, when and why"
get "$ADMIN" '/v1/audit?format=csv' | cut -d, -f3-6
