#!/usr/bin/env bash
# Fuzzes the request readers with SharpFuzz and afl++ for a bounded time; see tools/fuzz/README.md.
set -euo pipefail
cd "$(dirname "$0")"
minutes=30
replay_only=0
while [ $# -gt 0 ]; do
  case "$1" in
    --minutes) minutes="$2"; shift 2 ;;
    --replay) replay_only=1; shift ;;
    *) echo "usage: tools/fuzz/run.sh [--minutes N] [--replay]" >&2; exit 2 ;;
  esac
done

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
out="$PWD/out"
replay_build="$PWD/out/replay"
findings="$PWD/findings"

replay() {
  local files=()
  for kind in crashes hangs; do
    for f in "$findings"/default/$kind/id*; do [ -e "$f" ] && files+=("$f"); done
  done
  echo "findings: ${#files[@]} (crashes and hangs)"
  if [ ${#files[@]} -gt 0 ]; then
    # Replayed without AFL, by a build that is not instrumented (the instrumented one needs AFL's shared memory):
    # each prints its path and the exception it raised.
    [ -f "$replay_build/Rendezvous.Fuzz.dll" ] || dotnet build Rendezvous.Fuzz -c Release -o "$replay_build" -v q -nologo >/dev/null
    for f in "${files[@]}"; do timeout 20 dotnet "$replay_build/Rendezvous.Fuzz.dll" "$f" || echo "$f: timed out or crashed (exit $?)"; done
  fi
}

if [ "$replay_only" = 1 ]; then replay; exit 0; fi

if ! command -v afl-fuzz >/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq afl++ >/dev/null
fi
dotnet tool restore >/dev/null
dotnet build Rendezvous.Fuzz -c Release -o "$out" -v q -nologo
rm -rf "$replay_build"
# Instrument only the code under test (the harness and the framework stay as they are).
dotnet sharpfuzz "$out/Rendezvous.Protocol.dll"
dotnet sharpfuzz "$out/Rendezvous.Edge.dll"
dotnet sharpfuzz "$out/Rendezvous.Domain.dll"   # restrictions are evaluated there
dotnet sharpfuzz "$out/Rendezvous.Server.dll"   # the per-operation readers (response objects)

dict="$out/ews.dict"
{
  for token in '<' '>' '</' '/>' '="' '"' "'" '&amp;' '&#x' ';' ':' 'xmlns:' 'xmlns=' '<![CDATA[' ']]>' '<!DOCTYPE' '<?xml' '?>' 'T' 'Z' '+01:00' '-05:00' 'true' 'false' '0' '-1' '9999'; do
    printf '"%s"\n' "$(printf '%s' "$token" | sed 's/\\/\\\\/g; s/"/\\"/g')"
  done
  grep -v '^#' ../../src/Rendezvous.Protocol/SchemaElements.g.txt | tr '\t' '\n' | sed -n 's/^[@]\{0,1\}[mt]:\([A-Za-z]*\).*/\1/p' | sort -u | sed 's/.*/"&"/'
} > "$dict"

rm -rf "$findings"
echo "fuzzing for $minutes minutes ($(nproc) cores; $(grep -c '' "$dict") dictionary tokens; $(ls corpus | wc -l) seeds)"
# AFL_SKIP_BIN_CHECK: the target is `dotnet`, whose instrumentation SharpFuzz adds at run time, not at compile time.
AFL_SKIP_BIN_CHECK=1 AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_AFFINITY=1 \
  timeout --signal=INT "${minutes}m" afl-fuzz -i corpus -o "$findings" -x "$dict" -t 10000 -m none -- dotnet "$out/Rendezvous.Fuzz.dll" \
  > "$out/afl.log" 2>&1 || true

stats="$findings/default/fuzzer_stats"
if [ -f "$stats" ]; then
  grep -E '^(run_time|execs_done|execs_per_sec|corpus_count|saved_crashes|saved_hangs|bitmap_cvg|stability)\s' "$stats"
else
  echo "AFL did not start; see $out/afl.log:"; tail -20 "$out/afl.log"; exit 1
fi
replay
