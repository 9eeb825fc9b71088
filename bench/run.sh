#!/usr/bin/env bash
# The benchmark harness of issue 6: builds in Release, seeds a fresh data folder, measures the ceiling (a bare Kestrel
# endpoint) and the chosen workloads against `rdv serve`, and prints one line per workload:
#   WORKLOAD rps=N p50_ms=N p99_ms=N ratio=N      (ratio: rps over the ceiling's rps)
# Usage: bench/run.sh [--quick] [--store postgres [--connection CONN]] [--nodes N] [WORKLOAD...]
#                                                      --nodes N: N `rdv serve` processes over one PostgreSQL (implies
#                                                      --store postgres), the generator's workers spread round-robin
#                                                      over them (worker K to node K mod N), server CPU summed
#                                                      workloads: getitem calendarview invite propose availability sync
#                                                      attacks (docs/security-connections.md): idle-attack password-attack
#        bench/run.sh --sizes                          the scaling table (10 to 100,000 items)
#        bench/run.sh --big [--server DLL]             the big-request scenarios (defect 3): answers, time, memory
#        bench/run.sh --attachment                     a 20 MB attachment created and read back: the server's memory (issue 15)
#        bench/run.sh --profile DIR [--quick] [...]    the same run with perf, dotnet-trace and dotnet-counters on the server
#        bench/run.sh --micro [BenchmarkDotNet args]   the micro-benchmarks (default: all of them, short runs)
# Other options go to the load generator (see: dotnet bench/Rendezvous.Bench.Load/bin/Release/net10.0/Rendezvous.Bench.Load.dll --help).
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

micro=false
profile=""
args=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --micro) micro=true ;;
    --profile) profile="$2"; shift ;;
    *) args+=("$1") ;;
  esac
  shift
done

cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//' || echo unknown)
mem_kb=$(awk '/MemTotal/ {print $2}' /proc/meminfo)
echo "machine cores=$(nproc) mem_gib=$(awk -v kb="$mem_kb" 'BEGIN {printf "%.1f", kb / 1048576}') cpu=\"$cpu\""

# One Release build of the server, the ceiling, the generator and the micro-benchmarks (strict: warnings are errors).
dotnet build bench/Rendezvous.Bench.slnx -c Release -nologo -v q -clp:ErrorsOnly >&2

if $micro; then
  mkdir -p bench/BenchmarkDotNet.Artifacts
  cd bench
  # All of them unless a --filter is given (BenchmarkDotNet refuses two).
  [[ " ${args[*]-} " == *" --filter "* ]] || args=(--filter '*' "${args[@]}")
  exec dotnet Rendezvous.Bench.Micro/bin/Release/net10.0/Rendezvous.Bench.Micro.dll "${args[@]}"
fi

if [[ -n "$profile" ]]; then
  mkdir -p "$profile"
  # The profilers are dotnet global tools (from NuGet) and perf (Debian's linux-perf); installed only when asked for.
  export PATH="$PATH:$HOME/.dotnet/tools"
  for tool in dotnet-trace dotnet-counters; do
    command -v "$tool" >/dev/null || dotnet tool install -g "$tool" >&2
  done
  command -v perf >/dev/null || { apt-get install -y -qq linux-perf >&2 || echo "perf not available: CPU profiles skipped" >&2; }
  args+=(--trace "$profile/trace" --counters "$profile/counters")
  command -v perf >/dev/null && args+=(--perf "$profile/perf")
fi

# Several nodes share one database: --nodes implies PostgreSQL.
if [[ " ${args[*]-} " == *" --nodes "* && " ${args[*]-} " != *" --store "* ]]; then
  args+=(--store postgres)
fi

# --store postgres without --connection (or RDV_BENCH_POSTGRES): a temporary cluster of Debian's postgresql on this
# machine (initdb in /tmp, a free port, pg_stat_statements loaded), stopped when the run ends.
if [[ " ${args[*]-} " == *" --store postgres "* && " ${args[*]-} " != *" --connection "* ]]; then
  if [[ -n "${RDV_BENCH_POSTGRES:-}" ]]; then
    args+=(--connection "$RDV_BENCH_POSTGRES")
  else
    bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
    [[ -x "$bin/initdb" ]] || { echo "--store postgres needs Debian's postgresql package (apt-get install -y postgresql) or --connection" >&2; exit 2; }
    pg_dir=$(mktemp -d -t rdv-bench-pg.XXXX)
    pg_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    as_pg=()
    if [[ $(id -u) -eq 0 ]]; then chown postgres "$pg_dir"; as_pg=(runuser -u postgres --); fi
    "${as_pg[@]}" "$bin/initdb" -D "$pg_dir/data" -A trust -U postgres --encoding=UTF8 --locale=C.UTF-8 >/dev/null
    "${as_pg[@]}" "$bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/log" -w -o "-p $pg_port -k $pg_dir -c listen_addresses=127.0.0.1 -c shared_preload_libraries=pg_stat_statements -c shared_buffers=256MB -c max_connections=300" start >/dev/null
    trap '"${as_pg[@]}" "$bin/pg_ctl" -D "$pg_dir/data" -m fast -w stop >/dev/null; rm -rf "$pg_dir"' EXIT
    echo "postgres: temporary cluster $("$bin/postgres" --version) on port $pg_port (synchronous_commit on, fsync on)" >&2
    args+=(--connection "Host=127.0.0.1;Port=$pg_port;Username=postgres;Database=postgres")
  fi
  dotnet bench/Rendezvous.Bench.Load/bin/Release/net10.0/Rendezvous.Bench.Load.dll "${args[@]}"
  exit $?
fi

exec dotnet bench/Rendezvous.Bench.Load/bin/Release/net10.0/Rendezvous.Bench.Load.dll "${args[@]}"
