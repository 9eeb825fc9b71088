using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Logging;
using Rendezvous.Domain;
using Rendezvous.Ews;
using Rendezvous.Protocol;
using Rendezvous.Store;

namespace Rendezvous.Server;

/// <summary>
/// POST /EWS/Exchange.asmx: authenticate, read the body within limits, parse, dispatch on the first element
/// of soap:Body (clients send no SOAPAction), and write the response. Every failure of the whole request is
/// turned into a SOAP fault here, and only here.
/// </summary>
public sealed class EwsEndpoint(IMailStore store, BasicAuthenticator authenticator, ServerOptions options, ILogger<EwsEndpoint> logger)
{
    private readonly SemaphoreSlim largeRequests = new(options.RequestLimits.MaxConcurrentLargeRequests);
    private readonly MemoryTrimmer trimmer = new(options.Time);

    public async Task HandleAsync(HttpContext http)
    {
        var cancellation = http.RequestAborted;
        if (!HttpMethods.IsPost(http.Request.Method))
        {
            http.Response.StatusCode = StatusCodes.Status405MethodNotAllowed;
            http.Response.Headers.Allow = "POST";
            return;
        }

        var signIn = await authenticator.SignInAsync(http.Request.Headers.Authorization, http.Connection.RemoteIpAddress, cancellation);
        if (signIn.User is not { } user)
        {
            await RefuseAsync(http.Response, signIn, cancellation);
            return;
        }

        // The response spills to a temporary file beyond a small buffer, so a large one is never held in memory, and
        // it is complete before anything is sent, so a failure while it is written still becomes a fault.
        await using var output = new FileBufferingWriteStream(options.RequestLimits.ResponseBufferBytes);
        EwsException? fault = null;
        EwsRequest? request = null;
        long requestBytes = 0;
        string operationName = "?";
        try
        {
            using var body = await ReadBodyAsync(http.Request, options.Limits.MaxRequestBytes, cancellation);
            requestBytes = body.Length;
            var soap = SoapRequest.Parse(body, options.Limits);
            operationName = soap.OperationName;
            if (!Operations.Table.TryGetValue(soap.OperationName, out var handler))
            {
                // Note: not ErrorInvalidRequest, which exchangelib takes for a version mismatch and retries under every version.
                throw new EwsFaultException(ResponseCodes.ErrorInvalidOperation,
                    $"The operation '{Values.Excerpt(soap.OperationName)}' is not supported by this server.");
            }

            if (soap.ImpersonatedAddress is { } impersonated && !impersonated.Equals(user.Address, StringComparison.OrdinalIgnoreCase))
            {
                throw new EwsFaultException(ResponseCodes.ErrorAccessDenied, "The account does not have permission to impersonate the requested user.");
            }

            request = new EwsRequest
            {
                Soap = soap,
                User = user,
                Store = store,
                Time = options.Time,
                Logger = logger,
                Cancellation = cancellation,
                Limits = options.RequestLimits,
                LargeRequests = largeRequests,
            };
            var writeBody = await handler(request);
            SoapWriter.WriteResponse(output, writeBody, soap.Zone);
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
        catch (Exception e) when (e is not OperationCanceledException || !cancellation.IsCancellationRequested)
        {
            logger.LogError(e, "{Operation} failed", operationName);
            fault = new EwsException(ResponseCodes.ErrorInternalServerError, "An internal server error occurred. The operation failed.");
        }
        finally
        {
            // The response is written out: a client slow to read it holds a file, not a large-request slot.
            var large = request?.HoldsLargeSlot == true || requestBytes >= MemoryTrimmer.LargeBytes || output.Length >= MemoryTrimmer.LargeBytes;
            request?.ReleaseLargeSlot();
            if (large)
            {
                trimmer.Schedule();
            }
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

    private async Task RefuseAsync(HttpResponse response, SignInResult signIn, CancellationToken cancellationToken)
    {
        if (signIn.Outcome == SignInOutcome.Busy)
        {
            // Not a verdict on the credentials: exchangelib's fault-tolerant policy backs off on 503 and retries.
            response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            response.Headers.RetryAfter = Seconds(signIn.RetryAfter);
            return;
        }

        // Note: exchangelib and DavMail first POST without credentials and need this challenge to send them.
        response.StatusCode = StatusCodes.Status401Unauthorized;
        response.Headers.WWWAuthenticate = $"Basic realm=\"{options.Realm}\"";
        if (signIn.Outcome == SignInOutcome.Throttled)
        {
            // Note: exchangelib reports this text as "The referenced account is currently locked out" (UnauthorizedError)
            // instead of "Invalid credentials", and its fault-tolerant policy waits for Retry-After before trying again.
            response.Headers.RetryAfter = Seconds(signIn.RetryAfter);
            response.ContentType = "text/plain; charset=utf-8";
            response.ContentLength = LockedOut.Length;
            await response.Body.WriteAsync(LockedOut, cancellationToken);
        }
    }

    private static readonly byte[] LockedOut = "The referenced account is currently locked out. Try again later.\n"u8.ToArray();

    private static string Seconds(TimeSpan wait) => ((long)Math.Ceiling(Math.Max(1, wait.TotalSeconds))).ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static async Task<MemoryStream> ReadBodyAsync(HttpRequest request, long limit, CancellationToken cancellationToken)
    {
        if (request.ContentLength > limit)
        {
            throw Unread(request, TooLarge(limit));
        }

        var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        try
        {
            while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
            {
                if (buffer.Length + read > limit)
                {
                    throw Unread(request, TooLarge(limit));
                }

                buffer.Write(chunk, 0, read);
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
