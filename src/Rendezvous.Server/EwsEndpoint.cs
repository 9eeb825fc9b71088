using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Rendezvous.Domain;
using Rendezvous.Edge;
using Rendezvous.Protocol;
using Rendezvous.Services;
using Rendezvous.Store;

namespace Rendezvous.Server;

/// <summary>
/// POST /EWS/Exchange.asmx, for a user the sign-in scheme let through (<see cref="MailboxSignIn"/>): read the body
/// within limits, parse, dispatch on the first element of soap:Body (clients send no SOAPAction) to the operation's
/// entry in <see cref="EwsOperations"/>, and write the response: buffered, or streamed in parts. Every failure of the
/// whole request is turned into a SOAP fault here, and only here.
/// </summary>
public sealed class EwsEndpoint(IMailStore store, SeriesCache seriesCache, ServerOptions options, IHostApplicationLifetime lifetime, ILogger<EwsEndpoint> logger, ILogger<AccessLog> accessLog, NotificationHub? notifications = null)
{
    private readonly SemaphoreSlim largeRequests = new(options.RequestLimits.MaxConcurrentLargeRequests);
    private readonly MemoryTrimmer trimmer = new(options.Time);
    private readonly IReadOnlyDictionary<string, EwsOperation> operations = options.OperationTable ?? EwsOperations.Default;
    private readonly Dictionary<string, int> streamsPerUser = new(StringComparer.Ordinal);

    public async Task HandleAsync(HttpContext http)
    {
        var cancellation = http.RequestAborted;
        if (await MailboxSignIn.UserAsync(http, store, cancellation) is not { } user)
        {
            await http.ChallengeAsync(MailboxSignIn.Scheme);
            return;
        }

        // What the request log and the metrics report (RequestLogging sets it; a host without it still answers).
        var record = http.Features.Get<RequestRecord>() ?? new RequestRecord();
        record.Entered = true;
        // The response spills to a temporary file beyond a small buffer, so a large one is never held in memory, and
        // it is complete before anything is sent, so a failure while it is written still becomes a fault.
        await using var output = new FileBufferingWriteStream(options.RequestLimits.ResponseBufferBytes);
        // A stream ends when its client goes away or the server stops (the host waits for running requests).
        using var streamEnd = CancellationTokenSource.CreateLinkedTokenSource(cancellation, lifetime.ApplicationStopping);
        EwsStreamWriter? stream = null;
        EwsException? fault = null;
        EwsRequest? request = null;
        long requestBytes = 0;
        string operationName = "?";
        // File attachment contents are decoded here as the request is parsed (never a string), to memory or a temporary file.
        using var spool = new BinarySpool();
        try
        {
            await using var body = await ReadBodyAsync(http.Request, options.Limits.MaxRequestBytes, cancellation);
            requestBytes = body.Length;
            record.RequestBytes = requestBytes;
            var soap = SoapRequest.Parse(body, options.Limits, spool, name =>
            {
                // Named before its arguments are checked: a schema fault is still counted under its operation.
                record.Operation = Values.Excerpt(name);
                record.Known = operations.ContainsKey(name);
                return record.Known && !Operations.UncheckedArguments.Contains(name);
            });
            operationName = soap.OperationName;
            if (!operations.TryGetValue(soap.OperationName, out var operation))
            {
                throw NotServed(soap.OperationName);
            }

            if (string.Equals(http.Request.Headers["X-PreferServerAffinity"], "true", StringComparison.OrdinalIgnoreCase))
            {
                // A client that keeps a group of subscriptions on one mailbox server asks for affinity and sends the cookie
                // back (how-to-maintain-affinity-between-group-of-subscriptions-and-mailbox-server.md). One node: one value.
                http.Response.Cookies.Append("X-BackEndOverrideCookie", "rendezvous", new CookieOptions { Path = "/", HttpOnly = true });
            }

            var mailboxUser = soap.Impersonation is { } impersonation ? await ImpersonatedAsync(user, impersonation, cancellation) : user;
            if (!ReferenceEquals(mailboxUser, user))
            {
                logger.LogInformation(AccessLog.Event, "{Access}: {Actor} acted as {Mailbox} in {Operation}", "impersonation", user.Address, mailboxUser.Address, soap.OperationName);
            }

            request = new EwsRequest
            {
                Soap = soap,
                User = mailboxUser,
                SignedIn = user,
                Store = store,
                Time = options.Time,
                SeriesCache = seriesCache,
                Logger = logger,
                AccessLog = accessLog,
                Cancellation = operation.Streaming is null ? cancellation : streamEnd.Token,
                Limits = options.RequestLimits,
                AttachmentLimits = options.Attachments,
                LargeRequests = largeRequests,
                Notifications = notifications,
                Stopping = lifetime.ApplicationStopping,
            };
            if (operation.Streaming is { } streaming)
            {
                // Note: an impersonated stream counts against the mailbox it is for, as Exchange's connection budget: a
                // service account opens one per mailbox it serves (handling-notification-related-errors-in-ews-in-exchange.md).
                EnterStream(mailboxUser.MailboxId);
                try
                {
                    // Parts are written until the client goes away: a server that stops still sends the part saying so.
                    stream = new EwsStreamWriter(http.Response, soap.Zone, cancellation, record.ResponseCodes);
                    await streaming(request, stream);
                }
                finally
                {
                    LeaveStream(mailboxUser.MailboxId);
                }
            }
            else
            {
                var writeBody = await operation.Buffered!(request);
                void WriteCounted(EwsWriter w)
                {
                    w.ResponseCodeCounts = record.ResponseCodes;
                    writeBody(w);
                }

                if (operation.DeclaresXsi)
                {
                    SoapWriter.WriteResponseDeclaringXsi(output, WriteCounted, soap.Zone);
                }
                else
                {
                    SoapWriter.WriteResponse(output, WriteCounted, soap.Zone);
                }
            }
        }
        catch (EwsException e)
        {
            fault = e;
        }
        catch (StoreFullException e)
        {
            logger.LogError(e, "{Operation}: the store is full", operationName);
            fault = EwsRequest.InsufficientResources();
        }
        catch (OperationCanceledException) when (stream is { Started: true } && streamEnd.IsCancellationRequested)
        {
            // The client went away or the server is stopping: the stream simply ends.
        }
        catch (Exception e) when (e is not OperationCanceledException || !(stream is null ? cancellation : streamEnd.Token).IsCancellationRequested)
        {
            logger.LogError(e, "{Operation} failed", operationName);
            fault = new EwsException(ResponseCodes.ErrorInternalServerError, "An internal server error occurred. The operation failed.");
        }
        finally
        {
            // The response is written out: a client slow to read it holds a file, not a large-request slot.
            var large = request?.HoldsLargeSlot == true || requestBytes >= MemoryTrimmer.LargeBytes || output.Length >= MemoryTrimmer.LargeBytes;
            request?.ReleaseLargeSlot();
            if (request is not null)
            {
                await request.ReleaseHeldAsync();
            }
            if (large)
            {
                trimmer.Schedule();
            }
        }

        if (fault is not null)
        {
            // What a failed response had written is dropped: its codes are not what the client gets.
            record.ResponseCodes.Clear();
            record.Fault = fault.Code;
        }

        if (stream is { Started: true })
        {
            // Parts were sent with a 200: a failure after them is told in one last part, a fault envelope.
            if (fault is not null)
            {
                await stream.TryWriteFaultAsync(fault);
            }

            return;
        }

        http.Response.ContentType = "text/xml; charset=utf-8";
        if (fault is not null)
        {
            // A fault is small and written afresh: what the failed response had written is dropped with the buffer.
            using var faultOutput = new MemoryStream();
            SoapWriter.WriteFault(faultOutput, fault);
            http.Response.StatusCode = StatusCodes.Status500InternalServerError;
            http.Response.ContentLength = faultOutput.Length;
            faultOutput.Position = 0;
            await faultOutput.CopyToAsync(http.Response.Body, cancellation);
            return;
        }

        http.Response.StatusCode = StatusCodes.Status200OK;

        http.Response.ContentLength = output.Length;
        await output.DrainBufferAsync(http.Response.Body, cancellation);
    }

    /// <summary>
    /// The mailbox a request's ExchangeImpersonation acts as, if the signed-in account holds the right (its own mailbox
    /// needs none); otherwise a fault, as Exchange answers an impersonation header before the operation:
    /// ErrorImpersonateUserDenied when the account may not act as that mailbox, and alike when it holds no right over
    /// every mailbox and the mailbox does not exist (so that the header does not tell which addresses exist);
    /// ErrorNonExistentMailbox only to an account that may act as every mailbox. A SID names no account here: this
    /// server keeps none, so it is a mailbox that does not exist.
    /// </summary>
    /// <remarks>
    /// Note: ErrorImpersonationDenied (Exchange 2007's right to impersonate through a Client Access server at all) is not
    /// given: since Exchange 2010 both rights are the ApplicationImpersonation role, and an account without it gets
    /// ErrorImpersonateUserDenied, which is what EWS Managed API and exchangelib applications see and report.
    /// </remarks>
    private async Task<UserRecord> ImpersonatedAsync(UserRecord signedIn, ConnectingSid target, CancellationToken cancellationToken)
    {
        var address = target.Kind == ConnectingIdKind.Sid ? null : target.Value;
        if (address is not null && address.Equals(signedIn.Address, StringComparison.OrdinalIgnoreCase))
        {
            return signedIn;
        }

        var user = address is null ? null : await store.FindUserAsync(address, cancellationToken);
        var grants = await store.ListGrantsAsync(signedIn.MailboxId, cancellationToken);
        return Grants.Impersonation(grants, user?.MailboxId) switch
        {
            ImpersonationOutcome.Allowed => user!,
            ImpersonationOutcome.NoSuchMailbox => throw new EwsFaultException(ResponseCodes.ErrorNonExistentMailbox,
                target.Kind == ConnectingIdKind.Sid ? "The SID does not name an account with a mailbox." : "The SMTP address has no mailbox associated with it."),
            _ => throw new EwsFaultException(ResponseCodes.ErrorImpersonateUserDenied, "The account does not have permission to impersonate the requested user."),
        };
    }

    /// <summary>
    /// The fault for an operation this server does not answer: one of EWS's (services.wsdl) by its operation name, as
    /// not implemented, anything else as unknown. Both carry ServerVersionInfo, as every fault does.
    /// </summary>
    /// <remarks>Note: not ErrorInvalidRequest, which exchangelib takes for a version mismatch and retries under every version.</remarks>
    internal static EwsFaultException NotServed(string element) =>
        WsdlOperations.ByElement.TryGetValue(element, out var name)
            ? new EwsFaultException(ResponseCodes.ErrorInvalidOperation, $"The operation {name} is not implemented by this server.")
            : new EwsFaultException(ResponseCodes.ErrorInvalidOperation, $"The operation '{Values.Excerpt(element)}' is not supported by this server.");

    /// <summary>A stream holds a connection for as long as it lasts: a user may hold only so many (<see cref="ConnectionLimits.MaxStreamsPerUser"/>).</summary>
    private void EnterStream(string mailbox)
    {
        var limit = options.Connections.MaxStreamsPerUser;
        lock (streamsPerUser)
        {
            var open = streamsPerUser.GetValueOrDefault(mailbox);
            if (open >= limit)
            {
                throw new EwsFaultException(ResponseCodes.ErrorExceededConnectionCount, string.Create(System.Globalization.CultureInfo.InvariantCulture,
                    $"The account has {open} streaming connections open, the limit ({nameof(ConnectionLimits.MaxStreamsPerUser)} {limit}). Close one, or get the events of several subscriptions on one connection."));
            }

            streamsPerUser[mailbox] = open + 1;
        }
    }

    private void LeaveStream(string mailbox)
    {
        lock (streamsPerUser)
        {
            var open = streamsPerUser[mailbox] - 1;
            if (open == 0)
            {
                streamsPerUser.Remove(mailbox);
            }
            else
            {
                streamsPerUser[mailbox] = open;
            }
        }
    }

    /// <summary>How much of a request body is kept in memory; a larger one (attachments) is buffered in a temporary file.</summary>
    private const int BodyMemoryBytes = 1024 * 1024;

    private static async Task<Stream> ReadBodyAsync(HttpRequest request, long limit, CancellationToken cancellationToken)
    {
        if (request.ContentLength > limit)
        {
            throw Unread(request, TooLarge(limit));
        }

        // Reading through it buffers the body (pooled memory, then a file); it is then read again from its start.
        var buffer = new FileBufferingReadStream(request.Body, BodyMemoryBytes, null, Path.GetTempPath());
        var chunk = new byte[16 * 1024];
        int read;
        long total = 0;
        try
        {
            while ((read = await buffer.ReadAsync(chunk, cancellationToken)) > 0)
            {
                total += read;
                if (total > limit)
                {
                    await buffer.DisposeAsync();
                    throw Unread(request, TooLarge(limit));
                }
            }
        }
        catch (BadHttpRequestException e)
        {
            // Kestrel's own limits: a chunked body past MaxRequestBodySize (413), or one sent slower than the minimum
            // data rate (408). The client still gets an EWS answer if its connection is open.
            await buffer.DisposeAsync();
            throw Unread(request, e.StatusCode == StatusCodes.Status413PayloadTooLarge
                ? TooLarge(limit)
                : new EwsFaultException(ResponseCodes.ErrorInvalidRequest, "The request is invalid: the body was not received completely or in time."));
        }

        buffer.Position = 0;
        return buffer;
    }

    /// <summary>
    /// The body is left unread, so Kestrel closes the connection after the fault: say so (Connection: close), so that a
    /// client does not send its next request on a connection about to go.
    /// </summary>
    private static EwsFaultException Unread(HttpRequest request, EwsFaultException fault)
    {
        request.HttpContext.Response.Headers.Connection = "close";
        return fault;
    }

    private static EwsFaultException TooLarge(long limit) =>
        new(ResponseCodes.ErrorInvalidRequest, $"The request is invalid: the body is larger than the limit of {limit} bytes.");
}

/// <summary>A handler that streams: it writes its response in parts, over time, through <paramref name="response"/>.</summary>
public delegate Task StreamingOperationHandler(EwsRequest request, EwsStreamWriter response);

/// <summary>
/// One entry of the endpoint's dispatch table, which says how its response is written: <see cref="Buffered"/>, the
/// shape of every operation so far (the handler's work done, then its body written whole and sent with a length), or
/// <see cref="Streaming"/> (a chunked 200 whose parts are each a complete SOAP envelope, written and flushed as the
/// handler goes, as GetStreamingEvents answers).
/// </summary>
public sealed class EwsOperation
{
    private EwsOperation(OperationHandler? buffered, StreamingOperationHandler? streaming, bool declaresXsi = false)
    {
        Buffered = buffered;
        Streaming = streaming;
        DeclaresXsi = declaresXsi;
    }

    public OperationHandler? Buffered { get; }

    public StreamingOperationHandler? Streaming { get; }

    /// <summary>Whether the buffered response's envelope declares the xsi prefix (<see cref="Operations.DeclaringXsi"/>).</summary>
    public bool DeclaresXsi { get; }

    public static EwsOperation Of(OperationHandler handler, bool declaresXsi = false) => new(handler, null, declaresXsi);

    public static EwsOperation Streamed(StreamingOperationHandler handler) => new(null, handler);
}

/// <summary>The endpoint's dispatch table: every entry of <see cref="Operations.Table"/>, buffered, and the streaming ones.</summary>
public static class EwsOperations
{
    public static readonly IReadOnlyDictionary<string, EwsOperation> Default = With();

    /// <summary>The default table with <paramref name="more"/> added or replacing entries (a test's own operation, say).</summary>
    public static IReadOnlyDictionary<string, EwsOperation> With(params (string Name, EwsOperation Operation)[] more)
    {
        var table = Operations.Table.ToDictionary(p => p.Key, p => EwsOperation.Of(p.Value, Operations.DeclaringXsi.Contains(p.Key)), StringComparer.Ordinal);
        foreach (var (name, handler) in Operations.Streaming)
        {
            table[name] = EwsOperation.Streamed(handler);
        }

        foreach (var (name, operation) in more)
        {
            table[name] = operation;
        }

        return table;
    }
}

/// <summary>
/// What a streaming handler writes through. Each <see cref="WriteAsync"/> is one complete SOAP envelope (with
/// ServerVersionInfo, in the request's time zone), written and flushed at once; the first one sends the 200 and its
/// headers, chunked. Cancelled (<see cref="EwsRequest.Cancellation"/>) when the client goes away or the server stops.
/// Kestrel's minimum response data rate still holds: it is measured only while a write waits for the client, so a
/// quiet stream is never cut, and a client that stops reading while a part is pending is.
/// </summary>
public sealed class EwsStreamWriter
{
    private readonly HttpResponse response;
    private readonly TimeZoneInfo? zone;
    private readonly CancellationToken cancellation;
    private readonly IDictionary<string, int>? responseCodes;

    internal EwsStreamWriter(HttpResponse response, TimeZoneInfo? zone, CancellationToken cancellation, IDictionary<string, int>? responseCodes = null)
    {
        this.response = response;
        this.zone = zone;
        this.cancellation = cancellation;
        this.responseCodes = responseCodes;
    }

    /// <summary>Whether a part was sent: from then on a failure can no longer be an HTTP 500 fault.</summary>
    public bool Started { get; private set; }

    /// <summary>Writes one envelope with <paramref name="writeBody"/> as its body and flushes it to the client.</summary>
    public async Task WriteAsync(Action<EwsWriter> writeBody)
    {
        // A part is built whole before any of it is sent, so a failure while writing it sends nothing of it.
        using var part = new MemoryStream();
        SoapWriter.WriteStreamedResponse(part, w =>
        {
            w.ResponseCodeCounts = responseCodes;
            writeBody(w);
        }, zone);
        await SendAsync(part);
    }

    /// <summary>The fault as a last part; a client already gone is not an error.</summary>
    internal async Task TryWriteFaultAsync(EwsException fault)
    {
        using var part = new MemoryStream();
        SoapWriter.WriteFault(part, fault);
        try
        {
            await SendAsync(part);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException)
        {
        }
    }

    private async Task SendAsync(MemoryStream part)
    {
        if (!Started)
        {
            response.StatusCode = StatusCodes.Status200OK;
            response.ContentType = "text/xml; charset=utf-8";
            // No length: HTTP/1.1 sends it chunked. Nothing between here and the socket may hold a part back.
            response.HttpContext.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
            Started = true;
        }

        await response.Body.WriteAsync(part.GetBuffer().AsMemory(0, (int)part.Length), cancellation);
        await response.Body.FlushAsync(cancellation);
    }
}
