using System.Diagnostics;

namespace Rendezvous.Bench.Load;

/// <summary>
/// What one durable commit costs on the disk under the data folder: appends of 4 KB, each followed by fsync, as
/// SQLite's WAL does with synchronous=FULL. The store takes one writer at a time, so 1 / this latency bounds the
/// write transactions per second whatever the CPU.
/// </summary>
internal static class DiskProbe
{
    public static (double P50Ms, double MeanMs) Fsync(string directory, int count)
    {
        var path = Path.Combine(directory, "fsync-probe.bin");
        var block = new byte[4096];
        var times = new double[count];
        try
        {
            using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1, FileOptions.None);
            for (var i = 0; i < count; i++)
            {
                var start = Stopwatch.GetTimestamp();
                file.Write(block);
                file.Flush(flushToDisk: true);
                times[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            }
        }
        finally
        {
            File.Delete(path);
        }

        Array.Sort(times);
        return (times[count / 2], times.Average());
    }
}
