#!/usr/bin/env bash
# The README's API story, run as written against `scf serve --admin-key-file admin.key`.
set -euo pipefail
API=${API:-http://127.0.0.1:8000}
ADMIN=$(cat "${ADMIN_KEY_FILE:-admin.key}")
post() { curl -s -X POST "$API$2" -H "Authorization: Bearer $1" -H 'Content-Type: application/json' -d "${3:-{\}}"; }
get()  { curl -s "$API$2" -H "Authorization: Bearer $1"; }
field() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }

R=$(post "$ADMIN" /v1/participants '{"kind":"gateway","name":"PayGate"}');       GATE=$(echo "$R" | field '["api_key"]'); GATEA=$(echo "$R" | field '["address"]')
R=$(post "$ADMIN" /v1/participants '{"kind":"supplier","name":"Tier-1 Parts"}');   T1=$(echo "$R" | field '["api_key"]'); T1A=$(echo "$R" | field '["address"]')
R=$(post "$ADMIN" /v1/participants '{"kind":"supplier","name":"Tier-2 Metals"}');  T2A=$(echo "$R" | field '["address"]')
R=$(post "$ADMIN" /v1/participants '{"kind":"financier","name":"Factor Bank"}');   BANK=$(echo "$R" | field '["api_key"]'); BANKA=$(echo "$R" | field '["address"]')
R=$(post "$ADMIN" /v1/participants "{\"kind\":\"obligor\",\"name\":\"Alice\",\"gateway\":\"$GATEA\"}"); BUYA=$(echo "$R" | field '["address"]')

echo "== order: the risk engine decides"
ORDER=$(post "$GATE" /v1/orders "{\"buyer\":\"$BUYA\",\"supplier\":\"$T1A\",\"principal\":\"1200000000\",\"installments\":3,\"fee_bps\":100,\"document_hash\":\"0x$(openssl rand -hex 32)\",\"profile\":{\"age\":40,\"monthly_income\":\"3000000000\",\"employment_months\":30},\"login_hour\":14}")
echo "$ORDER" | python3 -m json.tool
OID=$(echo "$ORDER" | field '["id"]')

echo "== confirm: three installment tokens minted to the supplier"
FIRST=$(post "$GATE" "/v1/orders/$OID/confirm" | field '["token_ids"][0]')
get "$T1" "/v1/receivables/$FIRST" | python3 -m json.tool

echo "== split 100 sUSD of it to tier 2"
post "$T1" "/v1/receivables/$FIRST/transfers" "{\"to\":\"$T2A\",\"units\":\"100000000\"}" | python3 -m json.tool

echo "== the bank gets cash, offers 9 %/year, tier 1 sells 200 units"
post "$ADMIN" /v1/cash "{\"to\":\"$BANKA\",\"amount\":\"1000000000\"}" > /dev/null
OFFER=$(post "$BANK" /v1/offers "{\"receivable_id\":\"$FIRST\",\"rate_bps\":900,\"max_units\":\"300000000\",\"expiry\":\"4102444800\"}" | field '["id"]')
get "$T1" "/v1/quotes?offer_id=$OFFER&units=200000000" | python3 -m json.tool
post "$T1" /v1/financing-requests "{\"offer_id\":\"$OFFER\",\"units\":\"200000000\"}" | python3 -m json.tool

echo "== repayments: an overpayment is refused, then the installment is paid in full"
post "$GATE" /v1/repayments "{\"receivable_id\":\"$FIRST\",\"amount\":\"999000000\"}" | python3 -m json.tool
post "$GATE" /v1/repayments "{\"receivable_id\":\"$FIRST\",\"full\":true}" | python3 -m json.tool

echo "== tier 1 and the bank claim their shares"
post "$T1" /v1/claims | python3 -m json.tool
post "$BANK" /v1/claims | python3 -m json.tool
