using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Rendezvous.Bench.Load;

/// <summary>
/// The attacks of the security issue, run against the bench's server after the workloads (defects 4 and 5). Each prints
/// the latency of a normal request during the attack, the server's resident memory before, during (peak) and after,
/// and its verdict. Attack traffic comes from other loopback addresses (127.0.0.2 and up: all of 127/8 is loopback),
/// the normal client from 127.0.0.1, as an attacker and a user are different hosts.
/// </summary>
internal sealed class Attacks(Options options, TextWriter log, TextWriter output)
{
    public static readonly string[] Names = ["idle-attack", "password-attack"];

    private TimeSpan Duration => TimeSpan.FromSeconds(options.Quick ? 4 : 10);

    public async Task RunAsync(string name, ChildProcess server, EwsTarget target, SeededCalendar calendar, CancellationToken cancellationToken)
    {
        var normal = Requests.Envelope(Requests.GetItemTenProperties(calendar.ItemIds[0]));
        if (name == "idle-attack")
        {
            await IdleAsync(server, target, calendar.Address, normal, cancellationToken);
        }
        else
        {
            await PasswordsAsync(server, target, calendar.Address, normal, cancellationToken);
        }
    }

    /// <summary>
    /// Defect 4: as many idle connections as this process's file limit allows (the issue's 20,000), without
    /// credentials, reopened as fast as the server closes them; first from one host, then spread over 200 hosts.
    /// Meanwhile a normal GetItem on a new connection every 50 ms.
    /// </summary>
    private async Task IdleAsync(ChildProcess server, EwsTarget target, string user, byte[] normal, CancellationToken cancellationToken)
    {
        var count = Math.Min(20_000, (int)Math.Min(int.MaxValue, OpenFileLimit() - 500));
        foreach (var hosts in new[] { 1, 200 })
        {
            var label = hosts == 1 ? "idle-attack" : "idle-attack-spread";
            var before = server.Memory().RssMb;
            var sockets = new Socket?[count];
            using var stop = new CancellationTokenSource();
            var peak = before;
            var opened = 0L;
            var refusedAtOnce = 0L;
            string Source(int i) => hosts == 1 ? "127.0.0.2" : string.Create(CultureInfo.InvariantCulture, $"127.0.1.{1 + (i % hosts)}");
            var clock = Stopwatch.StartNew();
            // The attacker: open them all, then keep reopening what the server closed. On a thread of its own with
            // blocking calls, as another process would be: on the thread pool it would delay the normal client's
            // continuations in this process and the figure would measure the bench.
            var attacker = new Thread(() =>
            {
                while (!stop.IsCancellationRequested)
                {
                    for (var i = 0; i < count && !stop.IsCancellationRequested; i++)
                    {
                        if (sockets[i] is { } s && !Closed(s))
                        {
                            continue;
                        }

                        if (sockets[i] is not null)
                        {
                            Interlocked.Increment(ref refusedAtOnce);
                        }

                        sockets[i]?.Dispose();
                        sockets[i] = TryConnect(Source(i), server.Endpoint.Port);
                        Interlocked.Increment(ref opened);
                    }

                    Thread.Sleep(200);
                }
            }) { IsBackground = true };
            attacker.Start();
            var sampler = Task.Run(async () =>
            {
                while (!stop.IsCancellationRequested)
                {
                    peak = Math.Max(peak, server.Memory().RssMb);
                    await Task.Delay(100, CancellationToken.None);
                }
            }, CancellationToken.None);

            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken); // the flood is under way
            var latencies = await NormalRequestsAsync(target, user, normal, Duration, freshConnections: true, cancellationToken);
            await stop.CancelAsync();
            attacker.Join();
            await sampler;
            var open = sockets.Count(s => s is not null && !Closed(s));
            foreach (var s in sockets)
            {
                s?.Dispose();
            }

            await Task.Delay(TimeSpan.FromSeconds(3), cancellationToken);
            var after = server.Memory().RssMb;
            var alive = await NormalRequestsAsync(target, user, normal, TimeSpan.FromSeconds(1), freshConnections: true, cancellationToken);
            log.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{label}: {count:N0} idle connections from {hosts} host(s) for {clock.Elapsed.TotalSeconds:F0}s: {opened:N0} opened, {refusedAtOnce:N0} closed by the server and reopened, {open:N0} open at the end"));
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{label} connections={count} hosts={hosts} held_open={open} normal_ok={latencies.Ok}/{latencies.Ok + latencies.Failed} normal_p50_ms={latencies.P50:F2} normal_p99_ms={latencies.P99:F2} normal_max_ms={latencies.Max:F2} rss_before_mb={before:F0} rss_peak_mb={peak:F0} rss_after_mb={after:F0} alive_after={alive.Ok > 0 && alive.Failed == 0}"));
            var met = latencies.Failed == 0 && latencies.P99 < 100 && alive.Failed == 0 && peak < before + 200;
            output.WriteLine($"# target {label}: a normal request answers in milliseconds during the flood and the server lives on: {(met ? "met" : "MISSED")}");
        }
    }

    /// <summary>
    /// Defect 5: 50 clients (50 hosts) sending wrong passwords as fast as they are answered, each for accounts that do
    /// not exist (the dearest case: no account lockout, a PBKDF2 check of the production cost each until the host is
    /// locked out). Meanwhile a verified user's GetItem and an anonymous request, one after the other.
    /// </summary>
    private async Task PasswordsAsync(ChildProcess server, EwsTarget target, string user, byte[] normal, CancellationToken cancellationToken)
    {
        var baseline = await NormalRequestsAsync(target, user, normal, TimeSpan.FromSeconds(2), freshConnections: false, cancellationToken);
        var anonymousBaseline = await AnonymousAsync(target, TimeSpan.FromSeconds(1), cancellationToken);
        var before = server.Memory().RssMb;
        var peak = before;
        using var stop = new CancellationTokenSource();
        var statuses = new ConcurrentDictionary<int, int>();
        var threads = Enumerable.Range(0, 50).Select(n => new Thread(() =>
        {
            var i = 0;
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    using var socket = Connect(string.Create(CultureInfo.InvariantCulture, $"127.0.2.{10 + n}"), server.Endpoint.Port);
                    while (!stop.IsCancellationRequested)
                    {
                        var who = string.Create(CultureInfo.InvariantCulture, $"nobody-{n}-{i++}@bench.test");
                        statuses.AddOrUpdate(Exchange(socket, server.Endpoint, normal, who, "wrong password"), 1, (_, c) => c + 1);
                    }
                }
                catch (Exception e) when (e is SocketException or IOException)
                {
                    statuses.AddOrUpdate(0, 1, (_, c) => c + 1);
                }
            }
        }) { IsBackground = true }).ToList();
        var sampler = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                peak = Math.Max(peak, server.Memory().RssMb);
                await Task.Delay(100, CancellationToken.None);
            }
        }, CancellationToken.None);
        threads.ForEach(t => t.Start());
        await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
        var verifiedTask = NormalRequestsAsync(target, user, normal, Duration, freshConnections: false, cancellationToken);
        var anonymousTask = AnonymousAsync(target, Duration, cancellationToken);
        var (verified, anonymous) = (await verifiedTask, await anonymousTask);
        await stop.CancelAsync();
        threads.ForEach(t => t.Join());
        await sampler;
        await Task.Delay(TimeSpan.FromSeconds(3), cancellationToken);
        var after = server.Memory().RssMb;
        log.WriteLine($"password-attack: the 50 clients got {string.Join(", ", statuses.OrderBy(s => s.Key).Select(s => $"{s.Value:N0} x {(s.Key == 0 ? "connection error" : "HTTP " + s.Key.ToString(CultureInfo.InvariantCulture))}"))}");
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"password-attack clients=50 verified_p50_ms={verified.P50:F2} verified_p99_ms={verified.P99:F2} verified_max_ms={verified.Max:F2} verified_ok={verified.Ok}/{verified.Ok + verified.Failed} baseline_p50_ms={baseline.P50:F2} anonymous_p50_ms={anonymous.P50:F2} anonymous_p99_ms={anonymous.P99:F2} anonymous_baseline_p50_ms={anonymousBaseline.P50:F2} rss_before_mb={before:F0} rss_peak_mb={peak:F0} rss_after_mb={after:F0}"));
        var met = verified.Failed == 0 && verified.P99 < 100 && anonymous.P99 < 100;
        output.WriteLine($"# target password-attack: verified and anonymous requests answer in milliseconds (p99 < 100 ms) under 50 wrong-password clients: {(met ? "met" : "MISSED")}");

        // What a failed sign-in costs for an account that exists and for one that does not (a fresh host, no lockout yet).
        var known = new List<double>();
        var unknown = new List<double>();
        using (var socket = Connect("127.0.3.1", server.Endpoint.Port))
        {
            for (var i = 0; i < 4; i++)
            {
                known.Add(Timed(() => Exchange(socket, server.Endpoint, normal, user, "wrong password " + i)));
                unknown.Add(Timed(() => Exchange(socket, server.Endpoint, normal, string.Create(CultureInfo.InvariantCulture, $"absent-{i}@bench.test"), "wrong password")));
            }
        }

        var (k, u) = (Median(known), Median(unknown));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"signin-cost known_ms={k:F1} unknown_ms={u:F1} ratio={u / k:F2}"));
        output.WriteLine($"# target signin-cost: an unknown user costs what a known one costs (ratio 0.5 to 2): {(u >= 0.5 * k && u <= 2 * k ? "met" : "MISSED")}");

        // 1,000 wrong passwords for one account from one host, then the right one.
        var lockout = Stopwatch.StartNew();
        using (var socket = Connect("127.0.3.2", server.Endpoint.Port))
        {
            for (var i = 0; i < 1_000; i++)
            {
                Exchange(socket, server.Endpoint, normal, user, string.Create(CultureInfo.InvariantCulture, $"guess {i}"));
            }

            var elapsed = lockout.Elapsed;
            var right = Exchange(socket, server.Endpoint, normal, user, Seeder.Password);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"signin-lockout wrong=1000 seconds={elapsed.TotalSeconds:F2} right_password_status={right}"));
            output.WriteLine($"# target signin-lockout: the right password after 1,000 wrong ones is refused: {(right == 401 ? "met" : "MISSED")}");
        }
    }

    private sealed record Latencies(int Ok, int Failed, double P50, double P99, double Max);

    /// <summary>Normal GetItem requests one after the other for <paramref name="duration"/> (failed ones counted, not timed).</summary>
    private static async Task<Latencies> NormalRequestsAsync(EwsTarget target, string user, byte[] body, TimeSpan duration, bool freshConnections, CancellationToken cancellationToken)
    {
        using var fresh = freshConnections ? new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.Zero, UseProxy = false }) { Timeout = TimeSpan.FromSeconds(10) } : null;
        var times = new List<double>();
        var failed = 0;
        var clock = Stopwatch.StartNew();
        var buffer = new ResponseBuffer();
        while (clock.Elapsed < duration)
        {
            var start = clock.Elapsed;
            try
            {
                int status;
                if (fresh is null)
                {
                    status = await target.PostAsync(body, target.Authorization(user), buffer, cancellationToken);
                }
                else
                {
                    using var request = new HttpRequestMessage(HttpMethod.Post, target.Url) { Content = new ByteArrayContent(body) };
                    request.Headers.TryAddWithoutValidation("Authorization", target.Authorization(user));
                    request.Content.Headers.TryAddWithoutValidation("Content-Type", "text/xml; charset=utf-8");
                    using var response = await fresh.SendAsync(request, cancellationToken);
                    await buffer.FillAsync(await response.Content.ReadAsStreamAsync(cancellationToken), cancellationToken);
                    status = (int)response.StatusCode;
                }

                if (EwsTarget.IsSuccess(status, buffer.Span))
                {
                    times.Add((clock.Elapsed - start).TotalMilliseconds);
                }
                else
                {
                    failed++;
                }
            }
            catch (Exception e) when (e is HttpRequestException or IOException or TaskCanceledException)
            {
                failed++;
            }

            if (freshConnections)
            {
                await Task.Delay(50, cancellationToken);
            }
        }

        return Summarize(times, failed);
    }

    /// <summary>Requests without credentials (the 401 challenge every client gets first).</summary>
    private static async Task<Latencies> AnonymousAsync(EwsTarget target, TimeSpan duration, CancellationToken cancellationToken)
    {
        var times = new List<double>();
        var failed = 0;
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < duration)
        {
            var start = clock.Elapsed;
            using var request = new HttpRequestMessage(HttpMethod.Post, target.Url) { Content = new ByteArrayContent("<x/>"u8.ToArray()) };
            using var response = await target.Http.SendAsync(request, cancellationToken);
            if (response.StatusCode == HttpStatusCode.Unauthorized)
            {
                times.Add((clock.Elapsed - start).TotalMilliseconds);
            }
            else
            {
                failed++;
            }
        }

        return Summarize(times, failed);
    }

    private static Latencies Summarize(List<double> times, int failed)
    {
        times.Sort();
        double At(double p) => times.Count == 0 ? double.NaN : times[Math.Clamp((int)Math.Ceiling(p * times.Count) - 1, 0, times.Count - 1)];
        return new Latencies(times.Count, failed, At(0.5), At(0.99), times.Count == 0 ? double.NaN : times[^1]);
    }

    private static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);

    private static double Timed(Func<int> action)
    {
        var clock = Stopwatch.StartNew();
        action();
        return clock.Elapsed.TotalMilliseconds;
    }

    /// <summary>A connection from <paramref name="from"/>, or null if it is not made within 2 s (a full accept queue drops SYNs).</summary>
    private static Socket? TryConnect(string from, int port)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.Bind(new IPEndPoint(IPAddress.Parse(from), 0));
            var connect = socket.BeginConnect(new IPEndPoint(IPAddress.Loopback, port), null, null);
            if (connect.AsyncWaitHandle.WaitOne(TimeSpan.FromSeconds(2)))
            {
                socket.EndConnect(connect);
                return socket;
            }
        }
        catch (SocketException)
        {
        }

        socket.Dispose();
        return null;
    }

    private static Socket Connect(string from, int port)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            socket.Bind(new IPEndPoint(IPAddress.Parse(from), 0));
            socket.Connect(new IPEndPoint(IPAddress.Loopback, port));
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>The server closed (or reset) the connection.</summary>
    private static bool Closed(Socket socket)
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

    /// <summary>One POST with Basic credentials over a blocking keep-alive socket; returns the status (the body is read and dropped).</summary>
    private static int Exchange(Socket socket, Uri endpoint, byte[] body, string user, string password)
    {
        var credentials = Convert.ToBase64String(Encoding.UTF8.GetBytes(user + ":" + password));
        var head = Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture,
            $"POST {endpoint.AbsolutePath} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Basic {credentials}\r\nContent-Type: text/xml; charset=utf-8\r\nContent-Length: {body.Length}\r\n\r\n"));
        socket.Send(head);
        socket.Send(body);
        var buffer = new byte[64 * 1024];
        var length = 0;
        int end;
        while ((end = Encoding.ASCII.GetString(buffer, 0, length).IndexOf("\r\n\r\n", StringComparison.Ordinal)) < 0)
        {
            var read = socket.Receive(buffer, length, buffer.Length - length, SocketFlags.None);
            if (read == 0)
            {
                throw new IOException("the server closed the connection");
            }

            length += read;
        }

        var headers = Encoding.ASCII.GetString(buffer, 0, end);
        var contentLength = headers.Split("\r\n").Where(h => h.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase))
            .Select(h => int.Parse(h[15..].Trim(), CultureInfo.InvariantCulture)).FirstOrDefault();
        for (var have = length - end - 4; have < contentLength;)
        {
            var read = socket.Receive(buffer);
            if (read == 0)
            {
                throw new IOException("the server closed the connection");
            }

            have += read;
        }

        return int.Parse(headers.AsSpan(9, 3), CultureInfo.InvariantCulture);
    }

    /// <summary>This process's soft open-file limit (Linux), or 4,096 if it cannot be read.</summary>
    private static long OpenFileLimit()
    {
        foreach (var line in File.ReadLines("/proc/self/limits"))
        {
            if (line.StartsWith("Max open files", StringComparison.Ordinal))
            {
                var soft = line["Max open files".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries)[0];
                return soft == "unlimited" ? 1_000_000 : long.Parse(soft, CultureInfo.InvariantCulture);
            }
        }

        return 4_096;
    }
}
