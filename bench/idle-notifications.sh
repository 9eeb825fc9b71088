#!/bin/bash
# idle-notifications.sh LABEL RDV_DLL PORT MODE [PSQL_ARGS...]: the transactions an idle `rdv serve` on PostgreSQL
# commits in 60 s (pg_stat_database.xact_commit, after 15 s of warm-up): the notification hub's background cost, counted
# by the database, which other work on a shared machine does not move. MODE none: no subscription; stream: one
# GetStreamingEvents connection open. PSQL_ARGS reach a server where the user may create databases (default
# -h 127.0.0.1 -p 5432 -U postgres). Issue 19 §5 figures: docs/benchmarks.md.
set -euo pipefail
LABEL=$1; DLL=$2; PORT=$3; MODE=$4; shift 4
PSQL_ARGS=("$@"); [[ ${#PSQL_ARGS[@]} -gt 0 ]] || PSQL_ARGS=(-h 127.0.0.1 -p 5432 -U postgres)
psql_() { psql "${PSQL_ARGS[@]}" -tA "$@"; }
DB=rdv_idle_$LABEL
psql_ -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB TEMPLATE template0 LC_COLLATE 'C' LC_CTYPE 'C'" >/dev/null
host=$(psql_ -c "SELECT coalesce(inet_server_addr()::text, '127.0.0.1')"); pgport=$(psql_ -c "SELECT current_setting('port')"); user=$(psql_ -c "SELECT current_user")
CS="Host=${host%/*};Port=$pgport;Username=$user;Database=$DB"
work=$(mktemp -d)
echo pw | dotnet "$DLL" user add ann@example.com --password-stdin --store postgres --connection "$CS" >/dev/null
dotnet "$DLL" serve --urls "http://127.0.0.1:$PORT" --no-request-log --data "$work" --store postgres --connection "$CS" >"$work/serve.log" 2>&1 &
server=$!
stream=
trap 'kill $stream $server 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 300); do curl -s -o /dev/null "http://127.0.0.1:$PORT/" && break; sleep 0.2; done
env='<?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types" xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages"><s:Header><t:RequestServerVersion Version="Exchange2013_SP1"/></s:Header><s:Body>'
ews() { curl -s -u ann@example.com:pw -H 'Content-Type: text/xml' --data "$env$1</s:Body></s:Envelope>" "${@:2}" "http://127.0.0.1:$PORT/EWS/Exchange.asmx"; }
if [[ $MODE == stream ]]; then
  id=$(ews '<m:Subscribe><m:StreamingSubscriptionRequest SubscribeToAllFolders="true"><t:EventTypes><t:EventType>CreatedEvent</t:EventType></t:EventTypes></m:StreamingSubscriptionRequest></m:Subscribe>' | sed -n 's/.*<m:SubscriptionId>\([^<]*\)<.*/\1/p')
  ews "<m:GetStreamingEvents><m:SubscriptionIds><t:SubscriptionId>$id</t:SubscriptionId></m:SubscriptionIds><m:ConnectionTimeout>30</m:ConnectionTimeout></m:GetStreamingEvents>" -N >/dev/null &
  stream=$!
fi
sleep 15
commits() { psql_ -c "SELECT xact_commit FROM pg_stat_database WHERE datname = '$DB'"; }
before=$(commits); sleep 60; after=$(commits)
echo "$LABEL $MODE: $((after - before)) transactions in 60 s"
