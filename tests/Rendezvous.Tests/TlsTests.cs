using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Xml.Linq;
using Rendezvous.Server;
using Rendezvous.Server.Autodiscover;
using Rendezvous.Tests.Infrastructure;
using Rendezvous.Tests.Security;

namespace Rendezvous.Tests;

/// <summary>
/// TLS, the public URL and plain HTTP (issue 19 §1, §2): real HTTPS on loopback with the certificate `rdv dev-cert`
/// makes, HTTP/2 where the client offers it, and Basic over plain HTTP only on loopback unless allowed.
/// </summary>
public sealed class TlsTests : IDisposable
{
    private readonly TempFolder folder = new("rdv-tls-");

    public void Dispose() => folder.Dispose();

    private async Task<(X509Certificate2 Certificate, string CertPath, string KeyPath)> DevCertificateAsync()
    {
        var certificate = DevCertificate.Create(TimeProvider.System);
        var (cert, key) = await DevCertificate.WriteAsync(certificate, folder.Path, CancellationToken.None);
        return (certificate, cert, key);
    }

    /// <summary>A client that trusts exactly this certificate, as a user trusting their dev certificate does.</summary>
    private static HttpClient Trusting(X509Certificate2 certificate) => new(new SocketsHttpHandler
    {
        UseProxy = false,
        SslOptions = { RemoteCertificateValidationCallback = (_, presented, _, _) => presented is not null && presented.GetCertHashString() == certificate.GetCertHashString() },
    })
    { Timeout = TimeSpan.FromSeconds(30) };

    private static string Pox(string address) =>
        $"""<?xml version="1.0" encoding="utf-8"?><Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006"><Request><EMailAddress>{address}</EMailAddress><AcceptableResponseSchema>http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a</AcceptableResponseSchema></Request></Autodiscover>""";

    private static async Task<XDocument> PoxAsync(HttpClient http, string baseUrl)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, baseUrl.TrimEnd('/') + "/autodiscover/autodiscover.xml") { Content = new StringContent(Pox(SecurityServer.Alice), Encoding.UTF8, "text/xml") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(SecurityServer.Alice + ":" + SecurityServer.Password)));
        using var response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return XDocument.Parse(await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Https_with_the_dev_certificate_serves_EWS_over_HTTP2_and_autodiscover_names_https()
    {
        var (certificate, cert, key) = await DevCertificateAsync();
        await using var server = await SecurityServer.StartAsync(o =>
        {
            o.Urls = "https://127.0.0.1:0";
            o.CertificatePath = cert;
            o.KeyPath = key;
        });
        Assert.StartsWith("https://127.0.0.1:", server.Url, StringComparison.Ordinal);
        using var http = Trusting(certificate);
        http.DefaultRequestVersion = HttpVersion.Version20;
        http.DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact;
        Assert.Equal(HttpStatusCode.OK, await server.CallAsync(http, SecurityServer.Alice, SecurityServer.Password));
        using (var probe = await http.GetAsync(new Uri(new Uri(server.Url), "/")))
        {
            Assert.Equal(HttpVersion.Version20, probe.Version);
        }

        var pox = await PoxAsync(http, server.Server.Addresses[0]);
        var expr = pox.Descendants(AutodiscoverNames.Outlook + "Account").Single().Elements(AutodiscoverNames.Outlook + "Protocol").Single(p => p.Element(AutodiscoverNames.Outlook + "Type")?.Value == "EXPR");
        Assert.Equal(server.Url, expr.Element(AutodiscoverNames.Outlook + "EwsUrl")?.Value);
        Assert.Equal("On", expr.Element(AutodiscoverNames.Outlook + "SSL")?.Value);
    }

    [Fact]
    public async Task Https_still_speaks_HTTP1_to_a_client_that_offers_only_that()
    {
        var (certificate, cert, key) = await DevCertificateAsync();
        await using var server = await SecurityServer.StartAsync(o =>
        {
            o.Urls = "https://127.0.0.1:0";
            o.CertificatePath = cert;
            o.KeyPath = key;
        });
        using var http = Trusting(certificate);
        http.DefaultRequestVersion = HttpVersion.Version11;
        http.DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact;
        using var probe = await http.GetAsync(new Uri(new Uri(server.Url), "/"));
        Assert.Equal(HttpVersion.Version11, probe.Version);
        Assert.Equal(HttpStatusCode.OK, await server.CallAsync(http, SecurityServer.Alice, SecurityServer.Password));
    }

    [Fact]
    public async Task The_public_url_is_what_autodiscover_gives_out()
    {
        await using var server = await SecurityServer.StartAsync(o => o.PublicUrl = "https://mail.example.org/rdv");
        Assert.Equal("https://mail.example.org/rdv/EWS/Exchange.asmx", server.Server.PublicEwsUrl);
        using var http = new HttpClient();
        var pox = await PoxAsync(http, server.Server.Addresses[0]);
        Assert.All(pox.Descendants(AutodiscoverNames.Outlook + "EwsUrl").Concat(pox.Descendants(AutodiscoverNames.Outlook + "ASUrl")), e => Assert.Equal("https://mail.example.org/rdv/EWS/Exchange.asmx", e.Value));
    }

    [Theory]
    [InlineData("http://0.0.0.0:0")]
    [InlineData("http://*:0")]
    [InlineData("http://127.0.0.1:0;http://[::]:0")]
    public async Task Plain_http_beyond_loopback_is_refused_at_start(string urls)
    {
        var options = new ServerOptions { Urls = urls, DataDirectory = Path.Combine(folder.Path, "data") };
        var refused = await Assert.ThrowsAsync<ServerStartException>(() => RendezvousServer.StartAsync(options));
        Assert.Contains("--allow-insecure-basic", refused.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(options.DataDirectory));
    }

    [Fact]
    public async Task Plain_http_beyond_loopback_starts_with_a_warning_when_allowed()
    {
        await using var server = await SecurityServer.StartAsync(o =>
        {
            o.Urls = "http://0.0.0.0:0";
            o.AllowInsecureBasic = true;
        });
        Assert.Contains(server.LogLines, l => l.Contains("Basic sign-in over plain HTTP", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Listening_on_every_interface_autodiscover_names_the_host_the_client_asked()
    {
        await using var server = await SecurityServer.StartAsync(o =>
        {
            o.Urls = "http://0.0.0.0:0";
            o.AllowInsecureBasic = true;
        });
        var local = "http://127.0.0.1:" + new Uri(server.Server.Addresses[0]).Port;
        using var http = new HttpClient();
        var pox = await PoxAsync(http, local);
        Assert.All(pox.Descendants(AutodiscoverNames.Outlook + "EwsUrl"), e => Assert.Equal(local + "/EWS/Exchange.asmx", e.Value));
    }

    [Fact]
    public async Task Loopback_plain_http_starts_without_a_warning()
    {
        await using var server = await SecurityServer.StartAsync();
        Assert.DoesNotContain(server.LogLines, l => l.Contains("plain HTTP", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Https_without_a_certificate_is_refused_at_start()
    {
        var options = new ServerOptions { Urls = "https://127.0.0.1:0", DataDirectory = Path.Combine(folder.Path, "data") };
        var refused = await Assert.ThrowsAsync<ServerStartException>(() => RendezvousServer.StartAsync(options));
        Assert.Contains("--cert", refused.Message, StringComparison.Ordinal);
        options.CertificatePath = Path.Combine(folder.Path, "missing.pem");
        await Assert.ThrowsAsync<ServerStartException>(() => RendezvousServer.StartAsync(options));
    }

    [Fact]
    public async Task Dev_cert_writes_a_localhost_certificate_and_a_private_key_only_its_owner_reads()
    {
        var (exit, stdout, stderr) = await Processes.RunAsync(Processes.Rdv("dev-cert", "--out", folder.Path));
        Assert.True(exit == 0, stderr);
        var certPath = Path.Combine(folder.Path, DevCertificate.CertificateFile);
        var keyPath = Path.Combine(folder.Path, DevCertificate.KeyFile);
        using var loaded = X509Certificate2.CreateFromPemFile(certPath, keyPath);
        Assert.True(loaded.HasPrivateKey);
        Assert.Equal("CN=localhost", loaded.Subject);
        Assert.Contains("127.0.0.1", loaded.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single().EnumerateIPAddresses().Select(a => a.ToString()));
        Assert.True(loaded.MatchesHostname("localhost"));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(keyPath));
        }

        Assert.Contains("--cert " + certPath, stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rdv_serve_refuses_plain_http_beyond_loopback_with_a_clear_line()
    {
        var (exit, _, stderr) = await Processes.RunAsync(Processes.Rdv("serve", "--urls", "http://0.0.0.0:0", "--data", Path.Combine(folder.Path, "data")));
        Assert.Equal(1, exit);
        Assert.Contains("--allow-insecure-basic", stderr, StringComparison.Ordinal);
    }
}
