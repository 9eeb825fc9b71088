using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
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
    public async Task HandleAsync(HttpContext http)
    {
        var cancellation = http.RequestAborted;
        if (!HttpMethods.IsPost(http.Request.Method))
        {
            http.Response.StatusCode = StatusCodes.Status405MethodNotAllowed;
            http.Response.Headers.Allow = "POST";
            return;
        }

        var user = await authenticator.AuthenticateAsync(http.Request.Headers.Authorization, cancellation);
        if (user is null)
        {
            // Note: exchangelib and DavMail first POST without credentials and need this challenge to send them.
            http.Response.StatusCode = StatusCodes.Status401Unauthorized;
            http.Response.Headers.WWWAuthenticate = $"Basic realm=\"{options.Realm}\"";
            return;
        }

        using var output = new MemoryStream();
        var status = StatusCodes.Status200OK;
        string operationName = "?";
        try
        {
            using var body = await ReadBodyAsync(http.Request, options.Limits.MaxRequestBytes, cancellation);
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

            var request = new EwsRequest
            {
                Soap = soap,
                User = user,
                Store = store,
                Time = options.Time,
                Logger = logger,
                Cancellation = cancellation,
            };
            var writeBody = await handler(request);
            SoapWriter.WriteResponse(output, writeBody, soap.Zone);
        }
        catch (EwsException e)
        {
            status = StatusCodes.Status500InternalServerError;
            output.SetLength(0);
            SoapWriter.WriteFault(output, e);
        }
        catch (StoreFullException e)
        {
            logger.LogError(e, "{Operation}: the store is full", operationName);
            status = StatusCodes.Status500InternalServerError;
            output.SetLength(0);
            SoapWriter.WriteFault(output, EwsRequest.InsufficientResources());
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellation.IsCancellationRequested)
        {
            logger.LogError(e, "{Operation} failed", operationName);
            status = StatusCodes.Status500InternalServerError;
            output.SetLength(0);
            SoapWriter.WriteFault(output, new EwsException(ResponseCodes.ErrorInternalServerError, "An internal server error occurred. The operation failed."));
        }

        http.Response.StatusCode = status;
        http.Response.ContentType = "text/xml; charset=utf-8";
        http.Response.ContentLength = output.Length;
        output.Position = 0;
        await output.CopyToAsync(http.Response.Body, cancellation);
    }

    private static async Task<MemoryStream> ReadBodyAsync(HttpRequest request, long limit, CancellationToken cancellationToken)
    {
        if (request.ContentLength > limit)
        {
            throw TooLarge(limit);
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
                    throw TooLarge(limit);
                }

                buffer.Write(chunk, 0, read);
            }
        }
        catch (BadHttpRequestException e)
        {
            // Kestrel's own limits: a chunked body past MaxRequestBodySize (413), or one sent slower than the minimum
            // data rate (408). The client still gets an EWS answer if its connection is open.
            await buffer.DisposeAsync();
            throw e.StatusCode == StatusCodes.Status413PayloadTooLarge
                ? TooLarge(limit)
                : new EwsFaultException(ResponseCodes.ErrorInvalidRequest, "The request is invalid: the body was not received completely or in time.");
        }

        buffer.Position = 0;
        return buffer;
    }

    private static EwsFaultException TooLarge(long limit) =>
        new(ResponseCodes.ErrorInvalidRequest, $"The request is invalid: the body is larger than the limit of {limit} bytes.");
}
