using System.Diagnostics.Metrics;

namespace Rendezvous.Server;

/// <summary>
/// The host's own numbers as System.Diagnostics.Metrics instruments, exported with the store's and the notification
/// hub's at /metrics (<see cref="Operability"/>): EWS requests by operation and outcome, each ResponseMessage's code,
/// latency by operation, and refused sign-ins.
/// </summary>
public static class ServerMetrics
{
    public const string MeterName = "Rendezvous.Server";

    private static readonly Meter Meter = new(MeterName);

    private static readonly Counter<long> Requests = Meter.CreateCounter<long>(
        "rdv.ews.requests", "{request}", "EWS requests by operation and outcome (success, error: a ResponseMessage failed, fault, or the HTTP status)");

    private static readonly Counter<long> ResponseCodes = Meter.CreateCounter<long>(
        "rdv.ews.response_codes", "{message}", "ResponseCodes answered, by operation: one per ResponseMessage, and a fault's own");

    private static readonly Histogram<double> Duration = Meter.CreateHistogram(
        "rdv.ews.request.duration", "s", "Time to answer an EWS request, by operation (a stream: how long it was open)",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60] });

    private static readonly Counter<long> SignIns = Meter.CreateCounter<long>(
        "rdv.signin.refused", "{sign-in}", "Sign-ins refused, by reason: failed (wrong password or unknown user), throttled (locked out), busy (PBKDF2 queue full)");

    private static readonly Counter<long> RequestLogDrops = Meter.CreateCounter<long>(
        "rdv.request_log.dropped", "{line}", "Request log lines dropped because the log's output did not keep up (its buffer was full) or failed");

    internal static void RequestLogDropped(long lines = 1) => RequestLogDrops.Add(lines);

    /// <summary>One EWS request: its outcome, each ResponseCode counted (or the fault's alone), its duration.</summary>
    public static void Request(string operation, string outcome, string? fault, Dictionary<string, int> codes, TimeSpan duration)
    {
        var op = new KeyValuePair<string, object?>("operation", operation);
        Requests.Add(1, op, new KeyValuePair<string, object?>("outcome", outcome));
        if (fault is not null)
        {
            ResponseCodes.Add(1, op, new KeyValuePair<string, object?>("code", fault));
        }
        else
        {
            // The dictionary's own enumerator: an interface's would be allocated for every request.
            foreach (var (code, count) in codes)
            {
                ResponseCodes.Add(count, op, new KeyValuePair<string, object?>("code", code));
            }
        }

        Duration.Record(duration.TotalSeconds, op);
    }

    internal static void SignInRefused(SignInOutcome outcome) =>
        SignIns.Add(1, new KeyValuePair<string, object?>("reason", outcome switch
        {
            SignInOutcome.Throttled => "throttled",
            SignInOutcome.Busy => "busy",
            _ => "failed",
        }));
}
