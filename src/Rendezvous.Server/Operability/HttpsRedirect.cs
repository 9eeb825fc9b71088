using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Rendezvous.Server;

/// <summary>
/// --https-redirect: a plain http:// request to the EWS path from beyond loopback is answered 308 Permanent Redirect
/// to the same path over https, before any sign-in is looked at (its credentials crossed the network already, but
/// the client learns where to go). 308 rather than 301: clients repeat the POST with its body. Loopback is left
/// alone, for local tools and for a TLS terminator on the same machine.
/// </summary>
internal static class HttpsRedirect
{
    /// <summary>Where a redirect goes: an https:// public URL, else the https:// listener (null: on the request's host, at its port).</summary>
    public static (Uri? Base, int Port) Target(ServerOptions options, IReadOnlyList<Uri> listeners)
    {
        if (options.PublicUrl is { } text && Listeners.Base(text) is { Scheme: "https" } publicUrl)
        {
            return (publicUrl, publicUrl.Port);
        }

        var https = listeners.FirstOrDefault(l => l.Scheme == Uri.UriSchemeHttps)
            ?? throw new ServerStartException("--https-redirect needs an https:// --public-url or an https:// URL to listen on");
        if (https.Port == 0)
        {
            throw new ServerStartException("--https-redirect needs the https:// listener's own port (not 0) or an https:// --public-url");
        }

        // A wildcard or loopback listener names no host a remote client can reach: the request's own host is used.
        return (Listeners.IsWildcard(https) || Listeners.IsLoopback(https) ? null : Listeners.Base(https.GetLeftPart(UriPartial.Authority)), https.Port);
    }

    public static void UseHttpsRedirect(this WebApplication app, ServerOptions options, IReadOnlyList<Uri> listeners)
    {
        if (!options.HttpsRedirect)
        {
            return;
        }

        var (target, port) = Target(options, listeners);
        app.Use((http, next) =>
        {
            var request = http.Request;
            if (request.IsHttps || !request.Path.StartsWithSegments("/EWS", StringComparison.OrdinalIgnoreCase)
                || http.Connection.RemoteIpAddress is not { } client || IPAddress.IsLoopback(client.IsIPv4MappedToIPv6 ? client.MapToIPv4() : client))
            {
                return next(http);
            }

            var root = target ?? new UriBuilder(Uri.UriSchemeHttps, request.Host.Host, port).Uri;
            http.Response.StatusCode = StatusCodes.Status308PermanentRedirect;
            http.Response.Headers.Location = new Uri(root, (request.PathBase + request.Path).Value!.TrimStart('/') + request.QueryString).AbsoluteUri;
            // The body is left unread: the connection closes after the answer.
            http.Response.Headers.Connection = "close";
            return Task.CompletedTask;
        });
    }
}
