using System.Globalization;

namespace Rendezvous.Bench.Load;

/// <summary>
/// One bench run: seed a fresh data folder, measure the ceiling, start the server on the data, prepare and measure each
/// workload, and print one line per workload. Progress goes to <c>log</c> (stderr), results to <c>output</c> (stdout).
/// </summary>
internal sealed class Bench(Options options, TextWriter log, TextWriter output)
{
    private const string CalendarUser = "cal@bench.test";

    // Issue 16: calendars of 10,000 items of which 300 (and 3,000) are open-ended series with exceptions.
    private const string RecurringUser = "rec@bench.test";
    private const string Recurring3000User = "rec3000@bench.test";
    private const long MaxOperations = 2_000_000;
    private static readonly Dictionary<string, string> NoEnvironment = [];
    private readonly Profiling profiling = new(options.PerfDir, options.TraceDir, options.CountersDir, log);
    private readonly BenchStore store = new(options.PostgresConnection, log);

    private int SyncSmall => options.SyncSizes[0];

    private int SyncLarge => options.SyncSizes[1];

    private int? serverPid;

    // Every node's process (one unless --nodes): their CPU is summed over a measured window.
    private IReadOnlyList<int> serverPids = [];

    private RunSettings Settings => new(options.Concurrency, options.Warmup, options.Duration, MaxOperations);

    private static string Users(string prefix, int i) => string.Create(CultureInfo.InvariantCulture, $"{prefix}-{i:00}@bench.test");

    public async Task<int> RunMainAsync(CancellationToken cancellationToken)
    {
        var wants = options.Workloads.ToHashSet(StringComparer.Ordinal);
        var organizers = Enumerable.Range(0, 8).Select(i => Users("org", i)).ToList();
        var invitees = Enumerable.Range(0, 10).Select(i => Users("att", i)).ToList();
        const string proposer = "prop-org@bench.test";
        var proposees = Enumerable.Range(0, 10).Select(i => Users("prop", i)).ToList();

        var plan = new SeedPlan
        {
            FreeBusyUsers = wants.Contains("availability") ? 20 : 0,
            RecurringFreeBusyUsers = wants.Contains("availability-recurring") ? 20 : 0,
        };
        // The getitem calendar is always seeded: the ceiling is sent the same GetItem requests.
        plan.Calendars.Add((CalendarUser, 10_000));
        if (wants.Contains("calendarview-recurring"))
        {
            plan.RecurringCalendars.Add((RecurringUser, 10_000, 300));
        }

        if (wants.Contains("calendarview-recurring-3000"))
        {
            plan.RecurringCalendars.Add((Recurring3000User, 10_000, 3_000));
        }
        if (wants.Contains("sync"))
        {
            plan.SyncSizes.AddRange([SyncSmall, SyncLarge]);
        }

        if (wants.Contains("invite"))
        {
            plan.PlainUsers.AddRange([.. organizers, .. invitees]);
        }

        if (wants.Contains("propose"))
        {
            plan.PlainUsers.AddRange([proposer, .. proposees]);
        }

        var data = DataDirectory();
        try
        {
            var fsync = DiskProbe.Fsync(data, options.Quick ? 100 : 300);
            log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"disk: fsync after a 4 KB append takes {fsync.P50Ms:F2} ms (p50), {fsync.MeanMs:F2} ms (mean)"));
            await store.PrepareAsync(cancellationToken);
            var seed = await Seeder.SeedAsync(token => store.OpenAsync(data, token), plan, log, cancellationToken);
            var getItem = new GetItemWorkload("getitem", seed.Calendars[CalendarUser]);
            var ceiling = new CeilingWorkload(getItem.Bodies, CalendarUser);
            var results = new Dictionary<string, RunResult>(StringComparer.Ordinal);
            var ceilings = new List<RunResult> { await MeasureCeilingAsync(ceiling, cancellationToken) };

            double? rssMb = null;
            var syncs = new Dictionary<int, SyncWorkload>();
            await using (var nodes = await StartNodesAsync(data, options.Nodes, cancellationToken))
            {
                var server = nodes[0];
                using var target = new EwsTarget([.. nodes.Select(n => n.Endpoint)], options.Concurrency);
                await WarmServerAsync(target, seed.Calendars[CalendarUser], cancellationToken);
                // Server memory is sampled while getitem runs, first on a fresh server.
                if (wants.Contains("getitem"))
                {
                    (results["getitem"], rssMb) = await MeasureWithMemoryAsync(getItem, target, server, cancellationToken);
                }

                if (wants.Contains("calendarview"))
                {
                    results["calendarview"] = await MeasureAsync(new CalendarViewWorkload("calendarview", seed.Calendars[CalendarUser]), target, cancellationToken);
                }

                foreach (var (name, user) in new[] { ("calendarview-recurring", RecurringUser), ("calendarview-recurring-3000", Recurring3000User) })
                {
                    if (wants.Contains(name))
                    {
                        await WarmServerAsync(target, seed.Calendars[user], cancellationToken);
                        results[name] = await MeasureAsync(new CalendarViewWorkload(name, seed.Calendars[user]), target, cancellationToken);
                    }
                }

                if (wants.Contains("availability"))
                {
                    results["availability"] = await MeasureAsync(new AvailabilityWorkload(seed.FreeBusyUsers, Seeder.FreeBusyWeeks(plan.FreeBusyItems)), target, cancellationToken);
                }

                if (wants.Contains("availability-recurring"))
                {
                    var weeks = Seeder.FreeBusyWeeks(plan.FreeBusyItems - plan.RecurringFreeBusySeries);
                    results["availability-recurring"] = await MeasureAsync(new AvailabilityWorkload(seed.RecurringFreeBusyUsers, weeks, "availability-recurring"), target, cancellationToken);
                }

                if (wants.Contains("sync"))
                {
                    foreach (var size in new[] { SyncSmall, SyncLarge })
                    {
                        var sync = syncs[size] = new SyncWorkload(string.Create(CultureInfo.InvariantCulture, $"sync-{size}"), seed.SyncFolders[size]);
                        results[sync.Name] = await MeasureAsync(sync, target, cancellationToken);
                    }
                }

                if (wants.Contains("invite"))
                {
                    results["invite"] = await MeasureAsync(new InviteWorkload(organizers, invitees), target, cancellationToken);
                }

                if (wants.Contains("propose"))
                {
                    var propose = new ProposeWorkload("propose", proposer, proposees, options.ProposeMeetings, preparers: 4);
                    results["propose"] = await MeasureAsync(propose, target, cancellationToken);
                }

                foreach (var attack in options.Attacks)
                {
                    await new Attacks(options, log, output).RunAsync(attack, server, target, seed.Calendars[CalendarUser], cancellationToken);
                }
            }

            if (!options.Quick)
            {
                // Measured again at the end: on a busy machine the two differ, and their mean is the fairer yardstick.
                ceilings.Add(await MeasureCeilingAsync(ceiling, cancellationToken));
            }

            var ceilingResult = Merge(ceilings);
            var ceilingRps = ceilingResult.Rps;
            if (ceilings.Count > 1)
            {
                log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ceiling: {string.Join(" and ", ceilings.Select(c => c.Rps.ToString("F0", CultureInfo.InvariantCulture)))} requests/s before and after; both runs together: {ceilingRps:F0}"));
            }

            output.WriteLine(Line("ceiling", ceilingResult, ceilingRps));
            var printed = new HashSet<string>(StringComparer.Ordinal);
            foreach (var name in Options.AllWorkloads)
            {
                foreach (var (key, result) in results.Where(r => r.Key == name || r.Key.StartsWith(name + "-", StringComparison.Ordinal)))
                {
                    if (printed.Add(key))
                    {
                        output.WriteLine(Line(key, result, ceilingRps));
                    }
                }
            }

            if (rssMb is { } rss)
            {
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"getitem-rss rss_mb={rss:F0}"));
            }

            if (results.TryGetValue($"sync-{SyncSmall}", out var small) && results.TryGetValue($"sync-{SyncLarge}", out var large) && large.Rps > 0)
            {
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"sync-growth cost_{SyncLarge}_over_{SyncSmall}={small.Rps / large.Rps:F2}"));
            }

            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"# disk fsync of a 4 KB append: p50 {fsync.P50Ms:F2} ms, mean {fsync.MeanMs:F2} ms: at most {1000 / fsync.MeanMs:F0} durable commits/s for one writer"));
            foreach (var (size, sync) in syncs)
            {
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"# sync-{size} full sync: {sync.FullSync.Pages} pages of 512 in {sync.FullSync.Elapsed.TotalSeconds:F2}s ({size / sync.FullSync.Elapsed.TotalSeconds:F0} items/s)"));
            }

            PrintTargets(results, ceilingRps, rssMb);
            return results.Values.Any(r => r.Errors > 0) ? 1 : 0;
        }
        finally
        {
            Cleanup(data);
        }
    }

    /// <summary>The scaling table: the size-dependent workloads at each size, in one server.</summary>
    public async Task<int> RunSizesAsync(CancellationToken cancellationToken)
    {
        var sizes = options.SizeList;
        // One organizer per size: their Inbox fills with the answers, and must not carry over from one size to the next.
        static string Proposer(int size) => string.Create(CultureInfo.InvariantCulture, $"prop-org-{size}@bench.test");
        var plan = new SeedPlan { FreeBusyUsers = 0 };
        foreach (var size in sizes)
        {
            plan.Calendars.Add((SizeUser(size), size));
            plan.PlainUsers.Add(Proposer(size));
        }

        plan.SyncSizes.AddRange(sizes);
        var data = DataDirectory();
        try
        {
            await store.PrepareAsync(cancellationToken);
            var seed = await Seeder.SeedAsync(token => store.OpenAsync(data, token), plan, log, cancellationToken);
            var results = new Dictionary<(string Workload, int Size), RunResult>();
            var fullSyncs = new Dictionary<int, (int Pages, TimeSpan Elapsed)>();
            var invites = new Dictionary<int, TimeSpan>();
            var ceilings = new List<RunResult>
            {
                await MeasureCeilingAsync(new CeilingWorkload(new GetItemWorkload("ceiling-bodies", seed.Calendars[SizeUser(sizes[0])]).Bodies, SizeUser(sizes[0])), cancellationToken),
            };
            await using (var server = await StartServerAsync(data, cancellationToken))
            {
                using var target = new EwsTarget(server.Endpoint, options.Concurrency);
                foreach (var size in sizes)
                {
                    // Every user signs in once before anything is measured (their first request pays PBKDF2).
                    await WarmServerAsync(target, seed.Calendars[SizeUser(size)], cancellationToken);
                }

                foreach (var size in sizes)
                {
                    var calendar = seed.Calendars[SizeUser(size)];
                    results[("getitem", size)] = await MeasureAsync(new GetItemWorkload(Named("getitem", size), calendar), target, cancellationToken);
                    results[("calendarview", size)] = await MeasureAsync(new CalendarViewWorkload(Named("calendarview", size), calendar), target, cancellationToken);
                    // The attendee is the owner of this size's calendar: their mailbox holds the size's items.
                    var propose = new ProposeWorkload(Named("propose", size), Proposer(size), [calendar.Address], options.ProposeMeetings, preparers: 4);
                    results[("propose", size)] = await MeasureAsync(propose, target, cancellationToken);
                    invites[size] = propose.Preparation;
                    var sync = new SyncWorkload(Named("sync", size), seed.SyncFolders[size]);
                    results[("sync", size)] = await MeasureAsync(sync, target, cancellationToken);
                    fullSyncs[size] = sync.FullSync;
                }
            }

            var ceilingRps = ceilings.Average(c => c.Rps);
            output.WriteLine(Line("ceiling", ceilings[0], ceilingRps));
            foreach (var ((workload, size), result) in results.OrderBy(r => Array.IndexOf(Options.AllWorkloads, r.Key.Workload)).ThenBy(r => r.Key.Size))
            {
                output.WriteLine(Line(Named(workload, size), result, ceilingRps));
            }

            // The table for docs/benchmarks.md: requests (or loops) per second, p50 in ms.
            output.WriteLine();
            output.WriteLine("| items | getitem rps (p50 ms) | calendarview rps (p50 ms) | propose loops/s (p50 ms) | sync rps (p50 ms) | full sync items/s (pages, time) | invite of this mailbox, meetings/s (4 at a time) |");
            output.WriteLine("|---:|---:|---:|---:|---:|---:|---:|");
            foreach (var size in sizes)
            {
                string Cell(string w) => results[(w, size)] is { } r ? string.Create(CultureInfo.InvariantCulture, $"{r.Rps:F0} ({r.P50:F1})") : "";
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {size:N0} | {Cell("getitem")} | {Cell("calendarview")} | {Cell("propose")} | {Cell("sync")} | {size / fullSyncs[size].Elapsed.TotalSeconds:F0} ({fullSyncs[size].Pages} pages, {fullSyncs[size].Elapsed.TotalSeconds:F2}s) | {options.ProposeMeetings / invites[size].TotalSeconds:F0} |"));
            }

            return results.Values.Any(r => r.Errors > 0) ? 1 : 0;
        }
        finally
        {
            Cleanup(data);
        }
    }

    /// <summary>Several runs of one workload taken as one: all their requests over all their time.</summary>
    private static RunResult Merge(IReadOnlyList<RunResult> runs)
    {
        var latencies = runs.SelectMany(r => r.LatenciesMs).ToArray();
        Array.Sort(latencies);
        return new RunResult(runs[0].Name, runs.Sum(r => r.Ok), runs.Sum(r => r.Errors), TimeSpan.FromTicks(runs.Sum(r => r.Elapsed.Ticks)),
            latencies, runs.Any(r => r.Exhausted), runs.Select(r => r.FirstError).FirstOrDefault(e => e is not null));
    }

    private static string SizeUser(int size) => string.Create(CultureInfo.InvariantCulture, $"cal-{size}@bench.test");

    private static string Named(string workload, int size) => string.Create(CultureInfo.InvariantCulture, $"{workload}-{size}");

    private string DataDirectory()
    {
        var dir = options.Work ?? Path.Combine(Path.GetTempPath(), "rdv-bench-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        if (Directory.Exists(dir))
        {
            Directory.Delete(dir, recursive: true);
        }

        Directory.CreateDirectory(dir);
        return dir;
    }

    private void Cleanup(string data)
    {
        store.DropAsync(options.Keep).GetAwaiter().GetResult();
        if (options.Keep)
        {
            log.WriteLine("data kept in " + data);
            return;
        }

        try
        {
            Directory.Delete(data, recursive: true);
        }
        catch (IOException e)
        {
            log.WriteLine("could not remove " + data + ": " + e.Message);
        }
    }

    private async Task<ChildProcess> StartServerAsync(string data, CancellationToken cancellationToken)
    {
        RequireFile(options.Server, "the server; build it with: dotnet build -c Release src/Rendezvous.Cli");
        var server = await ChildProcess.StartAsync(options.Server, ["serve", "--urls", "http://127.0.0.1:0", .. store.ServerArguments(data)], profiling.ServerEnvironment, cancellationToken);
        serverPid = server.Id;
        serverPids = [server.Id];
        log.WriteLine($"server: pid {server.Id} at {server.Endpoint}, store {store.Name}");
        return server;
    }

    /// <summary>
    /// <paramref name="count"/> servers over the one store, started one after the other (the first applies the
    /// migrations); profilers watch the first, CPU is read from all.
    /// </summary>
    private async Task<Nodes> StartNodesAsync(string data, int count, CancellationToken cancellationToken)
    {
        var nodes = new Nodes();
        try
        {
            for (var i = 0; i < count; i++)
            {
                nodes.Add(await StartServerAsync(data, cancellationToken));
            }
        }
        catch
        {
            await nodes.DisposeAsync();
            throw;
        }

        serverPid = nodes[0].Id;
        serverPids = [.. nodes.Select(n => n.Id)];
        if (count > 1)
        {
            log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"nodes: {count} servers over one database; worker K sends to node K mod {count}"));
        }

        return nodes;
    }

    /// <summary>The servers of a run, stopped together.</summary>
    private sealed class Nodes : List<ChildProcess>, IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            foreach (var node in this)
            {
                await node.DisposeAsync();
            }
        }
    }

    /// <summary>
    /// Before anything is measured: GetItem until the JIT has compiled the hot paths at full optimization (tiered
    /// compilation) and each signing-in user's first PBKDF2 check is behind us. Without it the first workload measured
    /// pays for the start. On two busy cores optimised code takes about 15 s of GetItem to reach its flat throughput
    /// (per-second figures of a 25 s run: the JIT compiled 300 methods a second for the first 12 s, under 30 after).
    /// </summary>
    private async Task WarmServerAsync(EwsTarget target, SeededCalendar calendar, CancellationToken cancellationToken)
    {
        var warm = new GetItemWorkload("server-warmup", calendar);
        var settings = new RunSettings(options.Concurrency, TimeSpan.Zero, TimeSpan.FromSeconds(options.Quick ? 1 : 15), MaxOperations);
        var result = await LoadRunner.RunAsync(warm.Name, settings, (worker, token) => warm.RunOnceAsync(target, worker, token), cancellationToken);
        log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"server warmed up: {result.Ok:N0} GetItem requests, {result.Errors} errors"));
    }

    private async Task<RunResult> MeasureCeilingAsync(CeilingWorkload ceiling, CancellationToken cancellationToken)
    {
        RequireFile(options.Ceiling, "the ceiling; build it with: dotnet build -c Release bench/Rendezvous.Bench.Ceiling");
        await using var process = await ChildProcess.StartAsync(options.Ceiling, ["--urls", "http://127.0.0.1:0"], NoEnvironment, cancellationToken);
        using var target = new EwsTarget(process.Endpoint, options.Concurrency);
        return await MeasureAsync(ceiling, target, cancellationToken);
    }

    private static void RequireFile(string path, string what)
    {
        if (!File.Exists(path))
        {
            throw new InvalidOperationException($"{path} is missing: {what}");
        }
    }

    private async Task<RunResult> MeasureAsync(Workload workload, EwsTarget target, CancellationToken cancellationToken)
    {
        await workload.PrepareAsync(target, log, cancellationToken);
        // Only the server is profiled: the ceiling is the yardstick, not the subject.
        var profile = workload is CeilingWorkload || serverPid is not { } pid
            ? Task.CompletedTask
            : profiling.ProfileAsync(workload.Name, pid, options.Warmup, options.Duration, cancellationToken);
        var cpu = workload is CeilingWorkload || serverPids.Count == 0
            ? Task.FromResult<TimeSpan?>(null)
            : ProcessCpu.OverWindowAsync(serverPids, Settings.Warmup, Settings.Duration, cancellationToken);
        if (workload is not CeilingWorkload)
        {
            await store.ResetStatementsAsync(cancellationToken);
        }

        var result = await LoadRunner.RunAsync(workload.Name, Settings, (worker, token) => workload.RunOnceAsync(target, worker, token), cancellationToken);
        await profile;
        if (workload is not CeilingWorkload)
        {
            // The statistics cover the warm-up as well as the measured window: counted as operations at the measured rate.
            var operations = (long)(result.Ok * (Settings.Warmup + Settings.Duration) / Settings.Duration);
            await store.ReportStatementsAsync(workload.Name, operations, cancellationToken);
        }

        // A run that ends early (its prepared work ran out) has no CPU figure for the window it did not fill.
        if (await cpu is { } used && !result.Exhausted && result.Ok > 0)
        {
            result = result with { ServerCpuUsPerOperation = used.TotalMicroseconds / result.Ok };
        }

        Report(workload, result);
        if (options.AllocDir is { } allocDir && workload is not CeilingWorkload && serverPid is { } probed && !result.Exhausted)
        {
            output.WriteLine(await AllocationProbe.MeasureAsync(workload.Name, probed, allocDir, Settings, (worker, token) => workload.RunOnceAsync(target, worker, token), cancellationToken));
        }

        return result;
    }

    private async Task<(RunResult Result, double RssMb)> MeasureWithMemoryAsync(Workload workload, EwsTarget target, ChildProcess server, CancellationToken cancellationToken)
    {
        using var stop = new CancellationTokenSource();
        var peak = 0.0;
        var sampler = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                peak = Math.Max(peak, server.Memory().RssMb);
                try
                {
                    await Task.Delay(100, stop.Token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }, CancellationToken.None);
        var result = await MeasureAsync(workload, target, cancellationToken);
        await stop.CancelAsync();
        await sampler;
        var (rss, hwm) = server.Memory();
        peak = Math.Max(peak, rss);
        log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{workload.Name}: server resident memory peaked at {peak:F0} MB while sampled (VmHWM {hwm:F0} MB)"));
        return (result, peak);
    }

    private void Report(Workload workload, RunResult result)
    {
        log.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{workload.Name}: {result.Ok:N0} {workload.Unit}s in {result.Elapsed.TotalSeconds:F1}s, {result.Rps:F0}/s, p50 {result.P50:F2} ms, p99 {result.P99:F2} ms, {result.Errors} errors{(result.Exhausted ? " (prepared work ran out: the run ended early)" : "")}"));
        if (result.PerSecond.Count > 1)
        {
            log.WriteLine($"{workload.Name}: per second: {string.Join(' ', result.PerSecond)}");
        }

        if (result.FirstError is { } error)
        {
            log.WriteLine($"{workload.Name}: first error: {error}");
        }
    }

    private static string Line(string name, RunResult result, double ceilingRps)
    {
        var line = string.Create(CultureInfo.InvariantCulture,
            $"{name} rps={result.Rps:F0} p50_ms={result.P50:F2} p99_ms={result.P99:F2} ratio={(ceilingRps > 0 ? result.Rps / ceilingRps : 0):F3}{(result.ServerCpuUsPerOperation is { } cpu ? $" cpu_us={cpu:F0}" : "")}");
        return result.Errors > 0 ? line + string.Create(CultureInfo.InvariantCulture, $" errors={result.Errors}") : line;
    }

    /// <summary>The issue's targets, each with its verdict (comment lines, after the results).</summary>
    private void PrintTargets(Dictionary<string, RunResult> results, double ceilingRps, double? rssMb)
    {
        void Check(string what, bool met, string detail) => output.WriteLine($"# target {what}: {detail} {(met ? "met" : "MISSED")}");
        string F(double v) => v.ToString("F2", CultureInfo.InvariantCulture);
        if (results.TryGetValue("getitem", out var g))
        {
            Check("getitem >= 50% of ceiling", g.Rps >= 0.5 * ceilingRps, $"{F(100 * g.Rps / ceilingRps)}%");
        }

        if (results.TryGetValue("calendarview", out var c))
        {
            Check("calendarview >= 25% of ceiling", c.Rps >= 0.25 * ceilingRps, $"{F(100 * c.Rps / ceilingRps)}%");
        }

        if (results.TryGetValue("calendarview-recurring", out var r300))
        {
            // Issue 16: the week view of a calendar with series at least as fast, as a ratio to the ceiling, as calendarview.
            var singles = results.TryGetValue("calendarview", out var cv) ? cv.Rps : 0.25 * ceilingRps;
            Check("calendarview-recurring >= calendarview (ratio to ceiling)", r300.Rps >= singles, $"{F(100 * r300.Rps / ceilingRps)}% against {F(100 * singles / ceilingRps)}%");
            if (results.TryGetValue("calendarview-recurring-3000", out var r3000) && r3000.Rps > 0)
            {
                Check("calendarview-recurring 3,000 series cost <= 1.5x 300", r300.Rps / r3000.Rps <= 1.5, $"{F(r300.Rps / r3000.Rps)}x");
            }
        }

        if (results.TryGetValue("availability-recurring", out var ar))
        {
            var plain = results.TryGetValue("availability", out var av) ? av.Rps : 500;
            Check("availability-recurring >= availability", ar.Rps >= plain, $"{ar.Rps:F0}/s against {plain:F0}/s");
        }

        if (results.TryGetValue("invite", out var i))
        {
            Check("invite >= 1000 meetings/s", i.Rps >= 1000, $"{i.Rps:F0}/s");
        }

        if (results.TryGetValue("propose", out var p))
        {
            Check("propose >= 1500 loops/s", p.Rps >= 1500, $"{p.Rps:F0}/s");
        }

        if (results.TryGetValue("availability", out var a))
        {
            Check("availability >= 500 requests/s", a.Rps >= 500, $"{a.Rps:F0}/s");
        }

        if (results.TryGetValue($"sync-{SyncSmall}", out var s1) && results.TryGetValue($"sync-{SyncLarge}", out var s2) && s2.Rps > 0)
        {
            Check($"sync {SyncLarge} items cost <= 1.5x {SyncSmall}", s1.Rps / s2.Rps <= 1.5, $"{F(s1.Rps / s2.Rps)}x");
        }

        if (rssMb is { } rss)
        {
            Check("getitem server RSS < 200 MB", rss < 200, $"{rss:F0} MB");
        }
    }
}
