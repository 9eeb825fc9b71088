using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Rendezvous.Server;
using Rendezvous.Store;
using Rendezvous.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Rendezvous.Tests.Security;

/// <summary>
/// Defect 5: wrong passwords were a CPU lever and were never throttled (50 clients sending wrong passwords made every
/// request take seconds; 1,000 wrong passwords for one account, then the right one was accepted at once; an unknown
/// user cost 1.4 ms against 142 ms for a known one). Over real HTTP, with the server's clock in the test's hands.
/// Strangers speak from 127.0.0.2 and up; the account's owner from 127.0.0.1.
/// </summary>
public sealed class SignInSecurityTests(ITestOutputHelper output)
{
    private const string Owner = "127.0.0.1";
    private const string Stranger = "127.0.0.2";

    private readonly ManualTime time = new();

    [Fact]
    public async Task Wrong_passwords_are_throttled_a_thousand_wrong_then_the_right_one_is_refused_without_PBKDF2_until_the_lockout_ends()
    {
        await using var server = await StartAsync();
        using var attacker = SecurityServer.ClientFrom(Stranger);
        for (var i = 0; i < 1_000; i++)
        {
            var status = await server.CallAsync(attacker, SecurityServer.Bob, "guess " + i);
            Assert.Equal(HttpStatusCode.Unauthorized, status);
        }

        // Five free failures and the sixth that set the lockout were checked; the other 994 were refused unchecked.
        Assert.Equal(6, server.Server.Authenticator.PasswordChecks);
        var (locked, retryAfter, body) = await server.SendAsync(attacker, SecurityServer.Bob, SecurityServer.Password);
        Assert.Equal(HttpStatusCode.Unauthorized, locked);
        Assert.Equal(TimeSpan.FromSeconds(1), retryAfter);
        Assert.Contains("The referenced account is currently locked out", body, StringComparison.Ordinal);
        Assert.Equal(6, server.Server.Authenticator.PasswordChecks);

        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(HttpStatusCode.OK, await server.CallAsync(attacker, SecurityServer.Bob, SecurityServer.Password));
    }

    [Fact]
    public async Task Wrong_passwords_are_throttled_and_exchangelib_reports_the_account_locked_out()
    {
        await using var server = await StartAsync();
        using var stranger = SecurityServer.ClientFrom(Stranger);
        for (var i = 0; i < 6; i++)
        {
            await server.CallAsync(stranger, SecurityServer.Bob, "guess " + i);
        }

        // exchangelib (fail-fast, its default) from another address, with the right password.
        var locked = await ExchangelibAsync(server, SecurityServer.Bob, SecurityServer.Password);
        Assert.Contains("UnauthorizedError: The referenced account is currently locked out", locked, StringComparison.Ordinal);

        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Contains("inbox 0", await ExchangelibAsync(server, SecurityServer.Bob, SecurityServer.Password), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Wrong_passwords_are_throttled_each_lockout_twice_as_long_as_the_last()
    {
        await using var server = await StartAsync();
        using var attacker = SecurityServer.ClientFrom(Stranger);
        var lockouts = new List<double>();
        for (var round = 0; round < 6; round++)
        {
            var failures = round == 0 ? 6 : 1;
            for (var i = 0; i < failures; i++)
            {
                Assert.Equal(HttpStatusCode.Unauthorized, await server.CallAsync(attacker, SecurityServer.Bob, "guess"));
            }

            var (_, retryAfter, _) = await server.SendAsync(attacker, SecurityServer.Bob, "guess");
            lockouts.Add(retryAfter!.Value.TotalSeconds);
            time.Advance(retryAfter.Value);
        }

        Assert.Equal([1, 2, 4, 8, 16, 32], lockouts);
    }

    [Fact]
    public async Task Wrong_passwords_are_throttled_per_client_address_across_accounts()
    {
        await using var server = await StartAsync();
        using var sprayer = SecurityServer.ClientFrom(Stranger);
        // One guess at each of 21 addresses: no account reaches its limit, the client address does (20 free).
        for (var i = 0; i < 21; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, await server.CallAsync(sprayer, $"user{i}@example.com", "guess"));
        }

        var (status, retryAfter, _) = await server.SendAsync(sprayer, SecurityServer.Alice, SecurityServer.Password);
        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.NotNull(retryAfter);
        Assert.Equal(21, server.Server.Authenticator.PasswordChecks);

        using var owner = SecurityServer.ClientFrom(Owner);
        Assert.Equal(HttpStatusCode.OK, await server.CallAsync(owner, SecurityServer.Alice, SecurityServer.Password));
    }

    [Fact]
    public async Task Wrong_passwords_are_throttled_but_a_verified_user_keeps_her_account_while_strangers_lock_it()
    {
        await using var server = await StartAsync();
        using var owner = SecurityServer.ClientFrom(Owner);
        using var stranger = SecurityServer.ClientFrom(Stranger);
        using var traveller = SecurityServer.ClientFrom("127.0.0.3");
        Assert.Equal(HttpStatusCode.OK, await server.CallAsync(owner, SecurityServer.Alice, SecurityServer.Password));
        for (var i = 0; i < 10; i++)
        {
            await server.CallAsync(stranger, SecurityServer.Alice, "guess " + i);
        }

        // Her address and her verified credentials: still in. Any other address: locked out, even with the password.
        Assert.Equal(HttpStatusCode.OK, await server.CallAsync(owner, SecurityServer.Alice, SecurityServer.Password));
        Assert.Equal(HttpStatusCode.Unauthorized, await server.CallAsync(traveller, SecurityServer.Alice, SecurityServer.Password));

        // A wrong password from her address ends that welcome: it cannot be used to test guesses for free.
        var checks = server.Server.Authenticator.PasswordChecks;
        Assert.Equal(HttpStatusCode.Unauthorized, await server.CallAsync(owner, SecurityServer.Alice, "guess from her desk"));
        Assert.Equal(HttpStatusCode.Unauthorized, await server.CallAsync(owner, SecurityServer.Alice, SecurityServer.Password));
        Assert.Equal(checks, server.Server.Authenticator.PasswordChecks);
    }

    [Fact]
    public async Task Wrong_passwords_an_unknown_user_costs_what_a_known_one_costs()
    {
        // The cost is counted, not timed (speed belongs in bench/): every failed sign-in runs one PBKDF2 check, an
        // unknown user's against a dummy hash of the same iteration count as a real user's.
        await using var server = await StartAsync(heavyUser: true);
        using var client = SecurityServer.ClientFrom(Stranger);
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, await server.CallAsync(client, SecurityServer.Heavy, "guess " + i));
            Assert.Equal(HttpStatusCode.Unauthorized, await server.CallAsync(client, $"nobody{i}@example.com", "guess"));
        }

        Assert.Equal(6, server.Server.Authenticator.PasswordChecks);
        var heavy = await server.Server.Store.FindUserAsync(SecurityServer.Heavy, CancellationToken.None);
        Assert.Equal(PasswordHasher.IterationsOf(heavy!.PasswordHash), server.Server.Authenticator.DummyHashIterations);
        Assert.True(server.Server.Authenticator.DummyHashIterations >= 100_000, "the dummy hash is of the production cost");
    }

    [Fact]
    public async Task Wrong_passwords_are_logged_on_one_line_each()
    {
        await using var server = await StartAsync();
        using var client = SecurityServer.ClientFrom(Stranger);
        await server.CallAsync(client, SecurityServer.Bob, "guess");
        await server.CallAsync(client, "forged\r\nWarning: fake line@example.com", "guess");
        for (var i = 0; i < 6; i++)
        {
            await server.CallAsync(client, SecurityServer.Bob, "guess");
        }

        // Bob's sixth failure sets a lockout; the seventh attempt is refused unchecked and not logged.
        var lines = server.LogLines.Where(l => l.Contains("Failed sign-in", StringComparison.Ordinal)).ToList();
        Assert.Equal(7, lines.Count);
        Assert.Contains(lines, l => l.Contains($"for {SecurityServer.Bob} from {Stranger}", StringComparison.Ordinal));
        Assert.All(lines, l => Assert.DoesNotContain('\n', l));
        Assert.Contains(lines, l => l.Contains("forged??Warning", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("locked out for 1 s", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Wrong_passwords_from_fifty_clients_do_not_slow_a_verified_user()
    {
        // The production hash and no throttling to speak of: every wrong password costs a full PBKDF2 check.
        await using var server = await StartAsync(heavyUser: true, policy: p => p with { FreeFailuresPerAccount = 1_000_000, FreeFailuresPerClient = 1_000_000 });
        using var owner = SecurityServer.ClientFrom(Owner);
        Assert.Equal(HttpStatusCode.OK, await server.CallAsync(owner, SecurityServer.Heavy, SecurityServer.Password));

        // The fifty clients run on threads of their own with blocking sockets, as another process would: in-process
        // async clients would compete with the server for the thread pool and measure that instead.
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(3));
        var statuses = new System.Collections.Concurrent.ConcurrentBag<int>();
        var attackers = Enumerable.Range(10, 50).Select(n => new Thread(() => Guess(server, $"127.0.0.{n}", statuses, stop.Token)) { IsBackground = true }).ToList();
        attackers.ForEach(t => t.Start());
        await Task.Delay(500);
        var latencies = new List<double>();
        var anonymous = new List<double>();
        while (!stop.IsCancellationRequested)
        {
            latencies.Add(await TimeAsync(async () => Assert.Equal(HttpStatusCode.OK, await server.CallAsync(owner, SecurityServer.Heavy, SecurityServer.Password))));
            anonymous.Add(await TimeAsync(async () => Assert.Equal(HttpStatusCode.Unauthorized, (await server.SendAsync(owner, SecurityServer.Heavy, null)).Status)));
        }

        attackers.ForEach(t => t.Join());
        output.WriteLine($"verified user during the flood: {latencies.Count} requests, median {Median(latencies):F1} ms, max {latencies.Max():F1} ms; "
            + $"90th percentile {Percentile(latencies, 0.9):F1} ms; anonymous median {Median(anonymous):F1} ms; the flood: {statuses.Count} answers ({statuses.Count(s => s == 503)} busy), {server.Server.Authenticator.PasswordChecks} PBKDF2 checks");
        Assert.All(statuses, s => Assert.True(s is 401 or 503, s.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        Assert.True(Median(latencies) < 100 && Percentile(latencies, 0.9) < 250, $"median {Median(latencies):F1} ms, 90th percentile {Percentile(latencies, 0.9):F1} ms");
        Assert.True(Median(anonymous) < 100 && Percentile(anonymous, 0.9) < 250, $"anonymous: median {Median(anonymous):F1} ms, 90th percentile {Percentile(anonymous, 0.9):F1} ms");
    }

    private static async Task<string> ExchangelibAsync(SecurityServer server, string user, string password)
    {
        const string Script =
            """
            import os, sys
            from exchangelib import BASIC, DELEGATE, Account, Build, Configuration, Credentials, Version
            from exchangelib.errors import UnauthorizedError
            cfg = Configuration(service_endpoint=os.environ["RDV_URL"], credentials=Credentials(os.environ["RDV_USER"], sys.stdin.readline().rstrip("\n")),
                                auth_type=BASIC, version=Version(build=Build(15, 0, 1497, 2)))
            try:
                account = Account(os.environ["RDV_USER"], config=cfg, autodiscover=False, access_type=DELEGATE)
                print("inbox", account.inbox.total_count)
            except UnauthorizedError as e:
                print("UnauthorizedError:", e)
            """;
        var info = new System.Diagnostics.ProcessStartInfo("/usr/bin/python3") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(Script);
        info.Environment["RDV_URL"] = server.Url;
        info.Environment["RDV_USER"] = user;
        var (exitCode, stdout, stderr) = await Processes.RunAsync(info, password + "\n", timeoutSeconds: 60);
        Assert.True(exitCode == 0, $"exchangelib exited {exitCode}\n{stdout}\n{stderr}");
        return stdout;
    }

    /// <summary>Wrong passwords for the heavy user over one keep-alive connection, until stopped; the statuses go in the bag.</summary>
    private static void Guess(SecurityServer server, string from, System.Collections.Concurrent.ConcurrentBag<int> statuses, CancellationToken stop)
    {
        var body = Encoding.UTF8.GetBytes(Soap.Envelope(SecurityServer.GetInbox));
        var credentials = Convert.ToBase64String(Encoding.UTF8.GetBytes(SecurityServer.Heavy + ":guess"));
        var request = Encoding.ASCII.GetBytes($"POST /EWS/Exchange.asmx HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Basic {credentials}\r\nContent-Type: text/xml\r\nContent-Length: {body.Length}\r\n\r\n")
            .Concat(body).ToArray();
        var buffer = new byte[16 * 1024];
        while (!stop.IsCancellationRequested)
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            socket.Bind(new IPEndPoint(IPAddress.Parse(from), 0));
            socket.Connect(new IPEndPoint(IPAddress.Loopback, server.Port));
            while (!stop.IsCancellationRequested)
            {
                socket.Send(request);
                // Headers, then Content-Length bytes of body (the refusals are small; Kestrel always sends a length here).
                var length = 0;
                int end;
                while ((end = Encoding.ASCII.GetString(buffer, 0, length).IndexOf("\r\n\r\n", StringComparison.Ordinal)) < 0)
                {
                    var read = socket.Receive(buffer, length, buffer.Length - length, SocketFlags.None);
                    if (read == 0)
                    {
                        return;
                    }

                    length += read;
                }

                var head = Encoding.ASCII.GetString(buffer, 0, end);
                statuses.Add(int.Parse(head.AsSpan(9, 3), System.Globalization.CultureInfo.InvariantCulture));
                var contentLength = head.Split("\r\n").Where(h => h.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase))
                    .Select(h => int.Parse(h[15..].Trim(), System.Globalization.CultureInfo.InvariantCulture)).Single();
                for (var have = length - end - 4; have < contentLength;)
                {
                    have += socket.Receive(buffer);
                }
            }
        }
    }

    private Task<SecurityServer> StartAsync(bool heavyUser = false, Func<SignInPolicy, SignInPolicy>? policy = null) =>
        SecurityServer.StartAsync(o =>
        {
            o.Time = time;
            o.SignIn = policy?.Invoke(o.SignIn) ?? o.SignIn;
        }, heavyUser);

    private static async Task<double> TimeAsync(Func<Task> action)
    {
        var clock = Stopwatch.StartNew();
        await action();
        return clock.Elapsed.TotalMilliseconds;
    }

    private static double Median(List<double> values) => Percentile(values, 0.5);

    private static double Percentile(List<double> values, double p) => values.Order().ElementAt(Math.Min(values.Count - 1, (int)(p * values.Count)));

    private sealed class ManualTime : TimeProvider
    {
        private readonly DateTimeOffset start = DateTimeOffset.UtcNow;
        private long ticks = 1_000_000;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => Interlocked.Read(ref ticks);

        // The throttle's lockouts are kept in the store in wall-clock time (shared by every node): it moves with the timestamp.
        public override DateTimeOffset GetUtcNow() => start.AddTicks(Interlocked.Read(ref ticks));

        public void Advance(TimeSpan by) => Interlocked.Add(ref ticks, by.Ticks);
    }
}
