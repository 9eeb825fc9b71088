using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Reflection;
using System.Text;
using System.Xml.Linq;
using Microsoft.Extensions.Logging;
using Rendezvous.Protocol;
using Rendezvous.Server;
using Rendezvous.Store;
using Rendezvous.Tests.Infrastructure;

namespace Rendezvous.Tests;

/// <summary>
/// Operability (issue 19 §6) over HTTP with the real server: the health probes, the Prometheus metrics and who may
/// read them, the request log, and a stop that drains requests and closes streams. Metrics are process-wide (the tests
/// run many servers in one process), so they are compared before and after, as at least what this test did.
/// </summary>
public sealed class OperabilityTests
{
    private const string Alice = ServerFixture.Alice;

    internal const string GetInboxAndUnknown =
        "<m:GetFolder><m:FolderShape><t:BaseShape>IdOnly</t:BaseShape></m:FolderShape><m:FolderIds>" +
        "<t:DistinguishedFolderId Id=\"inbox\"/><t:FolderId Id=\"AAMkADAwATMwMAItYjBjMS0wMjA1LTAwAi0wMAoALgAAAzOq\"/></m:FolderIds></m:GetFolder>";

    internal const string GetInbox =
        "<m:GetFolder><m:FolderShape><t:BaseShape>IdOnly</t:BaseShape></m:FolderShape><m:FolderIds><t:DistinguishedFolderId Id=\"inbox\"/></m:FolderIds></m:GetFolder>";

    [Fact]
    public async Task Health_live_and_ready_answer_without_sign_in_and_check_no_credentials()
    {
        await using var server = await StartAsync();
        using var http = new HttpClient();
        foreach (var path in new[] { "/health/live", "/health/ready", "/health", "/HEALTH/Ready" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, server.Base + path);
            // Credentials sent to a probe are not looked at: no PBKDF2, no failure counted.
            request.Headers.Authorization = Basic(Alice, "wrong password");
            using var response = await http.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("Healthy", await response.Content.ReadAsStringAsync());
        }

        Assert.Equal(0, server.Server.Authenticator.PasswordChecks);
    }

    [Fact]
    public async Task Ready_answers_503_when_the_store_does_not_answer_in_time_while_live_answers_200()
    {
        await using var server = await StartAsync(o =>
        {
            var directory = o.DataDirectory;
            o.OpenStore = async cancellationToken => SilentProbeStore.Wrap(await SqliteMailStore.OpenAsync(directory, cancellationToken));
            o.ReadinessTimeout = TimeSpan.FromMilliseconds(200);
        });
        using var http = new HttpClient();
        using var ready = await http.GetAsync(new Uri(server.Base + "/health/ready"));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.Equal("Unhealthy", await ready.Content.ReadAsStringAsync());
        using var plain = await http.GetAsync(new Uri(server.Base + "/health"));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, plain.StatusCode);
        using var live = await http.GetAsync(new Uri(server.Base + "/health/live"));
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        // The server itself still serves: only the probe's read was held.
        Assert.Equal(HttpStatusCode.OK, (await server.CallAsync(http, Alice, GetInbox)).Status);
    }

    [Fact]
    public async Task Metrics_count_requests_by_operation_and_outcome_each_ResponseCode_latency_commits_and_refused_sign_ins()
    {
        await using var server = await StartAsync();
        using var http = new HttpClient();
        var before = await ScrapeAsync(http, server.Base);

        Assert.Equal(HttpStatusCode.OK, (await server.CallAsync(http, Alice, GetInbox)).Status);
        var mixed = await server.CallAsync(http, Alice, GetInboxAndUnknown);
        Assert.Equal(["NoError", "ErrorInvalidIdMalformed"], mixed.Messages.Select(m => m.Element(EwsResponse.M + "ResponseCode")!.Value));
        var fault = await server.CallAsync(http, Alice, "<m:GetFolder><m:Bogus/></m:GetFolder>");
        Assert.Equal(HttpStatusCode.InternalServerError, fault.Status);
        var faultCode = fault.Document.Descendants(XNamespace.Get(Ews.ErrorsNs) + "ResponseCode").Single().Value;
        Assert.Equal(HttpStatusCode.OK, (await server.CallAsync(http, Alice,
            "<m:CreateFolder><m:ParentFolderId><t:DistinguishedFolderId Id=\"inbox\"/></m:ParentFolderId><m:Folders><t:Folder><t:DisplayName>Metrics</t:DisplayName></t:Folder></m:Folders></m:CreateFolder>")).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, await server.StatusAsync(http, Alice, "wrong password", GetInbox));

        var after = await ScrapeAsync(http, server.Base);
        double Delta(string name, params string[] labels) => after.Sum(name, labels) - before.Sum(name, labels);
        Assert.True(Delta("rdv_ews_requests_total", "operation=\"GetFolder\"", "outcome=\"success\"") >= 1, after.Text);
        Assert.True(Delta("rdv_ews_requests_total", "operation=\"GetFolder\"", "outcome=\"error\"") >= 1, after.Text);
        // A schema fault in the operation's arguments is counted under the operation it named.
        Assert.True(Delta("rdv_ews_requests_total", "operation=\"GetFolder\"", "outcome=\"fault\"") >= 1, after.Text);
        Assert.True(Delta("rdv_ews_response_codes_total", "operation=\"GetFolder\"", "code=\"NoError\"") >= 2, after.Text);
        Assert.True(Delta("rdv_ews_response_codes_total", "operation=\"GetFolder\"", "code=\"ErrorInvalidIdMalformed\"") >= 1, after.Text);
        Assert.True(Delta("rdv_ews_response_codes_total", "operation=\"GetFolder\"", $"code=\"{faultCode}\"") >= 1, after.Text);
        Assert.True(Delta("rdv_ews_request_duration_seconds_count", "operation=\"GetFolder\"") >= 3, after.Text);
        Assert.True(Delta("rdv_ews_request_duration_seconds_bucket", "operation=\"CreateFolder\"", "le=\"+Inf\"") >= 1, after.Text);
        Assert.True(Delta("rdv_store_commit_duration_seconds_count") >= 1, after.Text);
        Assert.True(Delta("rdv_store_commit_writes_sum") >= 1, after.Text);
        Assert.True(Delta("rdv_signin_refused_total", "reason=\"failed\"") >= 1, after.Text);
        Assert.Contains("rdv_store_commit_queue", after.Text, StringComparison.Ordinal);
        Assert.Contains("rdv_notifications_subscriptions{", after.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Metrics_count_sign_ins_refused_during_a_lockout_as_throttled()
    {
        await using var server = await StartAsync(o => o.SignIn = new SignInPolicy { FreeFailuresPerAccount = 1, FirstLockout = TimeSpan.FromMinutes(10) });
        using var http = new HttpClient();
        var before = await ScrapeAsync(http, server.Base);
        for (var i = 0; i < 4; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, await server.StatusAsync(http, Alice, "guess " + i, GetInbox));
        }

        var after = await ScrapeAsync(http, server.Base);
        // Two checked failures lock the account; the two sign-ins after them are refused unchecked.
        Assert.True(after.Sum("rdv_signin_refused_total", "reason=\"failed\"") - before.Sum("rdv_signin_refused_total", "reason=\"failed\"") >= 2, after.Text);
        Assert.True(after.Sum("rdv_signin_refused_total", "reason=\"throttled\"") - before.Sum("rdv_signin_refused_total", "reason=\"throttled\"") >= 2, after.Text);
    }

    [Fact]
    public async Task Metrics_show_subscriptions_held_and_streaming_connections_open()
    {
        await using var server = await StartAsync(o => o.Notifications = new Services.NotificationOptions { KeepAliveInterval = TimeSpan.FromMilliseconds(200) });
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
        var before = await ScrapeAsync(http, server.Base);
        var id = (await server.CallAsync(http, Alice, StreamingSubscribe)).Ok().Element(EwsResponse.M + "SubscriptionId")!.Value;
        using var stream = await http.SendAsync(StreamRequest(server.Url, id, 5), HttpCompletionOption.ResponseHeadersRead);
        Assert.True(stream.IsSuccessStatusCode);
        // The first part (ConnectionStatus OK) is sent once the stream is open.
        var body = await stream.Content.ReadAsStreamAsync();
        Assert.True(await body.ReadAsync(new byte[1]) > 0);
        var during = await ScrapeAsync(http, server.Base);
        Assert.True(during.Sum("rdv_notifications_subscriptions", "kind=\"streaming\"") - before.Sum("rdv_notifications_subscriptions", "kind=\"streaming\"") >= 1, during.Text);
        Assert.True(during.Sum("rdv_notifications_streams") >= 1, during.Text);
    }

    [Fact]
    public async Task Metrics_are_refused_to_a_client_outside_metrics_allow_and_served_to_loopback_by_default()
    {
        using var http = new HttpClient();
        await using (var open = await StartAsync())
        {
            using var response = await http.GetAsync(new Uri(open.Base + "/metrics"));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Contains("# TYPE", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        await using var closed = await StartAsync(o => o.MetricsAllowedNetworks = ["10.0.0.0/8"]);
        using var refused = await http.GetAsync(new Uri(closed.Base + "/metrics"));
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        using var upper = await http.GetAsync(new Uri(closed.Base + "/METRICS"));
        Assert.Equal(HttpStatusCode.Forbidden, upper.StatusCode);
    }

    [Fact]
    public async Task A_metrics_allow_that_is_no_network_stops_the_server_from_starting()
    {
        var e = await Assert.ThrowsAsync<ServerStartException>(() => StartAsync(o => o.MetricsAllowedNetworks = ["loopback"]));
        Assert.Contains("loopback is not a network", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Each_request_is_one_log_line_with_operation_user_status_codes_duration_and_size_and_never_the_password()
    {
        var lines = new ConcurrentQueue<string>();
        await using var server = await StartAsync(logging: b => b.AddProvider(new LineLoggerProvider(lines)).SetMinimumLevel(LogLevel.Information));
        using var http = new HttpClient();
        await server.CallAsync(http, Alice, GetInboxAndUnknown);
        await server.CallAsync(http, Alice, "<m:GetFolder><m:Bogus/></m:GetFolder>");
        await EwsHttp.PostAsync(http, server.Url, Alice, "not XML");
        await http.GetAsync(new Uri(server.Base + "/health/ready"));
        Assert.Equal(HttpStatusCode.Unauthorized, await server.StatusAsync(http, Alice, "wrong password", GetInbox));

        var requests = lines.Where(l => l.Contains(" Rendezvous.Requests: ", StringComparison.Ordinal)).ToList();
        Assert.True(requests.Count == 3, string.Join("\n", requests));
        Assert.Matches(@"^Information Rendezvous\.Requests: GetFolder user=alice@example\.com status=200 codes=NoError,ErrorInvalidIdMalformed ms=[0-9.]+ bytes=[1-9][0-9]*$", requests[0]);
        Assert.Matches(@"^Information Rendezvous\.Requests: GetFolder user=alice@example\.com status=500 codes=fault:ErrorSchemaValidation ms=[0-9.]+ bytes=[1-9][0-9]*$", requests[1]);
        // A body that names no operation: the line names the request.
        Assert.Matches(@"^Information Rendezvous\.Requests: POST /EWS/Exchange\.asmx user=alice@example\.com status=500 codes=fault:ErrorInvalidRequest ms=[0-9.]+ bytes=7$", requests[2]);
        var credentials = Convert.ToBase64String(Encoding.UTF8.GetBytes(Alice + ":" + ServerFixture.Password));
        Assert.DoesNotContain(lines, l => l.Contains(ServerFixture.Password, StringComparison.Ordinal) || l.Contains(credentials, StringComparison.Ordinal)
            || l.Contains("wrong password", StringComparison.Ordinal) || l.Contains("Basic ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_stop_waits_for_a_request_in_flight_and_accepts_no_new_connection_meanwhile()
    {
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var server = await StartAsync(o => o.OperationTable = EwsOperations.With(("GetFolder", EwsOperation.Of(async request =>
        {
            entered.TrySetResult();
            await release.Task;
            return await Operations.Table["GetFolder"](request);
        }))));
        await using var _ = server;
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
        var inFlight = server.CallAsync(http, Alice, GetInbox);
        await entered.Task.WaitAsync(TimeSpan.FromSeconds(30));
        var stopping = server.Server.DisposeAsync().AsTask();
        // Once the listener is closed a new connection is refused (a wait for that, not a timing assertion).
        using var fresh = new HttpClient();
        await EventuallyAsync(async () =>
        {
            try
            {
                using var probe = await fresh.GetAsync(new Uri(server.Base + "/health/live"));
                return false;
            }
            catch (HttpRequestException)
            {
                return true;
            }
        });
        Assert.False(inFlight.IsCompleted);
        release.SetResult();
        Assert.Equal(HttpStatusCode.OK, (await inFlight).Status);
        await stopping.WaitAsync(TimeSpan.FromSeconds(60));
    }

    [Fact]
    public async Task A_stop_ends_a_request_still_running_after_the_shutdown_timeout()
    {
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var server = await StartAsync(o =>
        {
            o.ShutdownTimeout = TimeSpan.FromMilliseconds(300);
            o.OperationTable = EwsOperations.With(("GetFolder", EwsOperation.Of(async request =>
            {
                entered.TrySetResult();
                await Task.Delay(Timeout.Infinite, request.Cancellation);
                return await Operations.Table["GetFolder"](request);
            })));
        });
        await using var _ = server;
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
        var inFlight = server.CallAsync(http, Alice, GetInbox);
        await entered.Task.WaitAsync(TimeSpan.FromSeconds(30));
        // The stop ends although the request never would: it is aborted once the timeout has passed.
        await server.Server.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(60));
        await Assert.ThrowsAnyAsync<Exception>(() => inFlight);
    }

    [Fact]
    public async Task SIGTERM_to_rdv_serve_closes_a_streaming_connection_with_ConnectionStatus_Closed_and_exits_0()
    {
        using var data = new TempFolder("rdv-ops-");
        var add = await Processes.RunAsync(Processes.Rdv("user", "add", Alice, "--password-stdin", "--data", data.Path), ServerFixture.Password + "\n");
        Assert.True(add.ExitCode == 0, add.Stderr);
        var port = Processes.FreePort();
        using var process = await Processes.StartServerAsync(data.Path, port);
        try
        {
            var url = $"http://127.0.0.1:{port}/EWS/Exchange.asmx";
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
            var id = (await EwsHttp.PostAsync(http, url, Alice, Soap.Envelope(StreamingSubscribe))).Ok().Element(EwsResponse.M + "SubscriptionId")!.Value;
            using var stream = await http.SendAsync(StreamRequest(url, id, 30), HttpCompletionOption.ResponseHeadersRead);
            var body = await stream.Content.ReadAsStreamAsync();
            var first = new byte[1];
            Assert.True(await body.ReadAsync(first) > 0);

            using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync();
            }

            using var reader = new StreamReader(body, Encoding.UTF8);
            var text = Encoding.UTF8.GetString(first) + await reader.ReadToEndAsync();
            var parts = text.Split("</Envelope>", StringSplitOptions.RemoveEmptyEntries).Select(p => XDocument.Parse(p + "</Envelope>")).ToList();
            foreach (var part in parts)
            {
                Assert.Empty(SchemaValidator.Validate(part));
            }

            Assert.Equal("Closed", parts[^1].Descendants(EwsResponse.M + "ConnectionStatus").Single().Value);
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
            Assert.Equal(0, process.ExitCode);
            // rdv serve's own console log: the request lines beside the warnings.
            var log = await process.StandardOutput.ReadToEndAsync();
            Assert.Contains($"info: Rendezvous.Requests[1] Subscribe user={Alice} status=200 codes=NoError", log, StringComparison.Ordinal);
            Assert.Contains($"info: Rendezvous.Requests[1] GetStreamingEvents user={Alice} status=200", log, StringComparison.Ordinal);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill();
            }
        }
    }

    [Fact]
    public async Task Https_redirect_sends_plain_http_EWS_requests_from_beyond_loopback_to_the_https_address_with_308()
    {
        // A client beyond loopback: this machine's own non-loopback address, which the server sees as the peer.
        var address = System.Net.NetworkInformation.NetworkInterface.GetAllNetworkInterfaces()
            .Where(n => n.OperationalStatus == System.Net.NetworkInformation.OperationalStatus.Up)
            .SelectMany(n => n.GetIPProperties().UnicastAddresses).Select(a => a.Address)
            .FirstOrDefault(a => a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork && !IPAddress.IsLoopback(a));
        Assert.True(address is not null, "the test needs a non-loopback IPv4 address on this machine");
        using var folder = new TempFolder("rdv-redirect-");
        var (cert, key) = await DevCertificate.WriteAsync(DevCertificate.Create(TimeProvider.System), Directory.CreateDirectory(folder.Path).FullName, CancellationToken.None);
        var (plain, secure) = (Processes.FreePort(), Processes.FreePort());
        using var http = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseProxy = false });
        await using (var server = await StartAsync(o =>
        {
            o.Urls = $"http://0.0.0.0:{plain};https://127.0.0.1:{secure}";
            o.AllowInsecureBasic = true;
            (o.CertificatePath, o.KeyPath) = (cert, key);
            o.HttpsRedirect = true;
        }))
        {
            using var remote = await http.PostAsync(new Uri($"http://{address}:{plain}/ews/Exchange.asmx?x=1"), new StringContent(Soap.Envelope(GetInbox), Encoding.UTF8, "text/xml"));
            Assert.Equal(HttpStatusCode.PermanentRedirect, remote.StatusCode);
            Assert.Equal(new Uri($"https://{address}:{secure}/ews/Exchange.asmx?x=1"), remote.Headers.Location);
            // Only the EWS path: the rest of the plain listener answers as before.
            using var rootPage = await http.GetAsync(new Uri($"http://{address}:{plain}/"));
            Assert.Equal(HttpStatusCode.OK, rootPage.StatusCode);
            // Loopback is served as it is.
            Assert.Equal(HttpStatusCode.OK, (await EwsHttp.PostAsync(http, $"http://127.0.0.1:{plain}/EWS/Exchange.asmx", Alice, Soap.Envelope(GetInbox))).Status);
        }

        await using var behind = await StartAsync(o =>
        {
            o.Urls = $"http://0.0.0.0:{plain}";
            o.AllowInsecureBasic = true;
            o.PublicUrl = "https://mail.example.com/";
            o.HttpsRedirect = true;
        });
        using var toPublic = await http.PostAsync(new Uri($"http://{address}:{plain}/EWS/Exchange.asmx"), new StringContent(Soap.Envelope(GetInbox), Encoding.UTF8, "text/xml"));
        Assert.Equal(HttpStatusCode.PermanentRedirect, toPublic.StatusCode);
        Assert.Equal(new Uri("https://mail.example.com/EWS/Exchange.asmx"), toPublic.Headers.Location);
    }

    [Fact]
    public async Task Https_redirect_without_an_https_address_stops_the_server_from_starting()
    {
        var e = await Assert.ThrowsAsync<ServerStartException>(() => StartAsync(o => o.HttpsRedirect = true));
        Assert.Contains("--https-redirect needs an https://", e.Message, StringComparison.Ordinal);
    }

    private const string StreamingSubscribe =
        "<m:Subscribe><m:StreamingSubscriptionRequest SubscribeToAllFolders=\"true\"><t:EventTypes><t:EventType>CreatedEvent</t:EventType></t:EventTypes></m:StreamingSubscriptionRequest></m:Subscribe>";

    private static HttpRequestMessage StreamRequest(string url, string id, int minutes)
    {
        var body = $"<m:GetStreamingEvents><m:SubscriptionIds><t:SubscriptionId>{id}</t:SubscriptionId></m:SubscriptionIds><m:ConnectionTimeout>{minutes}</m:ConnectionTimeout></m:GetStreamingEvents>";
        var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(Soap.Envelope(body), Encoding.UTF8, "text/xml") };
        request.Headers.Authorization = Basic(Alice, ServerFixture.Password);
        return request;
    }

    internal static AuthenticationHeaderValue Basic(string user, string password) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(user + ":" + password)));

    internal static async Task<Scrape> ScrapeAsync(HttpClient http, string baseUrl)
    {
        using var response = await http.GetAsync(new Uri(baseUrl + "/metrics"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("text/plain", response.Content.Headers.ContentType?.MediaType, StringComparison.Ordinal);
        return new Scrape(await response.Content.ReadAsStringAsync());
    }

    /// <summary>Asks until <paramref name="condition"/> holds, for at most 30 s (a wait, not a timing assertion).</summary>
    internal static async Task EventuallyAsync(Func<Task<bool>> condition)
    {
        var until = DateTime.UtcNow.AddSeconds(30);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < until, "the condition did not hold within 30 s");
            await Task.Delay(50);
        }
    }

    internal static async Task<OwnServer> StartAsync(Action<ServerOptions>? configure = null, Action<ILoggingBuilder>? logging = null)
    {
        var data = new TempFolder("rdv-ops-");
        var options = new ServerOptions { Urls = "http://127.0.0.1:0", DataDirectory = data.Path };
        configure?.Invoke(options);
        RendezvousServer server;
        try
        {
            server = await RendezvousServer.StartAsync(options, logging);
        }
        catch
        {
            data.Dispose();
            throw;
        }

        await server.Store.AddUserAsync(Alice, "Alice", PasswordHasher.Hash(ServerFixture.Password, 1000), CancellationToken.None);
        return new OwnServer(server, data);
    }

    /// <summary>A server of the test's own over its own folder, gone with it.</summary>
    internal sealed class OwnServer(RendezvousServer server, TempFolder data) : IAsyncDisposable
    {
        public RendezvousServer Server => server;

        public string Url => server.EwsUrl;

        public string Base => server.Addresses[0].TrimEnd('/');

        public Task<EwsResponse> CallAsync(HttpClient http, string user, string body) => EwsHttp.PostAsync(http, Url, user, Soap.Envelope(body));

        public async Task<HttpStatusCode> StatusAsync(HttpClient http, string user, string password, string body)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, Url) { Content = new StringContent(Soap.Envelope(body), Encoding.UTF8, "text/xml") };
            request.Headers.Authorization = Basic(user, password);
            using var response = await http.SendAsync(request);
            return response.StatusCode;
        }

        public async ValueTask DisposeAsync()
        {
            await server.DisposeAsync();
            data.Dispose();
        }
    }

    /// <summary>A Prometheus text scrape: the sum of the samples of a name whose labels include all those given.</summary>
    internal sealed record Scrape(string Text)
    {
        public double Sum(string name, params string[] labels) =>
            Text.Split('\n')
                .Where(l => (l.StartsWith(name + "{", StringComparison.Ordinal) || l.StartsWith(name + " ", StringComparison.Ordinal))
                    && labels.All(label => l.Contains(label, StringComparison.Ordinal)))
                .Sum(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture));
    }

    /// <summary>A store whose readiness probe read never answers (and ignores its token): the store is hung, for /health/ready.</summary>
    public class SilentProbeStore : DispatchProxy
    {
        private IMailStore inner = null!;

        public static IMailStore Wrap(IMailStore inner)
        {
            var proxy = Create<IMailStore, SilentProbeStore>();
            ((SilentProbeStore)(object)proxy).inner = inner;
            return proxy;
        }

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
        {
            if (targetMethod?.Name == nameof(IMailStore.FindUserAsync) && args?[0] is string address && address.EndsWith("@rendezvous.invalid", StringComparison.Ordinal))
            {
                return new TaskCompletionSource<UserRecord?>().Task;
            }

            try
            {
                return targetMethod!.Invoke(inner, args);
            }
            catch (TargetInvocationException e) when (e.InnerException is not null)
            {
                throw e.InnerException;
            }
        }
    }
}
