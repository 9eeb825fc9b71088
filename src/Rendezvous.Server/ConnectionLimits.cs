using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;

namespace Rendezvous.Server;

/// <summary>
/// What a connection may hold and for how long (issue, defect 4: 20,000 idle connections without credentials took the
/// process to its file limit and then out of memory). Idle and slow connections are dropped by Kestrel's timeouts and
/// data rates; one client address may hold only <see cref="MaxConnectionsPerClient"/> of the
/// <see cref="MaxConnections"/>, so one flooding host cannot take the slots other clients need.
/// </summary>
public sealed record ConnectionLimits
{
    /// <summary>Open connections in all; more are closed as soon as they are accepted.</summary>
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
/// Connection middleware: at most N open connections per client address. A connection over the limit is closed
/// before any byte is read. The table holds only addresses with an open connection, so it is bounded by
/// <see cref="ConnectionLimits.MaxConnections"/> (Kestrel's global limit runs before this).
/// </summary>
internal sealed class PerClientConnectionLimit(int perClient, TimeProvider time, ILogger logger)
{
    private static readonly TimeSpan LogEvery = TimeSpan.FromSeconds(10);
    private readonly Dictionary<IPAddress, int> open = [];
    private long rejectedSinceLog;
    private long lastLog = long.MinValue;

    public async Task OnConnectionAsync(ConnectionContext connection, ConnectionDelegate next)
    {
        var client = ClientAddress.Of((connection.RemoteEndPoint as IPEndPoint)?.Address);
        if (client is null || perClient <= 0)
        {
            await next(connection);
            return;
        }

        lock (open)
        {
            var count = open.GetValueOrDefault(client);
            if (count >= perClient)
            {
                Rejected(client);
                return; // Kestrel closes the connection when this delegate returns.
            }

            open[client] = count + 1;
        }

        try
        {
            await next(connection);
        }
        finally
        {
            lock (open)
            {
                var count = open[client] - 1;
                if (count == 0)
                {
                    open.Remove(client);
                }
                else
                {
                    open[client] = count;
                }
            }
        }
    }

    /// <summary>Logs at most one line every ten seconds, so a flood cannot turn into a flood of log lines. Under the lock.</summary>
    private void Rejected(IPAddress client)
    {
        rejectedSinceLog++;
        var now = time.GetTimestamp();
        if (lastLog != long.MinValue && time.GetElapsedTime(lastLog, now) < LogEvery)
        {
            return;
        }

        logger.LogWarning("Refused {Count} connection(s): client {Client} already holds {Limit} open connections", rejectedSinceLog, client, perClient);
        rejectedSinceLog = 0;
        lastLog = now;
    }
}
