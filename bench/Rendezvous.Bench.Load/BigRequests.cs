using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using System.Xml.Linq;
using Rendezvous.Domain;
using Rendezvous.Store;

namespace Rendezvous.Bench.Load;

/// <summary>
/// Defect 3 of the security issue: requests that ask for too much work or memory, sent one by one (and some three at
/// once) to a fresh `rdv serve` with its default limits. For each: what the server answered, how long it took, and the
/// server's resident memory before, at its peak while sampled, and a few seconds after. Run it against an older server
/// with --server to compare. Output: one `big SCENARIO ...` line each, then `# target` verdicts.
/// </summary>
internal sealed class BigRequests(Options options, TextWriter log, TextWriter output)
{
    private const string User = "big@bench.test";
    private static readonly XNamespace M = "http://schemas.microsoft.com/exchange/services/2006/messages";
    private static readonly XNamespace T = "http://schemas.microsoft.com/exchange/services/2006/types";
    private static readonly XNamespace E = "http://schemas.microsoft.com/exchange/services/2006/errors";
    private readonly List<(string Name, double Before, double Peak, double After)> figures = [];

    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var data = Path.Combine(Path.GetTempPath(), "rdv-big-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        if (Directory.Exists(data))
        {
            Directory.Delete(data, recursive: true);
        }

        await using (var store = await SqliteMailStore.OpenAsync(data, cancellationToken))
        {
            await store.AddUserAsync(User, "Big Requests", PasswordHasher.Hash(Seeder.Password, 1_000), cancellationToken);
        }

        try
        {
            await using var server = await ChildProcess.StartAsync(options.Server, ["serve", "--urls", "http://127.0.0.1:0", "--data", data], null, cancellationToken);
            log.WriteLine($"server: pid {server.Id} at {server.Endpoint} ({options.Server})");
            using var target = new EwsTarget(server.Endpoint, 64);
            var auth = target.Authorization(User);

            var small = await CreateAsync(target, "small", "hello", cancellationToken);
            var heavy = await CreateAsync(target, "heavy", new string('h', 1_000_000), cancellationToken);
            // Warm up: the JIT and the first sign-in, so the "before" figure is a running server's.
            for (var i = 0; i < 20; i++)
            {
                await target.CallAsync(User, GetItems(Enumerable.Repeat(small, 10), "AllProperties"), cancellationToken);
            }

            var hundredThousand = Requests.Envelope(GetItems(Enumerable.Repeat(small, 100_000), "AllProperties"));
            log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"getitem-100000-ids: a {hundredThousand.Length / 1024} KiB request"));
            await ScenarioAsync(server, target, "getitem-100000-ids", 1, hundredThousand, cancellationToken);
            if (!options.BigLight)
            {
                await ScenarioAsync(server, target, "getitem-100000-ids-x3", 3, hundredThousand, cancellationToken);
            }

            var heavyGet = Requests.Envelope(GetItems(Enumerable.Repeat(heavy, 100), "AllProperties"));
            await ScenarioAsync(server, target, "getitem-100-x-1MB-body", 1, heavyGet, cancellationToken);
            if (!options.BigLight)
            {
                await ScenarioAsync(server, target, "getitem-100-x-1MB-body-x3", 3, heavyGet, cancellationToken);
            }

            await ScenarioAsync(server, target, "createfolder-1000", 1, Requests.Envelope(CreateFolders("a", 1000)), cancellationToken);
            if (!options.BigLight)
            {
                await ScenarioAsync(server, target, "createfolder-5000", 1, Requests.Envelope(CreateFolders("b", 5000)), cancellationToken);
            }

            var (calendarId, changeKey) = await CreateCalendarItemAsync(target, cancellationToken);
            await ScenarioAsync(server, target, "append-10000", 1, Requests.Envelope(Appends(calendarId, changeKey, 10_000)), cancellationToken);
            await ScenarioAsync(server, target, "append-256", 1, Requests.Envelope(Appends(calendarId, changeKey, 256)), cancellationToken);
            if (!options.BigLight)
            {
                await SlowReadersAsync(server, target, heavyGet, auth, small, cancellationToken);
            }

        }
        finally
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

        PrintTargets();
        return 0;
    }

    private static string GetItems(IEnumerable<string> ids, string shape) =>
        $"<m:GetItem><m:ItemShape><t:BaseShape>{shape}</t:BaseShape></m:ItemShape><m:ItemIds>{string.Concat(ids.Select(id => $"<t:ItemId Id=\"{id}\"/>"))}</m:ItemIds></m:GetItem>";

    private static string CreateFolders(string prefix, int count) =>
        $"<m:CreateFolder><m:ParentFolderId><t:DistinguishedFolderId Id=\"inbox\"/></m:ParentFolderId><m:Folders>{string.Concat(Enumerable.Range(0, count).Select(i => string.Create(CultureInfo.InvariantCulture, $"<t:Folder><t:DisplayName>{prefix}-{i}</t:DisplayName></t:Folder>")))}</m:Folders></m:CreateFolder>";

    private static string Appends(string id, string changeKey, int count) =>
        $"""<m:UpdateItem ConflictResolution="AlwaysOverwrite" SendMeetingInvitationsOrCancellations="SendToNone"><m:ItemChanges><t:ItemChange><t:ItemId Id="{id}" ChangeKey="{changeKey}"/><t:Updates>{string.Concat(Enumerable.Repeat("<t:AppendToItemField><t:FieldURI FieldURI=\"item:Body\"/><t:CalendarItem><t:Body BodyType=\"Text\">one more line of text to append</t:Body></t:CalendarItem></t:AppendToItemField>", count))}</t:Updates></t:ItemChange></m:ItemChanges></m:UpdateItem>""";

    private static async Task<string> CreateAsync(EwsTarget target, string subject, string body, CancellationToken cancellationToken)
    {
        var response = await target.CallAsync(User,
            $"<m:CreateItem MessageDisposition=\"SaveOnly\"><m:Items><t:Message><t:Subject>{subject}</t:Subject><t:Body BodyType=\"Text\">{body}</t:Body></t:Message></m:Items></m:CreateItem>",
            cancellationToken);
        return (string)response.Descendants(T + "ItemId").Single().Attribute("Id")!;
    }

    private static async Task<(string Id, string ChangeKey)> CreateCalendarItemAsync(EwsTarget target, CancellationToken cancellationToken)
    {
        var response = await target.CallAsync(User,
            "<m:CreateItem SendMeetingInvitations=\"SendToNone\"><m:Items><t:CalendarItem><t:Subject>appended to</t:Subject><t:Body BodyType=\"Text\">start</t:Body>"
            + "<t:Start>2035-01-01T09:00:00Z</t:Start><t:End>2035-01-01T10:00:00Z</t:End></t:CalendarItem></m:Items></m:CreateItem>",
            cancellationToken);
        var id = response.Descendants(T + "ItemId").Single();
        return ((string)id.Attribute("Id")!, (string)id.Attribute("ChangeKey")!);
    }

    /// <summary>Sends <paramref name="copies"/> of one request at once and reports the answers, the time and the memory.</summary>
    private async Task ScenarioAsync(ChildProcess server, EwsTarget target, string name, int copies, byte[] body, CancellationToken cancellationToken)
    {
        var before = await PeakSampler.SettledRssAsync(server, cancellationToken);
        using var sampler = new PeakSampler(server);
        var clock = Stopwatch.StartNew();
        var answers = await Task.WhenAll(Enumerable.Range(0, copies).Select(_ => SendAsync(target, body, cancellationToken)));
        var elapsed = clock.Elapsed;
        var peak = await sampler.StopAsync();
        var after = await PeakSampler.SettledRssAsync(server, cancellationToken);
        figures.Add((name, before, peak, after));
        var outcome = string.Join(",", answers.Select(a => a.Outcome).Distinct(StringComparer.Ordinal));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"big {name} outcome={outcome} response_mb={answers.Max(a => a.Bytes) / 1048576.0:F1} elapsed_s={elapsed.TotalSeconds:F2} rss_before_mb={before:F0} rss_peak_mb={peak:F0} rss_after_mb={after:F0}"));
    }

    /// <summary>HTTP status, the fault code or the distinct response codes, and the response size.</summary>
    private static async Task<(string Outcome, long Bytes)> SendAsync(EwsTarget target, byte[] body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, target.Url) { Content = new ByteArrayContent(body) };
        request.Headers.TryAddWithoutValidation("Authorization", target.Authorization(User));
        request.Content.Headers.TryAddWithoutValidation("Content-Type", "text/xml; charset=utf-8");
        try
        {
            using var response = await target.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
            var codes = new SortedDictionary<string, int>(StringComparer.Ordinal);
            long bytes = 0;
            using var counting = new CountingStream(stream, n => bytes += n);
            using var reader = System.Xml.XmlReader.Create(counting, new System.Xml.XmlReaderSettings { Async = true });
            while (await reader.ReadAsync())
            {
                if (reader.NodeType == System.Xml.XmlNodeType.Element && reader.LocalName == "ResponseCode")
                {
                    var code = await reader.ReadElementContentAsStringAsync();
                    codes[code] = codes.GetValueOrDefault(code) + 1;
                }
            }

            return ($"{(int)response.StatusCode}:{string.Join("+", codes.Select(c => $"{c.Key}x{c.Value}"))}", bytes);
        }
        catch (Exception e) when (e is HttpRequestException or IOException or TaskCanceledException or System.Xml.XmlException)
        {
            return ("failed:" + e.GetType().Name, 0);
        }
    }

    /// <summary>
    /// Thirty clients send the heavy GetItem and never read the answer; while they hang on, a normal request is timed.
    /// Then they go away, and the memory should come back.
    /// </summary>
    private async Task SlowReadersAsync(ChildProcess server, EwsTarget target, byte[] body, string auth, string small, CancellationToken cancellationToken)
    {
        var before = await PeakSampler.SettledRssAsync(server, cancellationToken);
        using var sampler = new PeakSampler(server);
        var head = Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture,
            $"POST {target.Url.PathAndQuery} HTTP/1.1\r\nHost: {target.Url.Authority}\r\nAuthorization: {auth}\r\nContent-Type: text/xml; charset=utf-8\r\nContent-Length: {body.Length}\r\n\r\n"));
        var clients = new List<TcpClient>();
        try
        {
            for (var i = 0; i < 30; i++)
            {
                var client = new TcpClient { ReceiveBufferSize = 4096 };
                await client.ConnectAsync(target.Url.Host, target.Url.Port, cancellationToken);
                var stream = client.GetStream();
                await stream.WriteAsync(head, cancellationToken);
                await stream.WriteAsync(body, cancellationToken);
                clients.Add(client);
            }

            await Task.Delay(TimeSpan.FromSeconds(8), cancellationToken);
            var held = server.Memory().RssMb;
            var clock = Stopwatch.StartNew();
            var normal = await SendAsync(target, Requests.Envelope(GetItems([small], "AllProperties")), cancellationToken);
            var normalMs = clock.Elapsed.TotalMilliseconds;
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"big slow-readers-30 rss_before_mb={before:F0} rss_held_mb={held:F0} normal_request={normal.Outcome} normal_ms={normalMs:F0}"));
            figures.Add(("slow-readers-30-held", before, held, held));
        }
        finally
        {
            foreach (var client in clients)
            {
                client.Dispose();
            }
        }

        var peak = await sampler.StopAsync();
        var after = await PeakSampler.SettledRssAsync(server, cancellationToken);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"big slow-readers-30-gone rss_peak_mb={peak:F0} rss_after_mb={after:F0}"));
        // The peak is thirty requests arriving at once: what each took is a thirtieth of it.
        figures.Add(("slow-readers-30-burst-per-request", before, before + ((peak - before) / 30), before + ((after - before) / 30)));
        figures.Add(("slow-readers-30-gone", before, after, after));
    }

    private void PrintTargets()
    {
        foreach (var (name, before, peak, after) in figures)
        {
            // "No request holds more than a few tens of megabytes": 100 MB over the start, three at once or thirty stalled included.
            var held = peak - before;
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"# target {name} takes < 100 MB: +{held:F0} MB at peak {(held < 100 ? "met" : "MISSED")}; given back (within 30 MB of before): +{after - before:F0} MB {(after - before < 30 ? "met" : "MISSED")}"));
        }
    }

    /// <summary>Counts the bytes read through it.</summary>
    private sealed class CountingStream(Stream inner, Action<int> counted) : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = inner.Read(buffer, offset, count);
            counted(n);
            return n;
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var n = await inner.ReadAsync(buffer, cancellationToken);
            counted(n);
            return n;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
