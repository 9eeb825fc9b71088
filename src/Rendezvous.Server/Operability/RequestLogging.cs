using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Rendezvous.Server;

/// <summary>
/// One structured log line per request (category <see cref="Category"/>, Information): the EWS operation, the
/// signed-in address, the HTTP status, the ResponseCodes, the duration and the request's size, never a header or a
/// password; and the EWS request metrics (<see cref="ServerMetrics"/>). Not logged: the health and metrics probes
/// (a scraper every few seconds), and a request refused at sign-in, which the authenticator logs once per checked
/// failure and <c>rdv.signin.refused</c> counts, so that a flood refused during a lockout is no flood of lines.
/// When the server writes its own console log the lines go to <paramref name="sink"/> (batched, no wake-up per line),
/// else through the host's logging (an embedding host's or a test's providers).
/// </summary>
internal sealed class RequestLogging(ILoggerFactory loggers, TimeProvider time, RequestLogSink? sink)
{
    public const string Category = "Rendezvous.Requests";

    private static readonly Action<ILogger, string, string, int, string, double, long, Exception?> Line = LoggerMessage.Define<string, string, int, string, double, long>(
        LogLevel.Information, new EventId(1, "Request"),
        "{Operation} user={User} status={Status} codes={Codes} ms={DurationMs} bytes={RequestBytes}");

    private readonly ILogger log = loggers.CreateLogger(Category);

    public async Task InvokeAsync(HttpContext http, RequestDelegate next)
    {
        if (Operability.IsProbe(http.Request.Path))
        {
            await next(http);
            return;
        }

        var record = new RequestRecord();
        http.Features.Set(record);
        var started = time.GetTimestamp();
        try
        {
            await next(http);
        }
        finally
        {
            var elapsed = time.GetElapsedTime(started);
            var status = http.Response.StatusCode;
            if (record.Entered)
            {
                var outcome = record.Fault is not null ? "fault"
                    : status != StatusCodes.Status200OK ? "http_" + status.ToString(CultureInfo.InvariantCulture)
                    : AnyError(record.ResponseCodes) ? "error"
                    : "success";
                ServerMetrics.Request(record.Known ? record.Operation! : "unknown", outcome, record.Fault, record.ResponseCodes, elapsed);
            }

            if (record.Entered || status is not (StatusCodes.Status401Unauthorized or StatusCodes.Status503ServiceUnavailable))
            {
                Write(http, record, status, elapsed);
            }
        }
    }

    private void Write(HttpContext http, RequestRecord record, int status, TimeSpan elapsed)
    {
        var operation = record.Operation ?? http.Request.Method + " " + Printable(http.Request.Path.Value ?? "");
        var user = http.User.Identity?.Name ?? "-";
        var ms = Math.Round(elapsed.TotalMilliseconds, 1);
        var bytes = record.RequestBytes ?? http.Request.ContentLength ?? 0;
        if (sink is not null)
        {
            sink.Write(new RequestLogLine(operation, user, status, record, ms, bytes));
        }
        else if (log.IsEnabled(LogLevel.Information))
        {
            Line(log, operation, user, status, Codes(record), ms, bytes, null);
        }
    }

    private static bool AnyError(Dictionary<string, int> codes)
    {
        foreach (var code in codes.Keys)
        {
            if (code != Protocol.ResponseCodes.NoError)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>"NoError", "NoError*3,ErrorItemNotFound", "fault:ErrorSchemaValidation", or "-" when there was no EWS answer.</summary>
    private static string Codes(RequestRecord record)
    {
        if (record.Fault is { } fault)
        {
            return "fault:" + fault;
        }

        if (record.ResponseCodes.Count == 0)
        {
            return "-";
        }

        var text = new StringBuilder();
        foreach (var (code, count) in record.ResponseCodes)
        {
            text.Append(text.Length == 0 ? "" : ",").Append(code);
            if (count > 1)
            {
                text.Append('*').Append(count.ToString(CultureInfo.InvariantCulture));
            }
        }

        return text.ToString();
    }

    /// <summary>A path as sent, short and without control characters, so it cannot forge or flood log lines.</summary>
    private static string Printable(string path)
    {
        var text = path.Length > 100 ? path[..100] + "…" : path;
        return string.Create(text.Length, text, (span, source) =>
        {
            for (var i = 0; i < span.Length; i++)
            {
                span[i] = char.IsControl(source[i]) ? '?' : source[i];
            }
        });
    }
}
