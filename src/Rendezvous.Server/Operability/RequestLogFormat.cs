using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace Rendezvous.Server;

/// <summary>One request's fields, as <see cref="RequestLogging"/> gives them to the sink.</summary>
internal readonly record struct RequestLogLine(string Operation, string User, int Status, RequestRecord Record, double DurationMs, long RequestBytes);

/// <summary>
/// A request line as UTF-8 bytes, in the form the console logger gives every other line (the operator's contract,
/// README "Request log"): text as the simple console formatter writes it on one line
/// (<c>info: Rendezvous.Requests[1] GetFolder user=... status=200 codes=NoError ms=3.1 bytes=452</c>), or with
/// <c>--log-json</c> the JSON console formatter's object (EventId, LogLevel, Category, Message, and State with each
/// field and {OriginalFormat}, its escaping too: compared with the console logger's own output of main 8ec4943). Formatted straight into a per-thread buffer: no string is made but the ones the request already has.
/// </summary>
internal sealed class RequestLogFormat(bool json, bool colors)
{
    public const string OriginalFormat = "{Operation} user={User} status={Status} codes={Codes} ms={DurationMs} bytes={RequestBytes}";

    private const string DroppedFormat = "{Dropped} request log lines dropped: the log's output did not keep up";

    // The simple console formatter's level names, in its colours when it writes them to a terminal.
    private static readonly byte[] Info = "info: "u8.ToArray();
    private static readonly byte[] InfoColored = "\u001b[40m\u001b[32minfo\u001b[39m\u001b[22m\u001b[49m: "u8.ToArray();
    private static readonly byte[] Warn = "warn: "u8.ToArray();
    private static readonly byte[] WarnColored = "\u001b[40m\u001b[1m\u001b[33mwarn\u001b[39m\u001b[22m\u001b[49m: "u8.ToArray();

    [ThreadStatic]
    private static Scratch? scratch;

    /// <summary>The line, valid until this thread formats the next one.</summary>
    public ReadOnlySpan<byte> Format(in RequestLogLine line)
    {
        var s = scratch ??= new Scratch();
        s.Message.ResetWrittenCount();
        Message(s.Message, line);
        s.Line.ResetWrittenCount();
        if (!json)
        {
            Text(s.Line, colors ? InfoColored : Info, 1, s.Message.WrittenSpan);
            return s.Line.WrittenSpan;
        }

        var w = s.Json(s.Line);
        Start(w, 1, nameof(LogLevel.Information), s.Message.WrittenSpan);
        w.WriteString("Operation", line.Operation);
        w.WriteString("User", line.User);
        w.WriteNumber("Status", line.Status);
        s.Codes.ResetWrittenCount();
        Codes(s.Codes, line.Record);
        w.WriteString("Codes", s.Codes.WrittenSpan);
        w.WriteNumber("DurationMs", line.DurationMs);
        w.WriteNumber("RequestBytes", line.RequestBytes);
        End(w, OriginalFormat);
        s.Line.Write("\n"u8);
        return s.Line.WrittenSpan;
    }

    /// <summary>The warning that <paramref name="count"/> lines were dropped (event 2), written before the next block.</summary>
    public byte[] Dropped(long count)
    {
        var message = Encoding.UTF8.GetBytes(count.ToString(CultureInfo.InvariantCulture) + DroppedFormat["{Dropped}".Length..]);
        var buffer = new ArrayBufferWriter<byte>(256);
        if (!json)
        {
            Text(buffer, colors ? WarnColored : Warn, 2, message);
            return buffer.WrittenSpan.ToArray();
        }

        using (var w = new Utf8JsonWriter(buffer))
        {
            Start(w, 2, nameof(LogLevel.Warning), message);
            w.WriteNumber("Dropped", count);
            End(w, DroppedFormat);
        }

        return [.. buffer.WrittenSpan, (byte)'\n'];
    }

    private static void Text(ArrayBufferWriter<byte> buffer, byte[] level, int eventId, ReadOnlySpan<byte> message)
    {
        buffer.Write(level);
        buffer.Write("Rendezvous.Requests["u8);
        Number(buffer, eventId);
        buffer.Write("] "u8);
        buffer.Write(message);
        buffer.Write("\n"u8);
    }

    private static void Start(Utf8JsonWriter w, int eventId, string level, ReadOnlySpan<byte> message)
    {
        w.WriteStartObject();
        w.WriteNumber("EventId", eventId);
        w.WriteString("LogLevel", level);
        w.WriteString("Category", RequestLogging.Category);
        w.WriteString("Message", message);
        w.WriteStartObject("State");
    }

    private static void End(Utf8JsonWriter w, string originalFormat)
    {
        w.WriteString("{OriginalFormat}", originalFormat);
        w.WriteEndObject();
        w.WriteEndObject();
        w.Flush();
    }

    /// <summary>"GetFolder user=alice@example.com status=200 codes=NoError ms=3.1 bytes=452", as <see cref="OriginalFormat"/> gives it.</summary>
    private static void Message(ArrayBufferWriter<byte> buffer, in RequestLogLine line)
    {
        String(buffer, line.Operation);
        buffer.Write(" user="u8);
        String(buffer, line.User);
        buffer.Write(" status="u8);
        Number(buffer, line.Status);
        buffer.Write(" codes="u8);
        Codes(buffer, line.Record);
        buffer.Write(" ms="u8);
        line.DurationMs.TryFormat(buffer.GetSpan(32), out var written, default, CultureInfo.InvariantCulture);
        buffer.Advance(written);
        buffer.Write(" bytes="u8);
        Number(buffer, line.RequestBytes);
    }

    /// <summary>"NoError", "NoError*3,ErrorItemNotFound", "fault:ErrorSchemaValidation", or "-" when there was no EWS answer.</summary>
    internal static void Codes(ArrayBufferWriter<byte> buffer, RequestRecord record)
    {
        if (record.Fault is { } fault)
        {
            buffer.Write("fault:"u8);
            String(buffer, fault);
            return;
        }

        if (record.ResponseCodes.Count == 0)
        {
            buffer.Write("-"u8);
            return;
        }

        var first = true;
        foreach (var (code, count) in record.ResponseCodes)
        {
            if (!first)
            {
                buffer.Write(","u8);
            }

            first = false;
            String(buffer, code);
            if (count > 1)
            {
                buffer.Write("*"u8);
                Number(buffer, count);
            }
        }
    }

    private static void String(ArrayBufferWriter<byte> buffer, string text)
    {
        var written = Encoding.UTF8.GetBytes(text, buffer.GetSpan(Encoding.UTF8.GetMaxByteCount(text.Length)));
        buffer.Advance(written);
    }

    private static void Number(ArrayBufferWriter<byte> buffer, long value)
    {
        value.TryFormat(buffer.GetSpan(20), out var written, default, CultureInfo.InvariantCulture);
        buffer.Advance(written);
    }

    /// <summary>A thread's buffers, kept between its lines.</summary>
    private sealed class Scratch
    {
        private Utf8JsonWriter? json;

        public ArrayBufferWriter<byte> Message { get; } = new(256);

        public ArrayBufferWriter<byte> Codes { get; } = new(64);

        public ArrayBufferWriter<byte> Line { get; } = new(512);

        public Utf8JsonWriter Json(ArrayBufferWriter<byte> output)
        {
            if (json is null)
            {
                json = new Utf8JsonWriter(output);
            }
            else
            {
                json.Reset(output);
            }

            return json;
        }
    }
}
