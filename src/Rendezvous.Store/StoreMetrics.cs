using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Rendezvous.Store;

/// <summary>
/// The store's numbers, as System.Diagnostics.Metrics instruments (the host exports them; nothing here knows
/// OpenTelemetry): how long a commit takes, how many writes share it, and how many writes wait for the writer.
/// A store of another kind records its commits through <see cref="RecordCommit"/> too.
/// </summary>
public static class StoreMetrics
{
    public const string MeterName = "Rendezvous.Store";

    private static readonly Meter Meter = new(MeterName);

    private static readonly Histogram<double> CommitDuration = Meter.CreateHistogram(
        "rdv.store.commit.duration", "s", "Time from the start of a write transaction to its durable commit",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5] });

    private static readonly Histogram<int> CommitWrites = Meter.CreateHistogram(
        "rdv.store.commit.writes", "{write}", "Writes that shared one commit (group commit)",
        advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = [1, 2, 4, 8, 16, 32, 64] });

    // The writers of every store open in this process (the tests run several servers in one).
    private static readonly ConcurrentDictionary<Func<int>, byte> Queues = new();

    static StoreMetrics() =>
        Meter.CreateObservableGauge("rdv.store.commit.queue", () => Queues.Keys.Sum(q => q()), "{write}", "Writes waiting for the store's writer");

    public static void RecordCommit(TimeSpan duration, int writes)
    {
        CommitDuration.Record(duration.TotalSeconds);
        CommitWrites.Record(writes);
    }

    /// <summary>Counts <paramref name="queueLength"/> in the queue gauge until the result is disposed.</summary>
    public static IDisposable TrackQueue(Func<int> queueLength)
    {
        Queues.TryAdd(queueLength, 0);
        return new Untrack(queueLength);
    }

    private sealed class Untrack(Func<int> queueLength) : IDisposable
    {
        public void Dispose() => Queues.TryRemove(queueLength, out _);
    }
}
