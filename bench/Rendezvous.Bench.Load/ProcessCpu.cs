using System.Globalization;

namespace Rendezvous.Bench.Load;

/// <summary>
/// The CPU time (user and system) a process has used, from /proc/PID/stat. CPU per operation is the figure to compare
/// on a shared or noisy machine: another process's load changes the throughput a run gets far more than the work each
/// request costs the server.
/// </summary>
internal static class ProcessCpu
{
    private static readonly double TicksPerSecond = 100; // USER_HZ on Linux

    public static TimeSpan? Read(int pid)
    {
        string stat;
        try
        {
            stat = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }

        // Fields after the command name (which may hold spaces, inside parentheses): utime and stime are the 14th and 15th.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return TimeSpan.FromSeconds(ticks / TicksPerSecond);
    }

    /// <summary>The server's CPU time over the measured window of a run (from the warmup's end to the duration's).</summary>
    /// <remarks>Summed over several processes (the nodes of a run); null if any could not be read.</remarks>
    public static async Task<TimeSpan?> OverWindowAsync(IReadOnlyList<int> pids, TimeSpan warmup, TimeSpan duration, CancellationToken cancellationToken)
    {
        await Task.Delay(warmup, cancellationToken);
        var start = pids.Select(Read).ToList();
        await Task.Delay(duration, cancellationToken);
        var end = pids.Select(Read).ToList();
        if (start.Any(t => t is null) || end.Any(t => t is null))
        {
            return null;
        }

        return TimeSpan.FromTicks(end.Sum(t => t!.Value.Ticks) - start.Sum(t => t!.Value.Ticks));
    }
}
