using System.Net;
using System.Security.Cryptography.X509Certificates;

namespace Rendezvous.Server;

/// <summary>The server's options cannot start it: a listener, a certificate or the public URL is wrong.</summary>
public sealed class ServerStartException(string message) : Exception(message);

/// <summary>Checks of what the server listens on and gives out, made before anything is opened.</summary>
public static class Listeners
{
    /// <summary>
    /// The URLs to listen on. A plain http:// one beyond loopback is refused unless <see cref="ServerOptions.AllowInsecureBasic"/>:
    /// Basic sign-in would send every password in clear text. An https:// one needs a certificate.
    /// </summary>
    public static IReadOnlyList<Uri> Check(ServerOptions options)
    {
        var urls = new List<Uri>();
        foreach (var text in options.Urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            // Kestrel's wildcards (http://*:80, http://+:80) are no URI host: read as "every interface".
            if (!Uri.TryCreate(text.Replace("://*", "://0.0.0.0", StringComparison.Ordinal).Replace("://+", "://0.0.0.0", StringComparison.Ordinal), UriKind.Absolute, out var url)
                || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
            {
                throw new ServerStartException($"{text} is not an http:// or https:// URL to listen on");
            }

            if (url.Scheme == Uri.UriSchemeHttp && !IsLoopback(url) && !options.AllowInsecureBasic)
            {
                throw new ServerStartException(
                    $"{text} is plain HTTP beyond loopback: Basic sign-in would send passwords in clear text. Listen on https:// (--cert FILE --key FILE), on 127.0.0.1, or pass --allow-insecure-basic (behind a TLS terminator)");
            }

            urls.Add(url);
        }

        if (urls.Count == 0)
        {
            throw new ServerStartException("no URL to listen on");
        }

        if (urls.Any(u => u.Scheme == Uri.UriSchemeHttps) && options.CertificatePath is null)
        {
            throw new ServerStartException("an https:// URL needs a certificate: --cert FILE --key FILE (PEM; `rdv dev-cert` makes one for localhost)");
        }

        if (options.PublicUrl is { } publicUrl)
        {
            _ = Base(publicUrl);
        }

        return urls;
    }

    public static bool IsLoopback(Uri url) =>
        url.IsLoopback || (IPAddress.TryParse(url.Host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address));

    /// <summary>Every interface: an address to listen on, not one to give out.</summary>
    public static bool IsWildcard(Uri url) =>
        IPAddress.TryParse(url.Host.Trim('[', ']'), out var address) && (address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any));

    /// <summary>A base URL as given out, ending in '/' so that relative paths go under it.</summary>
    public static Uri Base(string text) =>
        Uri.TryCreate(text.EndsWith('/') ? text : text + "/", UriKind.Absolute, out var url) && (url.Scheme == Uri.UriSchemeHttp || url.Scheme == Uri.UriSchemeHttps) && url.Query.Length == 0
            ? url
            : throw new ServerStartException($"{text} is not an http:// or https:// base URL");

    /// <summary>The certificate and key from their PEM files.</summary>
    public static X509Certificate2 LoadCertificate(ServerOptions options)
    {
        var path = options.CertificatePath ?? throw new ServerStartException("no certificate given");
        try
        {
            return X509Certificate2.CreateFromPemFile(path, options.KeyPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException or ArgumentException)
        {
            throw new ServerStartException($"cannot read the certificate {path}{(options.KeyPath is null ? "" : " and key " + options.KeyPath)}: {e.Message}");
        }
    }
}
