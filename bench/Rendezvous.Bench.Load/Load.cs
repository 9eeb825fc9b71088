using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Xml.Linq;

namespace Rendezvous.Bench.Load;

/// <summary>What one unit of a workload (a request, or a loop of requests) came to.</summary>
internal enum Outcome
{
    Ok,
    Error,

    /// <summary>The workload's pool of prepared work ran out: the run ends early.</summary>
    Exhausted,
}

/// <summary>
/// One HTTP client for one target (the server or the ceiling), shared by the workers: keep-alive connections, as many
/// as there are workers, no cookies, proxy or decompression, so the generator's own cost stays small and identical
/// for every target. A target of several nodes (<c>--nodes</c>: servers over one database) spreads its clients round-robin:
/// worker N sends every request to node N mod the count (its connection stays on one node, as behind a load balancer
/// that keeps a connection where it landed), and preparation calls take the nodes in turn, call after call.
/// </summary>
internal sealed class EwsTarget : IDisposable
{
    private static readonly byte[] Success = "ResponseClass=\"Success\""u8.ToArray();
    private static readonly byte[] Failure = "ResponseClass=\"Error\""u8.ToArray();
    private readonly Dictionary<string, string> authorizations = new(StringComparer.OrdinalIgnoreCase);
    private readonly Uri[] nodes;
    private long calls = -1;

    public EwsTarget(Uri url, int connections)
        : this([url], connections)
    {
    }

    /// <summary>A target of one or more nodes; each node gets up to <paramref name="connections"/> connections.</summary>
    public EwsTarget(IReadOnlyList<Uri> urls, int connections)
    {
        ArgumentOutOfRangeException.ThrowIfZero(urls.Count);
        nodes = [.. urls];
        Url = nodes[0];
        Http = new HttpClient(new SocketsHttpHandler
        {
            MaxConnectionsPerServer = connections,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
            UseCookies = false,
            UseProxy = false,
            AutomaticDecompression = DecompressionMethods.None,
            AllowAutoRedirect = false,
        })
        {
            Timeout = TimeSpan.FromSeconds(120),
        };
    }

    /// <summary>The first node: what the single-node benches and the attacks are sent to.</summary>
    public Uri Url { get; }

    public int Nodes => nodes.Length;

    /// <summary>The node worker <paramref name="worker"/> sends to, <paramref name="step"/> nodes further on (a loop's later step).</summary>
    public int NodeOf(int worker, int step = 0) => NodeIndex(worker + step, nodes.Length);

    /// <summary>Round-robin: client <paramref name="client"/> of a target of <paramref name="count"/> nodes.</summary>
    public static int NodeIndex(long client, int count) => (int)(((client % count) + count) % count);

    public HttpClient Http { get; }

    /// <summary>The Basic credentials of a bench user (all share one password), computed once.</summary>
    public string Authorization(string user)
    {
        lock (authorizations)
        {
            if (!authorizations.TryGetValue(user, out var value))
            {
                value = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(user + ":" + Seeder.Password));
                authorizations[user] = value;
            }

            return value;
        }
    }

    /// <summary>Posts a prebuilt body; the response lands in the worker's buffer. Returns the HTTP status.</summary>
    public async Task<int> PostAsync(byte[] body, string authorization, ResponseBuffer into, CancellationToken cancellationToken, int node = 0)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, nodes[node]) { Content = new ByteArrayContent(body) };
        request.Headers.TryAddWithoutValidation("Authorization", authorization);
        request.Content.Headers.TryAddWithoutValidation("Content-Type", "text/xml; charset=utf-8");
        using var response = await Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        await into.FillAsync(stream, cancellationToken);
        return (int)response.StatusCode;
    }

    /// <summary>HTTP 200 and every ResponseMessage a success: the check applied to every measured response.</summary>
    public static bool IsSuccess(int status, ReadOnlySpan<byte> body) =>
        status == 200 && body.IndexOf(Success) >= 0 && body.IndexOf(Failure) < 0;

    /// <summary>For preparation and checks: the parsed response, or an exception naming what went wrong.</summary>
    public Task<XDocument> CallAsync(string user, string body, CancellationToken cancellationToken) =>
        CallAsync(user, body, NodeIndex(Interlocked.Increment(ref calls), nodes.Length), cancellationToken);

    /// <summary><see cref="CallAsync(string, string, CancellationToken)"/> on a given node.</summary>
    public async Task<XDocument> CallAsync(string user, string body, int node, CancellationToken cancellationToken)
    {
        var buffer = new ResponseBuffer();
        var status = await PostAsync(Requests.Envelope(body), Authorization(user), buffer, cancellationToken, node);
        var text = Encoding.UTF8.GetString(buffer.Span);
        if (!IsSuccess(status, buffer.Span))
        {
            throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture, $"HTTP {status} from {nodes[node]} for {user}: {Shorten(text, 1500)}"));
        }

        return XDocument.Parse(text);
    }

    public static string Shorten(string text, int max) => text.Length <= max ? text : text[..max] + "…";

    public void Dispose() => Http.Dispose();
}

/// <summary>A worker's reusable response buffer: reading a response allocates nothing once it has grown.</summary>
internal sealed class ResponseBuffer
{
    private byte[] buffer = new byte[64 * 1024];

    public int Length { get; private set; }

    public ReadOnlySpan<byte> Span => buffer.AsSpan(0, Length);

    public async Task FillAsync(Stream stream, CancellationToken cancellationToken)
    {
        Length = 0;
        int read;
        while ((read = await stream.ReadAsync(buffer.AsMemory(Length), cancellationToken)) > 0)
        {
            Length += read;
            if (Length == buffer.Length)
            {
                Array.Resize(ref buffer, buffer.Length * 2);
            }
        }
    }

    public string Text => Encoding.UTF8.GetString(Span);
}

/// <summary>One of the concurrent loops of a run.</summary>
internal sealed class Worker(int index)
{
    public int Index { get; } = index;

    public ResponseBuffer Buffer { get; } = new();

    /// <summary>The first failed response this worker saw, for the report.</summary>
    public string? FirstError { get; set; }

    /// <summary>Posts to this worker's node, or <paramref name="step"/> nodes further on (a loop whose steps change node).</summary>
    public async Task<Outcome> PostAsync(EwsTarget target, byte[] body, string authorization, CancellationToken cancellationToken, int step = 0)
    {
        var status = await target.PostAsync(body, authorization, Buffer, cancellationToken, target.NodeOf(Index, step));
        if (EwsTarget.IsSuccess(status, Buffer.Span))
        {
            return Outcome.Ok;
        }

        FirstError ??= string.Create(CultureInfo.InvariantCulture, $"HTTP {status}: {EwsTarget.Shorten(Buffer.Text, 800)}");
        return Outcome.Error;
    }
}

internal sealed record RunSettings(int Concurrency, TimeSpan Warmup, TimeSpan Duration, long MaxOperations);

/// <summary>The measured part of a run: operations that started after the warmup and before the end.</summary>
internal sealed record RunResult(string Name, long Ok, long Errors, TimeSpan Elapsed, double[] LatenciesMs, bool Exhausted, string? FirstError)
{
    /// <summary>Operations completed in each second of the measured window: a workload whose cost grows as it runs shows here.</summary>
    public IReadOnlyList<int> PerSecond { get; init; } = [];

    /// <summary>The server's CPU time (user and system) per operation over the measured window, when it was read.</summary>
    public double? ServerCpuUsPerOperation { get; init; }

    public double Rps => Elapsed.TotalSeconds > 0 ? Ok / Elapsed.TotalSeconds : 0;

    public double P50 => Percentile(0.50);

    public double P99 => Percentile(0.99);

    private double Percentile(double p)
    {
        if (LatenciesMs.Length == 0)
        {
            return double.NaN;
        }

        // Nearest rank on the sorted latencies.
        var rank = (int)Math.Ceiling(p * LatenciesMs.Length) - 1;
        return LatenciesMs[Math.Clamp(rank, 0, LatenciesMs.Length - 1)];
    }
}

/// <summary>
/// A closed loop: <see cref="RunSettings.Concurrency"/> workers each send their next operation when the last one
/// returns. Operations started during the warmup are not measured. The run stops at the duration, at the operation
/// bound, or when the workload's prepared work runs out, whichever comes first.
/// </summary>
internal static class LoadRunner
{
    public static async Task<RunResult> RunAsync(string name, RunSettings settings, Func<Worker, CancellationToken, Task<Outcome>> operation, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var warmupEnd = settings.Warmup;
        var end = settings.Warmup + settings.Duration;
        long started = 0;
        long ok = 0;
        long errors = 0;
        var exhausted = 0;
        var lastMeasuredEnds = new TimeSpan[settings.Concurrency];
        var latencies = new List<double>[settings.Concurrency];
        var completions = new List<double>[settings.Concurrency];
        var workers = new Worker[settings.Concurrency];
        // A stuck request must not hold the bench for ever: everything is cancelled a minute after the end.
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(end + TimeSpan.FromMinutes(1));

        async Task WorkAsync(int index)
        {
            var worker = workers[index] = new Worker(index);
            var mine = latencies[index] = new List<double>(4096);
            var done = completions[index] = new List<double>(4096);
            while (Volatile.Read(ref exhausted) == 0)
            {
                var start = clock.Elapsed;
                var measured = start >= warmupEnd;
                if (start >= end || (measured && Interlocked.Increment(ref started) > settings.MaxOperations))
                {
                    return;
                }

                Outcome outcome;
                try
                {
                    outcome = await operation(worker, deadline.Token);
                }
                catch (Exception e) when (e is HttpRequestException or IOException or InvalidOperationException
                                              || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
                {
                    worker.FirstError ??= e.GetType().Name + ": " + e.Message;
                    outcome = Outcome.Error;
                }

                var finished = clock.Elapsed;
                if (outcome == Outcome.Exhausted)
                {
                    Volatile.Write(ref exhausted, 1);
                    return;
                }

                if (!measured)
                {
                    continue;
                }

                if (outcome == Outcome.Ok)
                {
                    Interlocked.Increment(ref ok);
                    mine.Add((finished - start).TotalMilliseconds);
                    done.Add((finished - warmupEnd).TotalSeconds);
                }
                else
                {
                    Interlocked.Increment(ref errors);
                }

                lastMeasuredEnds[index] = finished;
            }
        }

        await Task.WhenAll(Enumerable.Range(0, settings.Concurrency).Select(i => Task.Run(() => WorkAsync(i), CancellationToken.None)));
        var all = latencies.Where(l => l is not null).SelectMany(l => l).ToArray();
        Array.Sort(all);
        var lastMeasuredEnd = lastMeasuredEnds.Max();
        var elapsed = lastMeasuredEnd > warmupEnd ? lastMeasuredEnd - warmupEnd : TimeSpan.Zero;
        // Whole seconds; the last fraction of a second is counted in the last one.
        var perSecond = new int[elapsed > TimeSpan.Zero ? Math.Max(1, (int)elapsed.TotalSeconds) : 0];
        foreach (var t in perSecond.Length == 0 ? [] : completions.Where(c => c is not null).SelectMany(c => c))
        {
            perSecond[Math.Clamp((int)t, 0, Math.Max(0, perSecond.Length - 1))]++;
        }

        return new RunResult(name, ok, errors, elapsed, all, exhausted != 0, workers.FirstOrDefault(w => w?.FirstError is not null)?.FirstError)
        {
            PerSecond = perSecond,
        };
    }
}
