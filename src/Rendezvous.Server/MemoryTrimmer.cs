namespace Rendezvous.Server;

/// <summary>
/// Gives memory back after large requests. The GC collects when allocations ask for it, so a server that goes quiet
/// after a large request keeps the freed heap resident; one aggressive collection (it decommits what is free) a second
/// after the last large request returns it to the system. At most one a second, whatever the rate of large requests.
/// </summary>
public sealed class MemoryTrimmer(TimeProvider time)
{
    /// <summary>A request or response at least this large is followed by a trim.</summary>
    public const long LargeBytes = 1024 * 1024;

    private static readonly TimeSpan Quiet = TimeSpan.FromSeconds(1);
    private int scheduled;

    public void Schedule()
    {
        if (Interlocked.Exchange(ref scheduled, 1) == 1)
        {
            return;
        }

        _ = Task.Run(async () =>
        {
            await Task.Delay(Quiet, time);
            Interlocked.Exchange(ref scheduled, 0);
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        });
    }
}
