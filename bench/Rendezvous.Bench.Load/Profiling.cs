using System.Diagnostics;
using System.Globalization;

namespace Rendezvous.Bench.Load;

/// <summary>
/// Optional profilers attached to the server for the measured part of each workload (never to the ceiling):
/// perf (CPU samples with the JIT's perf map, so managed frames have names), dotnet-trace (managed stacks sampled
/// every 10 ms, wall-clock time: it shows waits too) and dotnet-counters (GC, thread pool, memory). They cost CPU,
/// so runs with them give profiles, not results.
/// </summary>
internal sealed class Profiling(string? perfDir, string? traceDir, string? countersDir, TextWriter log)
{
    public bool Any => perfDir is not null || traceDir is not null || countersDir is not null;

    /// <summary>
    /// Environment for the server: the perf map lets perf name JIT-compiled methods, and without W^X the code is not
    /// double-mapped (perf would see it as an anonymous memfd).
    /// </summary>
    public IReadOnlyDictionary<string, string> ServerEnvironment =>
        perfDir is null ? new Dictionary<string, string>() : new Dictionary<string, string> { ["DOTNET_PerfMapEnabled"] = "1", ["DOTNET_EnableWriteXorExecute"] = "0" };

    /// <summary>Starts the profilers after <paramref name="delay"/> (the warmup) for <paramref name="duration"/>; the task ends when they have written their reports.</summary>
    public async Task ProfileAsync(string name, int pid, TimeSpan delay, TimeSpan duration, CancellationToken cancellationToken)
    {
        if (!Any)
        {
            return;
        }

        await Task.Delay(delay, cancellationToken);
        var seconds = Math.Max(1, (int)Math.Round(duration.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        var span = TimeSpan.FromSeconds(Math.Max(1, Math.Round(duration.TotalSeconds))).ToString("c", CultureInfo.InvariantCulture);
        var pidText = pid.ToString(CultureInfo.InvariantCulture);
        var runs = new List<Task>();
        if (perfDir is not null)
        {
            runs.Add(Task.Run(async () =>
            {
                var data = Path.Combine(perfDir, name + ".perf.data");
                await RunAsync("perf", ["record", "-F", "499", "-g", "-p", pidText, "-o", data, "--", "sleep", seconds], null, cancellationToken);
                // Self time by function (where the CPU is), then inclusive (which callers it is spent under).
                await RunAsync("perf", ["report", "-i", data, "--no-children", "--sort", "dso,symbol", "--stdio", "-g", "none", "--percent-limit", "0.5"], Path.Combine(perfDir, name + ".self.txt"), cancellationToken);
                await RunAsync("perf", ["report", "-i", data, "--children", "--sort", "symbol", "--stdio", "-g", "none", "--percent-limit", "2"], Path.Combine(perfDir, name + ".inclusive.txt"), cancellationToken);
            }, cancellationToken));
        }

        if (traceDir is not null)
        {
            runs.Add(Task.Run(async () =>
            {
                var trace = Path.Combine(traceDir, name + ".nettrace");
                await RunAsync(Tool("dotnet-trace"), ["collect", "-p", pidText, "--profile", "dotnet-sampled-thread-time", "--duration", span, "-o", trace], null, cancellationToken);
                await RunAsync(Tool("dotnet-trace"), ["report", trace, "topN", "-n", "40", "--inclusive"], Path.Combine(traceDir, name + ".inclusive.txt"), cancellationToken);
                await RunAsync(Tool("dotnet-trace"), ["report", trace, "topN", "-n", "40"], Path.Combine(traceDir, name + ".exclusive.txt"), cancellationToken);
                // convert names its output NAME.speedscope.json from the NAME.json it is given.
                var speedscope = Path.Combine(traceDir, name + ".speedscope.json");
                await RunAsync(Tool("dotnet-trace"), ["convert", "--format", "Speedscope", trace, "-o", Path.Combine(traceDir, name + ".json")], null, cancellationToken);
                await File.WriteAllTextAsync(Path.Combine(traceDir, name + ".summary.txt"), TraceSummary.Summarize(speedscope), cancellationToken);
            }, cancellationToken));
        }

        if (countersDir is not null)
        {
            runs.Add(RunAsync(Tool("dotnet-counters"), ["collect", "-p", pidText, "--duration", span, "--format", "csv", "-o", Path.Combine(countersDir, name + ".counters.csv"),
                "--counters", "System.Runtime,Microsoft.AspNetCore.Hosting"], null, cancellationToken));
        }

        await Task.WhenAll(runs);
        log.WriteLine($"{name}: profiles written");
    }

    /// <summary>A dotnet global tool: on the PATH, or where `dotnet tool install -g` puts it.</summary>
    private static string Tool(string name)
    {
        var global = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".dotnet", "tools", name);
        return File.Exists(global) ? global : name;
    }

    private async Task RunAsync(string file, IEnumerable<string> arguments, string? stdoutTo, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in arguments)
        {
            info.ArgumentList.Add(a);
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException("could not start " + file);
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        if (stdoutTo is not null)
        {
            await File.WriteAllTextAsync(stdoutTo, await stdout, cancellationToken);
        }

        if (process.ExitCode != 0)
        {
            log.WriteLine($"{Path.GetFileName(file)} exited with {process.ExitCode}: {EwsTarget.Shorten(await stderr, 500)}");
        }
    }
}
