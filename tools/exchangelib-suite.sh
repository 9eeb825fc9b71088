#!/usr/bin/env bash
# exchangelib-suite.sh [REPO | URL USER PASSWORD] [FILE...]: exchangelib 4.9.0's own test suite against Rendezvous.
#
# REPO (default: the clone this script is in): builds its rdv (Debug), starts a fresh server (one user, a temporary data
# folder, a free loopback port) and stops it at the end. URL USER PASSWORD: an EWS server already running on loopback.
# The suite is the project's shared folder beside the clone (../shared/exchangelib-suite, or EXCHANGELIB_SUITE=DIR); the
# files the shared copy lacks are in tests/interop/exchangelib-suite/extra/ (each with its source and licence) and are
# laid over a temporary copy of the suite, so run.sh runs them unchanged beside the suite's own tests.
# With no FILE: the suite's default files, then the extra files, then the ratchet (tools/exchangelib-ratchet.py) against
# tests/interop/exchangelib-suite/passing.txt; prints the per-file lines, one "exchangelib suite: ..." total and the
# ratchet's lines; exits with the ratchet's status. With FILEs (e.g. tests/test_items/test_calendaritems.py): only those,
# no ratchet; exits 1 if a test failed. VERBOSE=1 lists the failing tests; JUNIT_DIR=DIR keeps the JUnit files there.
set -uo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
repo=$here
url= user= password=
if [[ ${1:-} == http://* || ${1:-} == https://* ]]; then
  [[ $# -ge 3 ]] || { echo "usage: $0 [REPO | URL USER PASSWORD] [FILE...]" >&2; exit 2; }
  url=$1 user=$2 password=$3; shift 3
elif [[ $# -gt 0 && -d $1 ]]; then
  repo=$(cd "$1" && pwd); shift
fi
files=("$@")
suite=${EXCHANGELIB_SUITE:-$repo/../shared/exchangelib-suite}
[[ -f $suite/run.sh ]] || { echo "$suite/run.sh not found: the project's shared folder must be beside the clone (or EXCHANGELIB_SUITE=DIR)" >&2; exit 1; }
extra=$repo/tests/interop/exchangelib-suite/extra
passing=$repo/tests/interop/exchangelib-suite/passing.txt

work=$(mktemp -d -t rdv-exchangelib.XXXX)
server_pid=
cleanup() {
  if [[ -n $server_pid ]]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

# The suite's copy with the extra files beside its own tests: run.sh copies the tests folder next to itself.
mkdir -p "$work/suite"
cp -r "$suite/." "$work/suite/"
[[ -d $extra/tests ]] && cp -r "$extra/tests/." "$work/suite/tests/"

if [[ -z $url ]]; then
  (cd "$repo" && dotnet build src/Rendezvous.Cli -nologo -v q -clp:ErrorsOnly) || exit 1
  rdv=(dotnet "$repo/src/Rendezvous.Cli/bin/Debug/net10.0/rdv.dll")
  user=exchangelib@example.com
  password=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
  # exchangelib's test account is Danish (tests/common.py: locale="da_DK"): its folder names are checked in that culture.
  "${rdv[@]}" user add "$user" --name "Exchangelib Suite" --culture da-DK --password-stdin --data "$work/data" <<<"$password" >/dev/null || exit 1
  port=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  "${rdv[@]}" serve --urls "http://127.0.0.1:$port" --data "$work/data" >"$work/server.log" 2>&1 &
  server_pid=$!
  url="http://127.0.0.1:$port/EWS/Exchange.asmx"
  # Ready when the port accepts connections (bash's /dev/tcp: no curl needed).
  ready=
  for _ in $(seq 1 150); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && { ready=1; break; }
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.2
  done
  [[ -n $ready ]] || { cat "$work/server.log"; echo "rdv serve did not start on port $port" >&2; exit 1; }
fi

junit=${JUNIT_DIR:-$work/junit}
mkdir -p "$junit"
run() { JUNIT_DIR="$junit" bash "$work/suite/run.sh" "$url" "$user" "$password" "$@"; }

if [[ ${#files[@]} -gt 0 ]]; then
  run "${files[@]}"
  exit $?
fi

# The default files (run.sh's own list), then the extra files; run.sh's two totals become one.
extras=()
if [[ -d $extra/tests ]]; then
  while IFS= read -r f; do extras+=("${f#"$extra"/}"); done < <(find "$extra/tests" -name 'test_*.py' | sort)
fi
P=0 F=0 S=0
total() {
  local line
  while IFS= read -r line; do
    if [[ $line =~ ^exchangelib\ suite:\ ([0-9]+)\ passed,\ ([0-9]+)\ failed,\ ([0-9]+)\ skipped ]]; then
      P=$((P + BASH_REMATCH[1])) F=$((F + BASH_REMATCH[2])) S=$((S + BASH_REMATCH[3]))
    else
      printf '%s\n' "$line"
    fi
  done
}
# run.sh exits 1 when any suite test fails: expected while capabilities are missing; the ratchet decides.
total < <(run || true)
[[ ${#extras[@]} -gt 0 ]] && total < <(run "${extras[@]}" || true)
echo "exchangelib suite: $P passed, $F failed, $S skipped"
/usr/bin/python3 "$repo/tools/exchangelib-ratchet.py" "$junit" "$passing"
