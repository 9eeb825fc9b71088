using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Rendezvous.Server;

/// <summary>
/// What a connection may hold and for how long (issue, defect 4: 20,000 idle connections without credentials took the
/// process to its file limit and then out of memory). Idle and slow connections are dropped by Kestrel's timeouts and
/// data rates; one client address may hold only <see cref="MaxConnectionsPerClient"/> of the
/// <see cref="MaxConnections"/>, and at the limit the connection idle longest makes room for a new one
/// (<see cref="ConnectionGate"/>), so a flood cannot take the slots other clients need.
/// </summary>
public sealed record ConnectionLimits
{
    /// <summary>Open connections in all; at the limit the one idle longest is closed for a new one, or if none is idle the new one.</summary>
    public int MaxConnections { get; init; } = DefaultMaxConnections();

    /// <summary>Open connections from one client address (an IPv6 client is its /64); 0 for no such limit (behind a proxy).</summary>
    public int MaxConnectionsPerClient { get; init; } = 100;

    /// <summary>How long a connection may wait for its first or next request.</summary>
    public TimeSpan KeepAliveTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a client may take to send a request's headers.</summary>
    public TimeSpan RequestHeadersTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The slowest request body (and response read) allowed after <see cref="MinDataRateGrace"/>, in bytes a second.</summary>
    public double MinDataRate { get; init; } = 240;

    public TimeSpan MinDataRateGrace { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Streaming responses one user may hold open at once (Exchange's HangingConnectionLimit: 10 in Exchange Online);
    /// each also holds a connection, which is busy and so never closed to make room. More is ErrorExceededConnectionCount.
    /// </summary>
    public int MaxStreamsPerUser { get; init; } = 10;

    /// <summary>
    /// 1,000, or half the process's open-file limit if that is lower: every connection is a descriptor, and SQLite,
    /// the runtime and the log need theirs (the crash of defect 4 happened at that limit).
    /// </summary>
    public static int DefaultMaxConnections()
    {
        const int Default = 1_000;
        return OpenFileLimit() is { } limit ? (int)Math.Clamp(limit / 2, 16, Default) : Default;
    }

    /// <summary>The soft RLIMIT_NOFILE from /proc (Linux), or null elsewhere.</summary>
    private static long? OpenFileLimit()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/limits"))
            {
                if (line.StartsWith("Max open files", StringComparison.Ordinal))
                {
                    var fields = line["Max open files".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    return fields.Length > 0 && long.TryParse(fields[0], NumberStyles.None, CultureInfo.InvariantCulture, out var soft) ? soft : null;
                }
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        return null;
    }
}

/// <summary>The client address a limit or a throttle counts against: IPv4 as is, IPv6 by its /64 (one host's usual share).</summary>
public static class ClientAddress
{
    public static IPAddress? Of(IPAddress? address)
    {
        if (address is null)
        {
            return null;
        }

        if (address.IsIPv4MappedToIPv6)
        {
            return address.MapToIPv4();
        }

        if (address.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6)
        {
            return address;
        }

        var bytes = address.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return new IPAddress(bytes);
    }
}

/// <summary>
/// Connection middleware for both limits. Per client address: a connection over the limit is closed before any byte is
/// read. In all: when every slot is taken, the connection idle longest (between requests, or not yet past its headers)
/// of the address holding the most connections is closed to make room, and only when all are busy with a request is the new one refused. So a flood of idle
/// connections from many addresses cannot lock real clients out: they are the fresh ones, and the flood's are the
/// stale ones (measured: with a plain limit, a normal request failed 26 times in 26 under 19,500 idle connections from
/// 200 addresses). The tables hold only open connections, so they are bounded by the limit itself.
/// </summary>
internal sealed class ConnectionGate(ConnectionLimits limits, TimeProvider time, ILogger logger)
{
    private static readonly TimeSpan LogEvery = TimeSpan.FromSeconds(10);
    private static readonly object ItemKey = new();
    private readonly Dictionary<IPAddress, int> perClient = [];
    private readonly HashSet<Tracked> open = [];
    private long refusedSinceLog;
    private long evictedSinceLog;
    private long lastLog = long.MinValue;

    public async Task OnConnectionAsync(ConnectionContext connection, ConnectionDelegate next)
    {
        var client = ClientAddress.Of((connection.RemoteEndPoint as IPEndPoint)?.Address);
        var tracked = new Tracked(connection, client, time.GetTimestamp());
        Tracked? evicted = null;
        lock (open)
        {
            var fromClient = client is null ? 0 : perClient.GetValueOrDefault(client);
            if (limits.MaxConnectionsPerClient > 0 && fromClient >= limits.MaxConnectionsPerClient)
            {
                Refused(client);
                return; // Kestrel closes the connection when this delegate returns.
            }

            if (open.Count >= limits.MaxConnections)
            {
                // From the address holding the most (a flooding host, not a client with one connection), else any.
                var heaviest = perClient.Count == 0 ? null : perClient.MaxBy(p => p.Value).Key;
                evicted = open.Where(t => t.Requests == 0 && Equals(t.Client, heaviest)).MinBy(t => t.IdleSince)
                    ?? open.Where(t => t.Requests == 0).MinBy(t => t.IdleSince);
                if (evicted is null)
                {
                    Refused(client);
                    return;
                }

                Remove(evicted);
                evictedSinceLog++;
            }

            open.Add(tracked);
            if (client is not null)
            {
                perClient[client] = fromClient + 1;
            }
        }

        evicted?.Connection.Abort(new ConnectionAbortedException("Closed to make room: the connection limit is reached and this one was idle longest."));
        connection.Items[ItemKey] = tracked;
        try
        {
            await next(connection);
        }
        finally
        {
            lock (open)
            {
                if (open.Contains(tracked))
                {
                    Remove(tracked);
                }
            }
        }
    }

    /// <summary>HTTP middleware: the connection is busy while one of its requests runs, and idle from when the last ended.</summary>
    public async Task OnRequestAsync(HttpContext http, RequestDelegate next)
    {
        var tracked = http.Features.Get<IConnectionItemsFeature>()?.Items.TryGetValue(ItemKey, out var item) == true ? item as Tracked : null;
        if (tracked is not null)
        {
            lock (open)
            {
                tracked.Requests++;
            }
        }

        try
        {
            await next(http);
        }
        finally
        {
            if (tracked is not null)
            {
                lock (open)
                {
                    tracked.Requests--;
                    tracked.IdleSince = time.GetTimestamp();
                }
            }
        }
    }

    /// <summary>Under the lock.</summary>
    private void Remove(Tracked tracked)
    {
        open.Remove(tracked);
        if (tracked.Client is { } client)
        {
            var count = perClient[client] - 1;
            if (count == 0)
            {
                perClient.Remove(client);
            }
            else
            {
                perClient[client] = count;
            }
        }
    }

    /// <summary>Logs at most one line every ten seconds, so a flood cannot turn into a flood of log lines. Under the lock.</summary>
    private void Refused(IPAddress? client)
    {
        refusedSinceLog++;
        var now = time.GetTimestamp();
        if (lastLog != long.MinValue && time.GetElapsedTime(lastLog, now) < LogEvery)
        {
            return;
        }

        logger.LogWarning("Refused {Refused} connection(s) and closed {Evicted} idle one(s) to make room (last refused: {Client}); limits: {Max} in all, {PerClient} per client address",
            refusedSinceLog, evictedSinceLog, client?.ToString() ?? "?", limits.MaxConnections, limits.MaxConnectionsPerClient);
        refusedSinceLog = 0;
        evictedSinceLog = 0;
        lastLog = now;
    }

    private sealed class Tracked(ConnectionContext connection, IPAddress? client, long openedAt)
    {
        public ConnectionContext Connection { get; } = connection;

        public IPAddress? Client { get; } = client;

        /// <summary>Requests running (HTTP/2 may run several); guarded by the gate's lock, as is <see cref="IdleSince"/>.</summary>
        public int Requests { get; set; }

        public long IdleSince { get; set; } = openedAt;
    }
}
