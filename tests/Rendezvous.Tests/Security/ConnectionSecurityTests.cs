using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Net;
using System.Text;
using Microsoft.Extensions.Logging;
using Rendezvous.Edge;
using Rendezvous.Server;
using Rendezvous.Store;
using Rendezvous.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Rendezvous.Tests.Security;

/// <summary>
/// Defect 4: idle connections crashed the server (20,000 idle connections without credentials: a normal request timed
/// out, then the process ran out of memory). Each test starts its own server with small limits and floods it from
/// 127.0.0.2 (the whole 127/8 is loopback), while the normal client speaks from 127.0.0.1.
/// </summary>
public sealed class ConnectionSecurityTests(ITestOutputHelper output)
{
    private const string Attacker = "127.0.0.2";

    [Fact]
    public async Task Idle_connections_crash_the_server_no_more_one_client_gets_its_share_and_a_normal_request_answers()
    {
        await using var server = await SecurityServer.StartAsync(o => o.Connections = o.Connections with { MaxConnections = 500, MaxConnectionsPerClient = 50 });
        var idle = await OpenIdleAsync(server.Port, Attacker, 2_000);
        try
        {
            var clock = Stopwatch.StartNew();
            using var http = new HttpClient();
            var response = await server.CallAsync(http, SecurityServer.Alice, SecurityServer.Password);
            output.WriteLine($"normal request during 2,000 idle connections: HTTP {(int)response} in {clock.Elapsed.TotalMilliseconds:F1} ms");
            Assert.Equal(HttpStatusCode.OK, response);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"took {clock.Elapsed}");

            // The flood's connections over the per-client limit are closed at once; the 50 within it stay open.
            var closed = await WaitForAsync(() => idle.Count(ClosedByServer) >= idle.Count - 50, TimeSpan.FromSeconds(5));
            var open = idle.Count(s => !ClosedByServer(s));
            output.WriteLine($"of {idle.Count} idle connections, {open} are still open");
            Assert.True(closed, $"{open} of {idle.Count} idle connections from one client are still open");
            Assert.Equal(50, open);
        }
        finally
        {
            idle.ForEach(s => s.Dispose());
        }
    }

    [Fact]
    public async Task Idle_connections_crash_the_server_no_more_the_total_is_bounded_and_the_idlest_make_room()
    {
        await using var server = await SecurityServer.StartAsync(o => o.Connections = o.Connections with { MaxConnections = 100, MaxConnectionsPerClient = 100 });
        // 200 idle connections from 127.0.0.2 then 127.0.0.3, each within the per-client limit: the total is what holds.
        var idle = new List<Socket>();
        for (var host = 2; host <= 3; host++)
        {
            for (var i = 0; i < 100; i++)
            {
                idle.Add(await ConnectAsync(server.Port, $"127.0.0.{host}"));
            }
        }

        try
        {
            Assert.True(await WaitForAsync(() => idle.Count(ClosedByServer) >= 100, TimeSpan.FromSeconds(5)),
                $"{idle.Count(s => !ClosedByServer(s))} of 200 connections are open with a limit of 100");
            // 127.0.0.3 took the room of 127.0.0.2's oldest connections while .2 held the most, then its own oldest.
            var open = idle.Select((s, i) => (Open: !ClosedByServer(s), i)).Where(s => s.Open).Select(s => s.i).ToList();
            Assert.Equal(100, open.Count);
            Assert.InRange(open.Count(i => i < 100), 45, 55); // they share the room (ties go either way)

            // A full server still takes a new client: an idle connection of an address holding the most is closed for it.
            using var http = new HttpClient();
            Assert.Equal(HttpStatusCode.OK, await server.CallAsync(http, SecurityServer.Alice, SecurityServer.Password));
            Assert.True(await WaitForAsync(() => idle.Count(ClosedByServer) == 101, TimeSpan.FromSeconds(5)));
        }
        finally
        {
            idle.ForEach(s => s.Dispose());
        }
    }

    [Fact]
    public async Task Idle_connections_crash_the_server_no_more_but_a_connection_busy_with_a_request_is_not_closed_to_make_room()
    {
        await using var server = await SecurityServer.StartAsync(o => o.Connections = o.Connections with { MaxConnections = 10 });
        // From the flood's own address, and the oldest of its connections: the first to go if it were idle.
        using var busy = await ConnectAsync(server.Port, Attacker);
        var body = Encoding.UTF8.GetBytes(Soap.Envelope(SecurityServer.GetInbox));
        var credentials = Convert.ToBase64String(Encoding.UTF8.GetBytes(SecurityServer.Alice + ":" + SecurityServer.Password));
        await busy.SendAsync(Encoding.ASCII.GetBytes(
            $"POST /EWS/Exchange.asmx HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Basic {credentials}\r\nContent-Type: text/xml\r\nContent-Length: {body.Length}\r\n\r\n"));
        await busy.SendAsync(body.AsMemory(0, body.Length / 2));
        await Task.Delay(300); // the endpoint is now reading the body

        var idle = await OpenIdleAsync(server.Port, Attacker, 20);
        try
        {
            Assert.True(await WaitForAsync(() => idle.Count(ClosedByServer) >= 10, TimeSpan.FromSeconds(5)));
            Assert.False(ClosedByServer(busy), "the connection in the middle of a request was closed to make room");
            await busy.SendAsync(body.AsMemory(body.Length / 2));
            var response = new byte[256];
            var read = await busy.ReceiveAsync(response);
            Assert.StartsWith("HTTP/1.1 200", Encoding.ASCII.GetString(response, 0, read), StringComparison.Ordinal);
        }
        finally
        {
            idle.ForEach(s => s.Dispose());
        }
    }

    [Fact]
    public async Task Idle_connections_crash_the_server_no_more_they_are_dropped_after_the_keep_alive_timeout()
    {
        await using var server = await SecurityServer.StartAsync(o => o.Connections = o.Connections with { KeepAliveTimeout = TimeSpan.FromSeconds(2) });
        var idle = await OpenIdleAsync(server.Port, Attacker, 20);
        // And one that made a request and then sits idle in keep-alive.
        using var used = await ConnectAsync(server.Port, "127.0.0.1");
        await used.SendAsync(Encoding.ASCII.GetBytes($"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
        var buffer = new byte[4096];
        Assert.True(await used.ReceiveAsync(buffer) > 0);
        try
        {
            var clock = Stopwatch.StartNew();
            Assert.False(idle.Any(ClosedByServer), "closed before the timeout");
            Assert.True(await WaitForAsync(() => idle.All(ClosedByServer) && ClosedByServer(used), TimeSpan.FromSeconds(8)),
                "idle connections are still open 8 s after a 2 s keep-alive timeout");
            output.WriteLine($"idle connections dropped after {clock.Elapsed.TotalSeconds:F1} s (keep-alive timeout 2 s)");
        }
        finally
        {
            idle.ForEach(s => s.Dispose());
        }
    }

    [Fact]
    public async Task Idle_connections_crash_the_server_no_more_headers_sent_slowly_are_dropped()
    {
        await using var server = await SecurityServer.StartAsync(o => o.Connections = o.Connections with { RequestHeadersTimeout = TimeSpan.FromSeconds(2) });
        using var slow = await ConnectAsync(server.Port, Attacker);
        await slow.SendAsync(Encoding.ASCII.GetBytes("POST /EWS/Exchange.asmx HTTP/1.1\r\nHost: 127.0.0.1\r\n"));
        var clock = Stopwatch.StartNew();
        // One header byte every 200 ms: each keeps the connection busy, none completes the headers.
        // Dropped: answered (Kestrel sends 408 before it closes) or closed.
        while (!ClosedByServer(slow) && !Answered(slow) && clock.Elapsed < TimeSpan.FromSeconds(8))
        {
            try
            {
                await slow.SendAsync("X"u8.ToArray());
            }
            catch (SocketException)
            {
                break;
            }

            await Task.Delay(200);
        }

        output.WriteLine($"slow headers dropped after {clock.Elapsed.TotalSeconds:F1} s (header timeout 2 s)");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(8), "a client sending its headers byte by byte is still connected after 8 s");
    }

    [Fact]
    public async Task Idle_connections_crash_the_server_no_more_a_body_sent_below_the_minimum_rate_is_dropped()
    {
        await using var server = await SecurityServer.StartAsync(o => o.Connections = o.Connections with { MinDataRate = 1_000, MinDataRateGrace = TimeSpan.FromSeconds(2) });
        using var slow = await ConnectAsync(server.Port, Attacker);
        var credentials = Convert.ToBase64String(Encoding.UTF8.GetBytes(SecurityServer.Alice + ":" + SecurityServer.Password));
        await slow.SendAsync(Encoding.ASCII.GetBytes(
            $"POST /EWS/Exchange.asmx HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Basic {credentials}\r\nContent-Type: text/xml\r\nContent-Length: 100000\r\n\r\n"));
        var clock = Stopwatch.StartNew();
        // Thirty bytes every 100 ms: about 300 bytes a second, above Kestrel's default minimum (240) and below the one set (1,000).
        while (!ClosedByServer(slow) && !Answered(slow) && clock.Elapsed < TimeSpan.FromSeconds(8))
        {
            try
            {
                await slow.SendAsync("<aaaaaaaaaaaaaaaaaaaaaaaaaaaa>"u8.ToArray());
            }
            catch (SocketException)
            {
                break;
            }

            await Task.Delay(100);
        }

        output.WriteLine($"slow body cut off after {clock.Elapsed.TotalSeconds:F1} s (minimum 1,000 bytes/s after 2 s)");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(8), "a body trickling at 300 bytes/s is still being read after 8 s");
    }

    [Fact]
    public async Task Idle_connections_crash_the_server_no_more_rdv_serve_takes_the_limits_from_its_command_line()
    {
        var data = Path.Combine(Path.GetTempPath(), "rdv-sec-cli-" + Guid.NewGuid().ToString("N"));
        var port = Processes.FreePort();
        var info = Processes.Rdv("serve", "--urls", $"http://127.0.0.1:{port}", "--data", data, "--max-connections-per-client", "2", "--idle-timeout", "1");
        info.RedirectStandardOutput = true;
        using var server = System.Diagnostics.Process.Start(info)!;
        try
        {
            Assert.Contains("EWS endpoint", await server.StandardOutput.ReadLineAsync() + await server.StandardOutput.ReadLineAsync(), StringComparison.Ordinal);
            var idle = await OpenIdleAsync(port, Attacker, 3);
            try
            {
                Assert.True(await WaitForAsync(() => ClosedByServer(idle[2]), TimeSpan.FromSeconds(3)), "a third connection from one address is open with a limit of 2");
                Assert.True(await WaitForAsync(() => idle.All(ClosedByServer), TimeSpan.FromSeconds(6)), "idle connections are open 6 s after a 1 s idle timeout");
            }
            finally
            {
                idle.ForEach(s => s.Dispose());
            }

            var usage = await Processes.RunAsync(Processes.Rdv("serve", "--data", data, "--max-connections", "0"));
            Assert.Equal(2, usage.ExitCode);
        }
        finally
        {
            server.Kill();
            await server.WaitForExitAsync();
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            try
            {
                Directory.Delete(data, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    [Fact]
    public void The_default_connection_limit_stays_within_the_open_file_limit()
    {
        var limits = new ConnectionLimits();
        var soft = File.ReadLines("/proc/self/limits").Single(l => l.StartsWith("Max open files", StringComparison.Ordinal))
            .Split(' ', StringSplitOptions.RemoveEmptyEntries)[3];
        Assert.True(limits.MaxConnections <= 1_000);
        Assert.True(soft == "unlimited" || limits.MaxConnections <= long.Parse(soft, System.Globalization.CultureInfo.InvariantCulture) / 2);
        Assert.True(limits.MaxConnectionsPerClient is > 0 and <= 1_000);
        Assert.True(limits.KeepAliveTimeout <= TimeSpan.FromMinutes(1) && limits.RequestHeadersTimeout <= TimeSpan.FromSeconds(30));
    }

    internal static async Task<Socket> ConnectAsync(int port, string from)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.Bind(new IPEndPoint(IPAddress.Parse(from), 0));
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port));
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private static async Task<List<Socket>> OpenIdleAsync(int port, string from, int count)
    {
        var sockets = new List<Socket>(count);
        for (var i = 0; i < count; i++)
        {
            sockets.Add(await ConnectAsync(port, from));
        }

        return sockets;
    }

    /// <summary>The server closed (or reset) the connection: it is readable with nothing to read.</summary>
    internal static bool ClosedByServer(Socket socket)
    {
        try
        {
            return socket.Poll(0, SelectMode.SelectRead) && socket.Receive(new byte[1], SocketFlags.Peek) == 0;
        }
        catch (SocketException)
        {
            return true;
        }
    }

    private static bool Answered(Socket socket) => socket.Available > 0;

    private static async Task<bool> WaitForAsync(Func<bool> condition, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > timeout)
            {
                return false;
            }

            await Task.Delay(100);
        }

        return true;
    }
}

/// <summary>A server of its own for a security test: chosen options, a few users, its log lines kept.</summary>
internal sealed class SecurityServer : IAsyncDisposable
{
    public const string Alice = "alice@example.com";
    public const string Bob = "bob@example.com";

    /// <summary>A user with the production password hash (210,000 PBKDF2 iterations), for what PBKDF2 costs.</summary>
    public const string Heavy = "heavy@example.com";

    public const string Password = "correct horse battery staple";

    public const string GetInbox =
        "<m:GetFolder><m:FolderShape><t:BaseShape>IdOnly</t:BaseShape></m:FolderShape><m:FolderIds><t:DistinguishedFolderId Id=\"inbox\"/></m:FolderIds></m:GetFolder>";

    private static readonly string LightHash = PasswordHasher.Hash(Password, 1000);
    private static readonly Lazy<string> ProductionHash = new(() => PasswordHasher.Hash(Password));

    private readonly string data;

    private readonly ConcurrentQueue<string> log;

    private SecurityServer(RendezvousServer server, string data, ConcurrentQueue<string> log)
    {
        Server = server;
        this.data = data;
        this.log = log;
    }

    public RendezvousServer Server { get; }

    public string Url => Server.EwsUrl;

    public int Port => new Uri(Url).Port;

    public static async Task<SecurityServer> StartAsync(Action<ServerOptions>? configure = null, bool heavyUser = false)
    {
        var data = Path.Combine(Path.GetTempPath(), "rdv-sec-" + Guid.NewGuid().ToString("N"));
        var options = new ServerOptions { Urls = "http://127.0.0.1:0", DataDirectory = data };
        configure?.Invoke(options);
        var log = new ConcurrentQueue<string>();
        var server = await RendezvousServer.StartAsync(options, b => b.AddProvider(new ListLoggerProvider(log)).SetMinimumLevel(LogLevel.Warning));
        var result = new SecurityServer(server, data, log);
        foreach (var address in new[] { Alice, Bob })
        {
            await server.Store.AddUserAsync(address, address, LightHash, CancellationToken.None);
        }

        if (heavyUser)
        {
            await server.Store.AddUserAsync(Heavy, "Heavy", ProductionHash.Value, CancellationToken.None);
        }

        return result;
    }

    /// <summary>The server's log lines so far (warnings and worse).</summary>
    public IReadOnlyList<string> LogLines => [.. log];

    /// <summary>An HTTP client whose connections come from <paramref name="source"/> (a 127/8 address).</summary>
    public static HttpClient ClientFrom(string source) =>
        new(new SocketsHttpHandler
        {
            UseProxy = false,
            ConnectCallback = async (context, cancellationToken) =>
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    socket.Bind(new IPEndPoint(IPAddress.Parse(source), 0));
                    await socket.ConnectAsync(new IPEndPoint(IPAddress.Parse(context.DnsEndPoint.Host), context.DnsEndPoint.Port), cancellationToken);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        });

    /// <summary>A GetFolder of the Inbox as <paramref name="user"/>; a 200 is checked against the schema.</summary>
    public async Task<HttpStatusCode> CallAsync(HttpClient http, string user, string password) => (await SendAsync(http, user, password)).Status;

    public async Task<(HttpStatusCode Status, TimeSpan? RetryAfter, string Body)> SendAsync(HttpClient http, string user, string? password)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, Url) { Content = new StringContent(Soap.Envelope(GetInbox), Encoding.UTF8, "text/xml") };
        if (password is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(user + ":" + password)));
        }

        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        if (response.StatusCode == HttpStatusCode.OK)
        {
            var errors = SchemaValidator.Validate(System.Xml.Linq.XDocument.Parse(text));
            Assert.True(errors.Count == 0, "Response is not schema-valid:\n" + string.Join("\n", errors));
        }

        return (response.StatusCode, response.Headers.RetryAfter?.Delta, text);
    }

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(data, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private sealed class ListLoggerProvider(ConcurrentQueue<string> lines) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new ListLogger(lines);

        public void Dispose()
        {
        }
    }

    private sealed class ListLogger(ConcurrentQueue<string> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            lines.Enqueue($"{logLevel}: {formatter(state, exception)}");
    }
}
