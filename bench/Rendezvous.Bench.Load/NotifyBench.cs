using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Xml;
using Rendezvous.Store;

namespace Rendezvous.Bench.Load;

/// <summary>
/// Issue 17's notification figures: against a fresh `rdv serve`, 1,000 streaming subscribers (20 users, 50
/// subscriptions each to their Drafts) over 200 GetStreamingEvents connections (10 per user, Exchange's streams per
/// user, 5 subscriptions on each), while 100 changes a second (a message created in a user's Drafts, the users in
/// turn) are made for the measured time. Every CreatedEvent each connection streams is matched to its change: the
/// delivery latency from the change's request to the event's arrival (p50, p99; also from the change's answer, which
/// leaves out the time a change request waited for the server), lost deliveries (a subscription that
/// never saw a change of its user's Drafts), and the server's resident memory (peak, sampled every 20 ms). Output: one
/// `notify ...` line, then `# target` verdicts (p99 under 1 s, RSS under 300 MB, no event lost).
/// </summary>
internal sealed class NotifyBench(Options options, TextWriter log, TextWriter output)
{
    private const int Users = 20;
    private const int SubscriptionsPerUser = 50;
    private const int ConnectionsPerUser = 10;
    private const int ChangesPerSecond = 100;
    private const string End = "</Envelope>";

    private readonly ConcurrentDictionary<string, long> sent = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> committed = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> itemUser = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<(string Subscription, string Item, long At)> received = new();
    private readonly Dictionary<string, int> subscriptionUser = new(StringComparer.Ordinal);
    private int connectionsOpen;
    private int streamFailures;

    private static string User(int i) => $"notify{i.ToString(CultureInfo.InvariantCulture)}@bench.test";

    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var data = Path.Combine(options.Work ?? Path.GetTempPath(), "rdv-notify-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        if (Directory.Exists(data))
        {
            Directory.Delete(data, recursive: true);
        }

        await using (var store = await SqliteMailStore.OpenAsync(data, cancellationToken))
        {
            for (var u = 0; u < Users; u++)
            {
                await store.AddUserAsync(User(u), "Notified " + u.ToString(CultureInfo.InvariantCulture), PasswordHasher.Hash(Seeder.Password, 1_000), cancellationToken);
            }
        }

        var measured = options.Duration;
        try
        {
            await using var server = await ChildProcess.StartAsync(options.Server,
                ["serve", "--urls", "http://127.0.0.1:0", "--data", data, "--max-connections-per-client", "0"], null, cancellationToken);
            log.WriteLine($"server: pid {server.Id} at {server.Endpoint} ({options.Server})");
            using var changes = new EwsTarget(server.Endpoint, 32);
            using var streams = new EwsTarget(server.Endpoint, Users * ConnectionsPerUser + 10);
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);

            // 1,000 subscriptions, then 200 connections each holding 5 of them.
            var groups = new List<(int User, List<string> Ids)>();
            for (var u = 0; u < Users; u++)
            {
                var ids = new List<string>();
                for (var s = 0; s < SubscriptionsPerUser; s++)
                {
                    var answer = await changes.CallAsync(User(u),
                        "<m:Subscribe><m:StreamingSubscriptionRequest><t:FolderIds><t:DistinguishedFolderId Id=\"drafts\"/></t:FolderIds>" +
                        "<t:EventTypes><t:EventType>CreatedEvent</t:EventType></t:EventTypes></m:StreamingSubscriptionRequest></m:Subscribe>", cancellationToken);
                    var id = answer.Descendants(XNamespaceM + "SubscriptionId").Single().Value;
                    ids.Add(id);
                    subscriptionUser[id] = u;
                }

                for (var c = 0; c < ConnectionsPerUser; c++)
                {
                    groups.Add((u, ids.GetRange(c * (SubscriptionsPerUser / ConnectionsPerUser), SubscriptionsPerUser / ConnectionsPerUser)));
                }
            }

            var clock = Stopwatch.StartNew();
            var readers = groups.Select(g => Task.Run(() => StreamAsync(streams, g.User, g.Ids, clock, stop.Token))).ToList();
            var until = DateTime.UtcNow.AddSeconds(30);
            while (Volatile.Read(ref connectionsOpen) < groups.Count && DateTime.UtcNow < until)
            {
                await Task.Delay(50, cancellationToken);
            }

            log.WriteLine($"{connectionsOpen} of {groups.Count} streaming connections open");
            var before = server.Memory().RssMb;
            using var sampler = new PeakSampler(server);

            // 100 changes a second: one CreateItem every 10 ms, not waiting for the one before.
            var pending = new List<Task>();
            var count = (int)(measured.TotalSeconds * ChangesPerSecond);
            var start = clock.Elapsed;
            for (var i = 0; i < count; i++)
            {
                var due = start + TimeSpan.FromSeconds(i / (double)ChangesPerSecond);
                var wait = due - clock.Elapsed;
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, cancellationToken);
                }

                var user = i % Users;
                pending.Add(ChangeAsync(changes, user, i, clock, cancellationToken));
            }

            await Task.WhenAll(pending);
            var made = clock.Elapsed - start;

            // Drained: every expected delivery arrived, or 10 s without one more.
            var expected = sent.Count * SubscriptionsPerUser;
            var last = -1;
            var quietSince = clock.Elapsed;
            while (clock.Elapsed - quietSince < TimeSpan.FromSeconds(10))
            {
                var now = received.Count;
                if (now >= expected)
                {
                    break;
                }

                if (now != last)
                {
                    last = now;
                    quietSince = clock.Elapsed;
                }

                await Task.Delay(100, cancellationToken);
            }

            var peak = await sampler.StopAsync();
            await stop.CancelAsync();
            await Task.WhenAll(readers.Select(r => r.ContinueWith(_ => { }, TaskScheduler.Default)));

            // Each (subscription, item) once; a delivery counts for a subscription of the item's own user only.
            var latencies = new List<double>();
            var fromCommit = new List<double>();
            var seen = new HashSet<(string, string)>();
            var foreign = 0;
            foreach (var (subscription, item, at) in received)
            {
                if (!sent.TryGetValue(item, out var sentAt) || !seen.Add((subscription, item)))
                {
                    continue;
                }

                if (subscriptionUser[subscription] != itemUser[item])
                {
                    foreign++;
                    continue;
                }

                latencies.Add((at - sentAt) * 1000.0 / Stopwatch.Frequency);
                // From the change's answer (it was committed before): an event may arrive before it, so 0 at least.
                fromCommit.Add(Math.Max(0, (at - committed[item]) * 1000.0 / Stopwatch.Frequency));
            }

            latencies.Sort();
            fromCommit.Sort();
            double C(double q) => fromCommit.Count == 0 ? double.NaN : fromCommit[Math.Min(fromCommit.Count - 1, (int)(q * fromCommit.Count))];
            var lost = expected - latencies.Count;
            double P(double q) => latencies.Count == 0 ? double.NaN : latencies[Math.Min(latencies.Count - 1, (int)(q * latencies.Count))];
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"notify subscribers={Users * SubscriptionsPerUser} connections={groups.Count} open={connectionsOpen} changes={sent.Count} rate_per_s={sent.Count / made.TotalSeconds:F1} expected_deliveries={expected} delivered={latencies.Count} lost={lost} foreign={foreign} stream_failures={streamFailures} latency_p50_ms={P(0.5):F1} latency_p99_ms={P(0.99):F1} latency_max_ms={(latencies.Count == 0 ? double.NaN : latencies[^1]):F1} after_answer_p50_ms={C(0.5):F1} after_answer_p99_ms={C(0.99):F1} rss_before_mb={before:F0} rss_peak_mb={peak:F0}"));
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"# target delivery latency p99 under 1 s: {P(0.99):F0} ms {(P(0.99) < 1000 ? "met" : "MISSED")}"));
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"# target server RSS under 300 MB: {peak:F0} MB at peak {(peak < 300 ? "met" : "MISSED")}"));
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"# target no lost event: {lost} lost {(lost == 0 && foreign == 0 ? "met" : "MISSED")}"));
            return lost == 0 && foreign == 0 ? 0 : 1;
        }
        finally
        {
            if (!options.Keep)
            {
                try
                {
                    Directory.Delete(data, recursive: true);
                }
                catch (IOException e)
                {
                    log.WriteLine("could not remove " + data + ": " + e.Message);
                }
            }
        }
    }

    private static readonly System.Xml.Linq.XNamespace XNamespaceM = "http://schemas.microsoft.com/exchange/services/2006/messages";

    private async Task ChangeAsync(EwsTarget target, int user, int i, Stopwatch clock, CancellationToken cancellationToken)
    {
        var at = Stopwatch.GetTimestamp();
        var answer = await target.CallAsync(User(user),
            $"<m:CreateItem MessageDisposition=\"SaveOnly\"><m:SavedItemFolderId><t:DistinguishedFolderId Id=\"drafts\"/></m:SavedItemFolderId><m:Items><t:Message><t:Subject>change {i.ToString(CultureInfo.InvariantCulture)}</t:Subject></t:Message></m:Items></m:CreateItem>",
            cancellationToken);
        var id = (string)answer.Descendants(System.Xml.Linq.XName.Get("ItemId", "http://schemas.microsoft.com/exchange/services/2006/types")).Single().Attribute("Id")!;
        itemUser[id] = user;
        sent[id] = at;
        committed[id] = Stopwatch.GetTimestamp();
        _ = clock;
    }

    /// <summary>One connection: GetStreamingEvents for its subscriptions, each part's CreatedEvents noted as they arrive; opened again when the server closes it.</summary>
    private async Task StreamAsync(EwsTarget target, int user, List<string> ids, Stopwatch clock, CancellationToken cancellationToken)
    {
        var body = Requests.Envelope(
            $"<m:GetStreamingEvents><m:SubscriptionIds>{string.Concat(ids.Select(i => $"<t:SubscriptionId>{i}</t:SubscriptionId>"))}</m:SubscriptionIds><m:ConnectionTimeout>30</m:ConnectionTimeout></m:GetStreamingEvents>");
        var first = true;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, target.Url) { Content = new ByteArrayContent(body) };
                request.Headers.TryAddWithoutValidation("Authorization", target.Authorization(User(user)));
                request.Content.Headers.TryAddWithoutValidation("Content-Type", "text/xml; charset=utf-8");
                using var response = await target.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
                await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
                var pending = new StringBuilder();
                var decoder = Encoding.UTF8.GetDecoder();
                var bytes = new byte[16 * 1024];
                var chars = new char[16 * 1024];
                int read;
                while ((read = await stream.ReadAsync(bytes, cancellationToken)) > 0)
                {
                    var at = Stopwatch.GetTimestamp();
                    pending.Append(chars, 0, decoder.GetChars(bytes, 0, read, chars, 0));
                    int end;
                    while ((end = pending.ToString().IndexOf(End, StringComparison.Ordinal)) >= 0)
                    {
                        var part = pending.ToString(0, end + End.Length);
                        pending.Remove(0, end + End.Length);
                        if (first)
                        {
                            first = false;
                            Interlocked.Increment(ref connectionsOpen);
                        }

                        Parse(part, at);
                    }
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is HttpRequestException or IOException or XmlException)
            {
                Interlocked.Increment(ref streamFailures);
                await Task.Delay(100, CancellationToken.None);
            }
        }

        _ = clock;
    }

    /// <summary>The CreatedEvents of one part, by subscription (a part holds one Notification per subscription with events).</summary>
    private void Parse(string part, long at)
    {
        using var reader = XmlReader.Create(new StringReader(part));
        string? subscription = null;
        while (reader.Read())
        {
            if (reader.NodeType != XmlNodeType.Element)
            {
                continue;
            }

            if (reader.LocalName == "SubscriptionId")
            {
                subscription = reader.ReadElementContentAsString();
            }
            else if (reader.LocalName == "ItemId" && subscription is not null)
            {
                received.Enqueue((subscription, reader.GetAttribute("Id")!, at));
            }
            else if (reader.LocalName == "ResponseCode" && reader.ReadElementContentAsString() != "NoError")
            {
                Interlocked.Increment(ref streamFailures);
            }
        }
    }
}
