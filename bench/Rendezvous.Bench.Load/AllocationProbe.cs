using System.Diagnostics;
using System.Globalization;

namespace Rendezvous.Bench.Load;

/// <summary>
/// Bytes the server allocates per operation (issue 14): after a workload's measured run, dotnet-counters is attached,
/// and once it is surely listening the workload runs again with no warmup, so every operation of the second run falls
/// inside the counters' window; the window's total allocation (the sum of dotnet.gc.heap.total_allocated's increments)
/// over the operations is the figure. Allocation, unlike time, does not move with what else runs on the machine. The
/// idle server's own allocation over the window (timers, under 100 KB a second) is counted in; it is reported beside.
/// </summary>
internal static class AllocationProbe
{
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(4);

    public static async Task<string> MeasureAsync(string name, int pid, string dir, RunSettings settings, Func<Worker, CancellationToken, Task<Outcome>> operation, CancellationToken cancellationToken)
    {
        var csv = Path.Combine(dir, name + ".alloc.csv");
        var window = Settle + settings.Duration + Settle;
        var counters = Run(Tool("dotnet-counters"), ["collect", "-p", pid.ToString(CultureInfo.InvariantCulture), "--duration", window.ToString("c", CultureInfo.InvariantCulture),
            "--format", "csv", "-o", csv, "--refresh-interval", "1", "--counters", "System.Runtime[dotnet.gc.heap.total_allocated]"], cancellationToken);
        await Task.Delay(Settle, cancellationToken);
        var result = await LoadRunner.RunAsync(name, settings with { Warmup = TimeSpan.Zero }, operation, cancellationToken);
        await counters;
        var increments = File.ReadLines(csv).Where(l => l.Contains("total_allocated", StringComparison.Ordinal))
            .Select(l => double.Parse(l[(l.LastIndexOf(',') + 1)..], CultureInfo.InvariantCulture)).ToList();
        var total = increments.Sum();
        var operations = result.Ok + result.Errors;
        var idle = increments.Count > 0 ? increments[0] : 0;
        return string.Create(CultureInfo.InvariantCulture,
            $"{name} alloc_bytes_per_op={(operations > 0 ? total / operations : 0):F0} ops={operations} errors={result.Errors} window_bytes={total:F0} first_second_bytes={idle:F0}");
    }

    private static string Tool(string name)
    {
        var global = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".dotnet", "tools", name);
        return File.Exists(global) ? global : name;
    }

    private static async Task Run(string file, IEnumerable<string> arguments, CancellationToken cancellationToken)
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
        await stdout;
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException("dotnet-counters exited with " + process.ExitCode + ": " + await stderr);
        }
    }
}
