#!/usr/bin/env bash
# A receivable's real life over HTTP (DESIGN §11), against `scf serve --admin-key-file admin.key` on a node that
# moves its clock on request (anvil): a credit note that reaches tier 2 and the bank pro rata, a partial refund
# (latest installment first), an early repayment that owes no fee, and a dispute that pauses the penalty and is
# rejected; then what each holder claims and the audit log of it.
set -euo pipefail
source "$(dirname "$0")/story-lib.sh"
travel_to() {  # the node's next block at chain time $1; then the service has indexed it, and the next write is
  # mined one second later whatever the wall clock did meanwhile (the dispute's days are counted to the second)
  rpc evm_setNextBlockTimestamp "[$1]" > /dev/null
  rpc evm_mine '[]' > /dev/null
  sleep 2
  rpc evm_setNextBlockTimestamp "[$(($1 + 1))]" > /dev/null
}
show() {  # one installment as the platform sees it
  get "$ADMIN" "/v1/receivables/$1" | python3 -c "import json,sys; r=json.load(sys.stdin); print(' '.join(f'{k}={r[k]}' for k in ('status','amount_due','principal_credited','fee_waived','penalty_owed','dispute_days')))"
}

R=$(post "$ADMIN" /v1/participants '{"kind":"gateway","name":"PayGate"}');       GATE=$(echo "$R" | field '["api_key"]'); GATEA=$(echo "$R" | field '["address"]')
R=$(post "$ADMIN" /v1/participants '{"kind":"supplier","name":"Tier-1 Parts"}');   T1=$(echo "$R" | field '["api_key"]'); T1A=$(echo "$R" | field '["address"]')
R=$(post "$ADMIN" /v1/participants '{"kind":"supplier","name":"Tier-2 Metals"}');  T2=$(echo "$R" | field '["api_key"]'); T2A=$(echo "$R" | field '["address"]')
R=$(post "$ADMIN" /v1/participants '{"kind":"financier","name":"Factor Bank"}');   BANK=$(echo "$R" | field '["api_key"]'); BANKA=$(echo "$R" | field '["address"]')
R=$(post "$ADMIN" /v1/participants "{\"kind\":\"obligor\",\"name\":\"Carol\",\"gateway\":\"$GATEA\"}"); BUYA=$(echo "$R" | field '["address"]')

echo "== 1,200 sUSD in three installments of 400 (the holders' units) + 12 fee (the platform's); tier 1 gives tier 2"
echo "   100 units of the first and sells the bank 200 (its price:)"
OID=$(post "$GATE" /v1/orders "{\"buyer\":\"$BUYA\",\"supplier\":\"$T1A\",\"principal\":\"1200000000\",\"installments\":3,\"fee_bps\":100,\"document_hash\":\"0x$(openssl rand -hex 32)\",\"profile\":{\"age\":40,\"monthly_income\":\"3000000000\",\"employment_months\":30},\"login_hour\":14}" | field '["id"]')
IDS=$(post "$GATE" "/v1/orders/$OID/confirm" | field '["token_ids"]')
FIRST=$(echo "$IDS" | python3 -c "import ast,sys; print(ast.literal_eval(sys.stdin.read())[0])")
SECOND=$(echo "$IDS" | python3 -c "import ast,sys; print(ast.literal_eval(sys.stdin.read())[1])")
THIRD=$(echo "$IDS" | python3 -c "import ast,sys; print(ast.literal_eval(sys.stdin.read())[2])")
post "$T1" "/v1/receivables/$FIRST/transfers" "{\"to\":\"$T2A\",\"units\":\"100000000\"}" > /dev/null
post "$ADMIN" /v1/cash "{\"to\":\"$BANKA\",\"amount\":\"1000000000\"}" > /dev/null
OFFER=$(post "$BANK" /v1/offers "{\"receivable_id\":\"$FIRST\",\"rate_bps\":900,\"max_units\":\"200000000\",\"expiry\":\"4102444800\"}" | field '["id"]')
post "$T1" /v1/financing-requests "{\"offer_id\":\"$OFFER\",\"units\":\"200000000\"}" | field '["price"]'

echo "== two boxes returned: a credit note of 41.2 sUSD on the first installment, paid in by tier 1 (owed now:)"
post "$ADMIN" /v1/cash "{\"to\":\"$T1A\",\"amount\":\"500000000\"}" > /dev/null
post "$ADMIN" "/v1/receivables/$FIRST/credit-notes" '{"credit":"41200000","reason":"two boxes returned"}' | field '["amount_due"]'
echo "tier 2 (25 % of the units) may claim $(get "$T2" "/v1/receivables/$FIRST" | field '["your_claimable"]'), the bank $(get "$BANK" "/v1/receivables/$FIRST" | field '["your_claimable"]')"

echo "== half the goods go back: a refund of 600 sUSD, the third installment first (in full: its fee waived), then"
echo "   200 of the second"
post "$GATE" "/v1/orders/$OID/refunds" '{"amount":"600000000","reason":"half returned"}' | field '["credited"]'
show "$THIRD"
show "$SECOND"

echo "== the second installment is repaid in full before its period starts: no fee"
post "$GATE" /v1/repayments "{\"receivable_id\":\"$SECOND\",\"full\":true}" | field '["allocations"][0]'

echo "== 15 days past the first's due date (10 past grace) Carol disputes delivery; 30 days on, the penalty has not moved"
DUE=$(get "$ADMIN" "/v1/receivables/$FIRST" | field '["due_date"]')
travel_to $((DUE + 15 * 86400))
DID=$(post "$ADMIN" "/v1/receivables/$FIRST/disputes" '{"reason_code":"GOODS_NOT_RECEIVED","notice_from":"obligor"}' | field '["id"]')
show "$FIRST"
travel_to $((DUE + 45 * 86400))
show "$FIRST"

echo "== the carrier proves delivery: the dispute is rejected; the clocks move by its days"
post "$ADMIN" "/v1/disputes/$DID/resolution" '{"outcome":"rejected","reason":"delivery confirmed by the carrier"}' | field '["days"]'
post "$GATE" /v1/repayments "{\"receivable_id\":\"$FIRST\",\"full\":true}" | field '["allocations"][0]'

echo "== every holder claims what reached it"
for who in "$T1" "$T2" "$BANK"; do post "$who" /v1/claims | field '["total"]'; done

echo "== the audit log"
get "$ADMIN" '/v1/audit?format=csv' | cut -d, -f3-6
