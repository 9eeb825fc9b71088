using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Rendezvous.Services;

/// <summary>
/// The notification hub's numbers as System.Diagnostics.Metrics instruments (the host exports them): the
/// subscriptions held, by kind, and the GetStreamingEvents connections open, over every hub of the process.
/// </summary>
public static class NotificationMetrics
{
    public const string MeterName = "Rendezvous.Notifications";

    private static readonly Meter Meter = new(MeterName);

    private static readonly UpDownCounter<int> Streams = Meter.CreateUpDownCounter<int>(
        "rdv.notifications.streams", "{connection}", "GetStreamingEvents connections open");

    private static readonly ConcurrentDictionary<NotificationHub, byte> Hubs = new();

    static NotificationMetrics() =>
        Meter.CreateObservableGauge("rdv.notifications.subscriptions", Observe, "{subscription}", "Subscriptions held, by kind");

    internal static void Track(NotificationHub hub) => Hubs.TryAdd(hub, 0);

    internal static void Untrack(NotificationHub hub) => Hubs.TryRemove(hub, out _);

    internal static void StreamOpened() => Streams.Add(1);

    internal static void StreamClosed() => Streams.Add(-1);

    private static IEnumerable<Measurement<int>> Observe()
    {
        var totals = new int[Enum.GetValues<SubscriptionKind>().Length];
        foreach (var hub in Hubs.Keys)
        {
            hub.CountSubscriptions(totals);
        }

        for (var kind = 0; kind < totals.Length; kind++)
        {
            yield return new Measurement<int>(totals[kind], new KeyValuePair<string, object?>("kind", ((SubscriptionKind)kind).ToString().ToLowerInvariant()));
        }
    }
}
