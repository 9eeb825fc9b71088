using System.Net;
using System.Text;
using System.Text.Json;
using Rendezvous.Server;
using Rendezvous.Tests.Infrastructure;

namespace Rendezvous.Tests;

/// <summary>
/// The request log as the server writes it itself (issue 19 §6): through the batched sink, not the console logger, in the
/// console log's own forms (text, or JSON with --log-json); flushed on a short timer and at a stop; a stalled output
/// drops and counts lines and holds no request. The real server over HTTP, its sink's output captured.
/// </summary>
public sealed class RequestLogTests
{
    private const string Alice = ServerFixture.Alice;

    [Fact]
    public async Task Each_request_is_one_line_in_the_console_form_with_operation_user_status_codes_duration_and_size_and_never_the_password()
    {
        var output = new CaptureStream();
        await using var server = await OperabilityTests.StartAsync(o => o.RequestLogOutput = new RequestLogOutput { Stream = output });
        using var http = new HttpClient();
        await server.CallAsync(http, Alice, OperabilityTests.GetInboxAndUnknown);
        await server.CallAsync(http, Alice, "<m:GetFolder><m:Bogus/></m:GetFolder>");
        await EwsHttp.PostAsync(http, server.Url, Alice, "not XML");
        await http.GetAsync(new Uri(server.Base + "/health/ready"));
        Assert.Equal(HttpStatusCode.Unauthorized, await server.StatusAsync(http, Alice, "wrong password", OperabilityTests.GetInbox));

        // Written by the timer while the server runs, not only at its stop.
        await OperabilityTests.EventuallyAsync(() => Task.FromResult(output.Lines().Count >= 3));
        var lines = output.Lines();
        Assert.True(lines.Count == 3, output.Text);
        Assert.Matches(@"^info: Rendezvous\.Requests\[1\] GetFolder user=alice@example\.com status=200 codes=NoError,ErrorInvalidIdMalformed ms=[0-9.]+ bytes=[1-9][0-9]*$", lines[0]);
        Assert.Matches(@"^info: Rendezvous\.Requests\[1\] GetFolder user=alice@example\.com status=500 codes=fault:ErrorSchemaValidation ms=[0-9.]+ bytes=[1-9][0-9]*$", lines[1]);
        Assert.Matches(@"^info: Rendezvous\.Requests\[1\] POST /EWS/Exchange\.asmx user=alice@example\.com status=500 codes=fault:ErrorInvalidRequest ms=[0-9.]+ bytes=7$", lines[2]);
        var credentials = Convert.ToBase64String(Encoding.UTF8.GetBytes(Alice + ":" + ServerFixture.Password));
        Assert.DoesNotContain(ServerFixture.Password, output.Text, StringComparison.Ordinal);
        Assert.DoesNotContain(credentials, output.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("wrong password", output.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_log_json_each_line_is_the_JSON_console_formatters_object_with_the_fields_as_State_properties()
    {
        var output = new CaptureStream();
        var server = await OperabilityTests.StartAsync(o =>
        {
            o.JsonLog = true;
            o.RequestLogOutput = new RequestLogOutput { Stream = output };
        });
        using var http = new HttpClient();
        await server.CallAsync(http, Alice, OperabilityTests.GetInboxAndUnknown);
        await server.CallAsync(http, Alice, "<m:GetFolder><m:Bogus/></m:GetFolder>");
        await server.DisposeAsync();

        var lines = output.Lines();
        Assert.True(lines.Count == 2, output.Text);
        using var first = JsonDocument.Parse(lines[0]);
        var root = first.RootElement;
        Assert.Equal(1, root.GetProperty("EventId").GetInt32());
        Assert.Equal("Information", root.GetProperty("LogLevel").GetString());
        Assert.Equal("Rendezvous.Requests", root.GetProperty("Category").GetString());
        Assert.Matches(@"^GetFolder user=alice@example\.com status=200 codes=NoError,ErrorInvalidIdMalformed ms=[0-9.]+ bytes=[1-9][0-9]*$", root.GetProperty("Message").GetString());
        var state = root.GetProperty("State");
        // The JSON console formatter's State: the fields in their order, then the template.
        Assert.Equal(["Operation", "User", "Status", "Codes", "DurationMs", "RequestBytes", "{OriginalFormat}"], state.EnumerateObject().Select(p => p.Name));
        Assert.Equal("GetFolder", state.GetProperty("Operation").GetString());
        Assert.Equal(Alice, state.GetProperty("User").GetString());
        Assert.Equal(200, state.GetProperty("Status").GetInt32());
        Assert.Equal("NoError,ErrorInvalidIdMalformed", state.GetProperty("Codes").GetString());
        Assert.True(state.GetProperty("DurationMs").GetDouble() >= 0);
        Assert.True(state.GetProperty("RequestBytes").GetInt64() > 0);
        Assert.Equal("{Operation} user={User} status={Status} codes={Codes} ms={DurationMs} bytes={RequestBytes}", state.GetProperty("{OriginalFormat}").GetString());
        using var second = JsonDocument.Parse(lines[1]);
        Assert.Equal("fault:ErrorSchemaValidation", second.RootElement.GetProperty("State").GetProperty("Codes").GetString());
    }

    [Fact]
    public async Task Lines_still_waiting_for_the_timer_are_written_at_the_stop()
    {
        var output = new CaptureStream();
        // A timer that never comes during the test: only the stop writes the lines.
        var server = await OperabilityTests.StartAsync(o => o.RequestLogOutput = new RequestLogOutput { Stream = output, FlushInterval = TimeSpan.FromHours(1) });
        using var http = new HttpClient();
        for (var i = 0; i < 20; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await server.CallAsync(http, Alice, OperabilityTests.GetInbox)).Status);
        }

        Assert.Empty(output.Text);
        await server.DisposeAsync();
        var lines = output.Lines();
        Assert.Equal(20, lines.Count);
        Assert.All(lines, l => Assert.StartsWith($"info: Rendezvous.Requests[1] GetFolder user={Alice} status=200 codes=NoError ms=", l, StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_output_that_stalls_holds_no_request_and_the_lines_it_cannot_take_are_dropped_counted_and_reported()
    {
        var output = new CaptureStream { Stalled = true };
        var server = await OperabilityTests.StartAsync(o => o.RequestLogOutput = new RequestLogOutput { Stream = output, FlushInterval = TimeSpan.FromMilliseconds(1), BufferBytes = 1000 });
        using var http = new HttpClient();
        var before = await OperabilityTests.ScrapeAsync(http, server.Base);
        const int requests = 40;
        for (var i = 0; i < requests; i++)
        {
            // Each answered although the writer is stuck in its first write.
            Assert.Equal(HttpStatusCode.OK, (await server.CallAsync(http, Alice, OperabilityTests.GetInbox)).Status);
        }

        var after = await OperabilityTests.ScrapeAsync(http, server.Base);
        output.Release();
        await server.DisposeAsync();

        var lines = output.Lines();
        var written = lines.Count(l => l.StartsWith("info: Rendezvous.Requests[1] GetFolder ", StringComparison.Ordinal));
        var report = Assert.Single(lines, l => l.StartsWith("warn: Rendezvous.Requests[2] ", StringComparison.Ordinal));
        var dropped = int.Parse(report.Split(' ')[2], System.Globalization.CultureInfo.InvariantCulture);
        Assert.EndsWith(" request log lines dropped: the log's output did not keep up", report, StringComparison.Ordinal);
        // 1,000 bytes hold about ten lines: most were dropped, and every request is either written or counted.
        Assert.True(dropped >= requests / 2, output.Text);
        Assert.Equal(requests, written + dropped);
        Assert.True(after.Sum("rdv_request_log_dropped_total") - before.Sum("rdv_request_log_dropped_total") >= dropped, after.Text);
    }

    [Fact]
    public async Task A_stop_with_an_output_stalled_for_good_still_ends()
    {
        var output = new CaptureStream { Stalled = true };
        var server = await OperabilityTests.StartAsync(o =>
        {
            o.ShutdownTimeout = TimeSpan.FromSeconds(1);
            o.RequestLogOutput = new RequestLogOutput { Stream = output, FlushInterval = TimeSpan.FromMilliseconds(1) };
        });
        using var http = new HttpClient();
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await server.CallAsync(http, Alice, OperabilityTests.GetInbox)).Status);
        }

        // The writer is stuck in a write that never returns: the stop gives the last flush its own timeout, then ends.
        await server.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(60));
        output.Release();
    }

    /// <summary>What the sink writes, kept; while <see cref="Stalled"/>, a write waits (an output that takes nothing).</summary>
    private sealed class CaptureStream : Stream
    {
        private readonly MemoryStream bytes = new();
        private readonly ManualResetEventSlim open = new(true);

        public bool Stalled
        {
            get => !open.IsSet;
            init
            {
                if (value)
                {
                    open.Reset();
                }
            }
        }

        public string Text
        {
            get
            {
                lock (bytes)
                {
                    return Encoding.UTF8.GetString(bytes.ToArray());
                }
            }
        }

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public void Release() => open.Set();

        public List<string> Lines() => [.. Text.Split('\n', StringSplitOptions.RemoveEmptyEntries)];

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            open.Wait(TimeSpan.FromMinutes(2));
            lock (bytes)
            {
                bytes.Write(buffer);
            }
        }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                open.Dispose();
                bytes.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
