using System.Globalization;
using System.Security.Cryptography;
using System.Xml;
using System.Xml.Linq;
using Rendezvous.Store;

namespace Rendezvous.Bench.Load;

/// <summary>
/// Issue 15 §3: a large attachment is streamed, not copied several times. Against a fresh `rdv serve` (request limit
/// raised to take it), a 20 MB file attachment is created with CreateAttachment and read back with GetAttachment; for
/// each step: the server's resident memory settled before, its peak while sampled (every 20 ms), settled after, and
/// whether the bytes came back unchanged; then the same 20 MB as a part of the item's MimeContent (GetItem
/// IncludeMimeContent) and back in (CreateItem of a message from that MimeContent, issue 15 §4). Output: one
/// `attachment STEP ...` line each, then `# target` verdicts
/// (the issue's: within 100 MB of the baseline).
/// </summary>
internal sealed class AttachmentBench(Options options, TextWriter log, TextWriter output)
{
    private const string User = "attach@bench.test";
    private const int Megabytes = 20;
    private static readonly XNamespace T = "http://schemas.microsoft.com/exchange/services/2006/types";

    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var data = Path.Combine(Path.GetTempPath(), "rdv-attach-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        if (Directory.Exists(data))
        {
            Directory.Delete(data, recursive: true);
        }

        await using (var store = await SqliteMailStore.OpenAsync(data, cancellationToken))
        {
            await store.AddUserAsync(User, "Attachments", PasswordHasher.Hash(Seeder.Password, 1_000), cancellationToken);
        }

        var failed = false;
        var figures = new List<(string Name, double Before, double Peak, double After)>();
        try
        {
            await using var server = await ChildProcess.StartAsync(options.Server,
                ["serve", "--urls", "http://127.0.0.1:0", "--data", data, "--max-request-bytes", (64 * 1024 * 1024).ToString(CultureInfo.InvariantCulture)], null, cancellationToken);
            log.WriteLine($"server: pid {server.Id} at {server.Endpoint} ({options.Server})");
            using var target = new EwsTarget(server.Endpoint, 4);

            var created = await target.CallAsync(User,
                "<m:CreateItem MessageDisposition=\"SaveOnly\"><m:Items><t:Message><t:Subject>large attachment</t:Subject></t:Message></m:Items></m:CreateItem>", cancellationToken);
            var itemId = (string)created.Descendants(T + "ItemId").Single().Attribute("Id")!;
            // Warm up: the JIT and the sign-in, and a small attachment through the same paths.
            string? small = null;
            for (var i = 0; i < 20; i++)
            {
                var answer = await target.CallAsync(User, CreateAttachment(itemId, new byte[1000]), cancellationToken);
                small = (string)answer.Descendants(T + "AttachmentId").Single().Attribute("Id")!;
                await target.CallAsync(User, GetAttachment(small), cancellationToken);
            }

            // And the MimeContent paths (issue 15 §3, §4): the item's MIME with its small attachments, and back in.
            for (var i = 0; i < 5; i++)
            {
                var mime = (await target.CallAsync(User, GetItemMime(itemId), cancellationToken)).Descendants(T + "MimeContent").Single().Value;
                await target.CallAsync(User, CreateFromMime(mime), cancellationToken);
            }

            var content = new byte[Megabytes * 1024 * 1024];
            new Random(15).NextBytes(content);
            var expected = SHA256.HashData(content);
            var body = Requests.Envelope(CreateAttachment(itemId, content));
            log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"create: a {body.Length / 1048576.0:F1} MiB request"));

            var before = await PeakSampler.SettledRssAsync(server, cancellationToken);
            string attachmentId;
            using (var sampler = new PeakSampler(server))
            {
                var clock = System.Diagnostics.Stopwatch.StartNew();
                var (status, answer) = await PostAsync(target, body, cancellationToken);
                attachmentId = (string?)answer.Descendants(T + "AttachmentId").SingleOrDefault()?.Attribute("Id") ?? "";
                var peak = await sampler.StopAsync();
                var after = await PeakSampler.SettledRssAsync(server, cancellationToken);
                failed |= attachmentId.Length == 0;
                figures.Add(("create-20MB", before, peak, after));
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"attachment create-20MB status={status} ok={attachmentId.Length > 0} elapsed_s={clock.Elapsed.TotalSeconds:F2} rss_before_mb={before:F0} rss_peak_mb={peak:F0} rss_after_mb={after:F0}"));
            }

            body = [];
            before = await PeakSampler.SettledRssAsync(server, cancellationToken);
            using (var sampler = new PeakSampler(server))
            {
                var clock = System.Diagnostics.Stopwatch.StartNew();
                var (length, hash) = await ReadContentAsync(target, GetAttachment(attachmentId), cancellationToken);
                var peak = await sampler.StopAsync();
                var after = await PeakSampler.SettledRssAsync(server, cancellationToken);
                var same = length == content.Length && hash.AsSpan().SequenceEqual(expected);
                failed |= !same;
                figures.Add(("get-20MB", before, peak, after));
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"attachment get-20MB bytes={length} unchanged={same} elapsed_s={clock.Elapsed.TotalSeconds:F2} rss_before_mb={before:F0} rss_peak_mb={peak:F0} rss_after_mb={after:F0}"));
            }

            // Out: the item's MimeContent, its 20 MB attachment a base64 part written from the store as it is written.
            var mimeFile = data + ".eml";
            long mimeLength;
            before = await PeakSampler.SettledRssAsync(server, cancellationToken);
            using (var sampler = new PeakSampler(server))
            {
                var clock = System.Diagnostics.Stopwatch.StartNew();
                await using (var file = File.Create(mimeFile))
                {
                    (mimeLength, _) = await ReadBase64Async(target, GetItemMime(itemId), "MimeContent", file, cancellationToken);
                }

                var peak = await sampler.StopAsync();
                var after = await PeakSampler.SettledRssAsync(server, cancellationToken);
                var same = LargePartOf(mimeFile) is { } part && SHA256.HashData(part).AsSpan().SequenceEqual(expected);
                failed |= !same;
                figures.Add(("mime-get-20MB", before, peak, after));
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"attachment mime-get-20MB mime_bytes={mimeLength} part_unchanged={same} elapsed_s={clock.Elapsed.TotalSeconds:F2} rss_before_mb={before:F0} rss_peak_mb={peak:F0} rss_after_mb={after:F0}"));
            }

            // In: CreateItem of a message from that MimeContent, whose parts become its attachments.
            body = Requests.Envelope(CreateFromMime(Convert.ToBase64String(await File.ReadAllBytesAsync(mimeFile, cancellationToken))));
            File.Delete(mimeFile);
            log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"mime-create: a {body.Length / 1048576.0:F1} MiB request"));
            before = await PeakSampler.SettledRssAsync(server, cancellationToken);
            string copyId;
            using (var sampler = new PeakSampler(server))
            {
                var clock = System.Diagnostics.Stopwatch.StartNew();
                var (status, answer) = await PostAsync(target, body, cancellationToken);
                // The warm-up's small attachments have the same name: the large one is the last part, so the last attachment.
                copyId = (string?)answer.Descendants(T + "FileAttachment").LastOrDefault(a => (string?)a.Element(T + "Name") == "large.bin")?.Element(T + "AttachmentId")?.Attribute("Id") ?? "";
                var peak = await sampler.StopAsync();
                var after = await PeakSampler.SettledRssAsync(server, cancellationToken);
                figures.Add(("mime-create-20MB", before, peak, after));
                body = [];
                var (length, hash) = copyId.Length == 0 ? (0L, Array.Empty<byte>()) : await ReadContentAsync(target, GetAttachment(copyId), cancellationToken);
                var same = length == content.Length && hash.AsSpan().SequenceEqual(expected);
                failed |= !same;
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"attachment mime-create-20MB status={status} attachment_unchanged={same} elapsed_s={clock.Elapsed.TotalSeconds:F2} rss_before_mb={before:F0} rss_peak_mb={peak:F0} rss_after_mb={after:F0}"));
            }

            var baseline = figures[0].Before;
            foreach (var (name, _, peak, _) in figures)
            {
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"# target {name} within 100 MB of the baseline ({baseline:F0} MB): +{peak - baseline:F0} MB at peak {(peak - baseline < 100 ? "met" : "MISSED")}"));
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

        return failed ? 1 : 0;
    }

    private static string CreateAttachment(string itemId, byte[] content) =>
        $"<m:CreateAttachment><m:ParentItemId Id=\"{itemId}\"/><m:Attachments><t:FileAttachment><t:Name>large.bin</t:Name><t:Content>{Convert.ToBase64String(content)}</t:Content></t:FileAttachment></m:Attachments></m:CreateAttachment>";

    private static string GetItemMime(string id) =>
        $"<m:GetItem><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape><t:IncludeMimeContent>true</t:IncludeMimeContent></m:ItemShape><m:ItemIds><t:ItemId Id=\"{id}\"/></m:ItemIds></m:GetItem>";

    private static string CreateFromMime(string base64) =>
        $"<m:CreateItem MessageDisposition=\"SaveOnly\"><m:Items><t:Message><t:MimeContent CharacterSet=\"UTF-8\">{base64}</t:MimeContent></t:Message></m:Items></m:CreateItem>";

    /// <summary>The decoded bytes of the last part named large.bin (the warm-up's are before it) in the message saved at <paramref name="path"/> (MimeKit), or null.</summary>
    private static byte[]? LargePartOf(string path)
    {
        using var stream = File.OpenRead(path);
        using var message = MimeKit.MimeMessage.Load(stream);
        if (message.BodyParts.OfType<MimeKit.MimePart>().LastOrDefault(p => p.FileName == "large.bin") is not { Content: { } content })
        {
            return null;
        }

        using var decoded = new MemoryStream();
        content.DecodeTo(decoded);
        return decoded.ToArray();
    }

    private static string GetAttachment(string id) =>
        $"<m:GetAttachment><m:AttachmentIds><t:AttachmentId Id=\"{id}\"/></m:AttachmentIds></m:GetAttachment>";

    /// <summary>The Content of a GetAttachment response, decoded as it streams in: its length and SHA-256.</summary>
    private static Task<(long Length, byte[] Hash)> ReadContentAsync(EwsTarget target, string body, CancellationToken cancellationToken) =>
        ReadBase64Async(target, body, "Content", Stream.Null, cancellationToken);

    /// <summary>The base64 element <paramref name="element"/> of a response, decoded into <paramref name="sink"/> as it streams in: its length and SHA-256.</summary>
    private static async Task<(long Length, byte[] Hash)> ReadBase64Async(EwsTarget target, string body, string element, Stream sink, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, target.Url) { Content = new ByteArrayContent(Requests.Envelope(body)) };
        request.Headers.TryAddWithoutValidation("Authorization", target.Authorization(User));
        request.Content.Headers.TryAddWithoutValidation("Content-Type", "text/xml; charset=utf-8");
        using var response = await target.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        using var reader = XmlReader.Create(stream, new XmlReaderSettings { Async = true });
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        long length = 0;
        var buffer = new byte[64 * 1024];
        while (await reader.ReadAsync())
        {
            if (reader.NodeType == XmlNodeType.Element && reader.LocalName == element)
            {
                int read;
                while ((read = await reader.ReadElementContentAsBase64Async(buffer, 0, buffer.Length)) > 0)
                {
                    hash.AppendData(buffer, 0, read);
                    await sink.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                    length += read;
                }
            }
        }

        return (length, hash.GetHashAndReset());
    }

    /// <summary>Posts a whole request as the user and reads the answer, with its HTTP status.</summary>
    private static async Task<(int Status, XDocument Answer)> PostAsync(EwsTarget target, byte[] body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, target.Url) { Content = new ByteArrayContent(body) };
        request.Headers.TryAddWithoutValidation("Authorization", target.Authorization(User));
        request.Content.Headers.TryAddWithoutValidation("Content-Type", "text/xml; charset=utf-8");
        using var response = await target.Http.SendAsync(request, cancellationToken);
        return ((int)response.StatusCode, XDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken)));
    }
}
