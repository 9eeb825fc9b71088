using System.Globalization;

namespace Rendezvous.Bench.Load;

/// <summary>The command line: [--quick] [--sizes] [--duration S] [--warmup S] [--concurrency N] ... [WORKLOAD...].</summary>
internal sealed class Options
{
    public const string Usage =
        """
        Usage: Rendezvous.Bench.Load [options] [WORKLOAD...]
          WORKLOAD             getitem calendarview calendarview-recurring calendarview-recurring-3000 invite propose
                               availability availability-recurring sync (default: all)
                               or an attack, run after them: idle-attack password-attack (never by default)
          --quick              short runs (under a minute in all)
          --big                the big-request scenarios instead (defect 3: limits, memory before, during and after)
          --attachment         the attachment memory figure instead (issue 15: a 20 MB attachment created and read
                               back, the server's memory before, at peak and after)
          --notify             the notification figures instead (issue 17: 1,000 streaming subscribers over 200
                               connections while 100 changes a second are made; latency p50/p99, RSS, lost events;
                               --duration S sets the seconds of changes, default 30, quick 10)
          --big-light          only those one request at a time, and no 5,000-folder create: for a server without
                               limits (--server), which would take gigabytes or minutes
          --sizes              the scaling table instead: getitem, calendarview, propose and sync at 10, 1,000, 10,000
                               and 100,000 items (--size-list 10,1000 to choose)
          --duration S         measured seconds per workload (default 10; quick 2; sizes 4)
          --warmup S           unmeasured seconds before each (default 5; quick 0.5; sizes 1): on 2 busy cores the JIT
                               needs seconds to finish tiering up the hot paths
          --concurrency N      concurrent requests, same for the ceiling and every workload (default 8)
          --propose-meetings N meetings made for propose, each giving one request per attendee (default 3000; quick 600;
                               sizes 8000 per size)
          --server DLL         the server (default src/Rendezvous.Cli/bin/Release/net10.0/rdv.dll)
          --ceiling DLL        the ceiling (default bench/Rendezvous.Bench.Ceiling/bin/Release/net10.0/Rendezvous.Bench.Ceiling.dll)
          --store sqlite|postgres  the store the server runs on (default sqlite); postgres needs --connection
          --connection CONN    with --store postgres: a PostgreSQL server where the user may create databases (a fresh
                               database is made for the run and dropped at the end unless --keep); bench/run.sh starts a
                               temporary cluster when none is given
          --nodes N            N `rdv serve` processes over the one PostgreSQL database (needs --store postgres; bench/run.sh
                               adds it): worker K sends to node K mod N, a propose loop's answer to the node after its
                               offer's, preparation calls take the nodes in turn; server CPU is summed over the nodes
                               (default 1; the profilers and the memory figure watch the first node)
          --work DIR           where the data folder goes (default a new folder under /tmp, removed at the end)
          --keep               keep the data folder
          --sync-sizes A,B     the two sync folders compared (default 10000,100000; quick 1000,10000: the full sync that
                               takes the 100,000-item state is too slow for a quick run today)
          --perf DIR           profile the server with perf during each measured workload (reports in DIR)
          --trace DIR          the same with dotnet-trace (sampled managed stacks)
          --counters DIR       the same with dotnet-counters (GC, thread pool, memory)
          --alloc DIR          after each workload, run it again inside a dotnet-counters window and print the bytes the
                               server allocated per operation (not moved by other load on the machine, unlike time)
        """;

    public static readonly string[] AllWorkloads =
        ["getitem", "calendarview", "calendarview-recurring", "calendarview-recurring-3000", "invite", "propose", "availability", "availability-recurring", "sync"];

    public bool Quick { get; private set; }

    public bool Sizes { get; private set; }

    public bool Big { get; private set; }

    public bool Attachment { get; private set; }

    public bool Notify { get; private set; }

    public bool BigLight { get; private set; }

    public List<int> SizeList { get; private set; } = [10, 1_000, 10_000, 100_000];

    public TimeSpan Duration { get; private set; }

    public TimeSpan Warmup { get; private set; }

    public int Concurrency { get; private set; } = 8;

    public int ProposeMeetings { get; private set; }

    public string Server { get; private set; } = "";

    public string Ceiling { get; private set; } = "";

    public string? Work { get; private set; }

    /// <summary>The PostgreSQL server (admin connection string) to run on; null: SQLite.</summary>
    public string? PostgresConnection { get; private set; }

    public bool Keep { get; private set; }

    /// <summary>How many server processes share the store (more than one: PostgreSQL only).</summary>
    public int Nodes { get; private set; } = 1;

    public List<int> SyncSizes { get; private set; } = [];

    public string? PerfDir { get; private set; }

    public string? TraceDir { get; private set; }

    public string? CountersDir { get; private set; }

    public string? AllocDir { get; private set; }

    public List<string> Workloads { get; } = [];

    public List<string> Attacks { get; } = [];

    public static Options Parse(string[] args)
    {
        var o = new Options();
        double? duration = null, warmup = null;
        int? meetings = null;
        string store = "sqlite";
        for (var i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--quick": o.Quick = true; break;
                case "--sizes": o.Sizes = true; break;
                case "--big": o.Big = true; break;
                case "--attachment": o.Attachment = true; break;
                case "--notify": o.Notify = true; break;
                case "--big-light": o.Big = o.BigLight = true; break;
                case "--size-list": o.SizeList = [.. Value().Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture))]; break;
                case "--duration": duration = double.Parse(Value(), CultureInfo.InvariantCulture); break;
                case "--warmup": warmup = double.Parse(Value(), CultureInfo.InvariantCulture); break;
                case "--concurrency": o.Concurrency = int.Parse(Value(), CultureInfo.InvariantCulture); break;
                case "--propose-meetings": meetings = int.Parse(Value(), CultureInfo.InvariantCulture); break;
                case "--server": o.Server = Path.GetFullPath(Value()); break;
                case "--ceiling": o.Ceiling = Path.GetFullPath(Value()); break;
                case "--work": o.Work = Path.GetFullPath(Value()); break;
                case "--keep": o.Keep = true; break;
                case "--nodes": o.Nodes = int.Parse(Value(), CultureInfo.InvariantCulture); break;
                case "--store": store = Value(); break;
                case "--connection": o.PostgresConnection = Value(); break;
                case "--sync-sizes": o.SyncSizes = [.. Value().Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture))]; break;
                case "--perf": o.PerfDir = Directory.CreateDirectory(Value()).FullName; break;
                case "--trace": o.TraceDir = Directory.CreateDirectory(Value()).FullName; break;
                case "--counters": o.CountersDir = Directory.CreateDirectory(Value()).FullName; break;
                case "--alloc": o.AllocDir = Directory.CreateDirectory(Value()).FullName; break;
                case "-h" or "--help": throw new ArgumentException("");
                case var w when !w.StartsWith('-') && AllWorkloads.Contains(w): o.Workloads.Add(w); break;
                case var a when Load.Attacks.Names.Contains(a): o.Attacks.Add(a); break;
                default: throw new ArgumentException("unknown argument: " + args[i]);
            }
        }

        if (store is not ("sqlite" or "postgres"))
        {
            throw new ArgumentException("--store is sqlite or postgres");
        }

        if (store == "postgres" && o.PostgresConnection is null)
        {
            throw new ArgumentException("--store postgres needs --connection (bench/run.sh starts a temporary cluster when none is given)");
        }

        if (o.Nodes < 1 || (o.Nodes > 1 && store != "postgres"))
        {
            throw new ArgumentException("--nodes is 1 or more, and more than 1 needs --store postgres (several processes over one database)");
        }

        if (store == "sqlite")
        {
            o.PostgresConnection = null;
        }

        if (o.Workloads.Count == 0 && o.Attacks.Count == 0)
        {
            o.Workloads.AddRange(AllWorkloads);
        }

        o.Duration = TimeSpan.FromSeconds(duration ?? (o.Notify ? (o.Quick ? 10 : 30) : o.Quick ? 2 : o.Sizes ? 4 : 10));
        o.Warmup = TimeSpan.FromSeconds(warmup ?? (o.Quick ? 0.5 : o.Sizes ? 1 : 5));
        if (o.SyncSizes.Count != 2)
        {
            o.SyncSizes = o.Quick ? [1_000, 10_000] : [10_000, 100_000];
        }

        o.ProposeMeetings = meetings ?? (o.Quick ? 600 : o.Sizes ? 8000 : 3000);
        var root = RepositoryRoot();
        if (o.Server.Length == 0)
        {
            o.Server = Path.Combine(root, "src", "Rendezvous.Cli", "bin", "Release", "net10.0", "rdv.dll");
        }

        if (o.Ceiling.Length == 0)
        {
            o.Ceiling = Path.Combine(root, "bench", "Rendezvous.Bench.Ceiling", "bin", "Release", "net10.0", "Rendezvous.Bench.Ceiling.dll");
        }

        return o;
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Rendezvous.slnx")))
            {
                return dir.FullName;
            }
        }

        return Directory.GetCurrentDirectory();
    }
}
