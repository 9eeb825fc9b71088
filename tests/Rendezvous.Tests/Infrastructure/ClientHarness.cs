using System.Net;
using System.Text;
using System.Xml.Linq;
using Rendezvous.Client;
using Rendezvous.Protocol;

namespace Rendezvous.Tests.Infrastructure;

/// <summary>
/// Rendezvous.Client under test: every request it sends, and every answer it reads, is checked against Microsoft's
/// schema, so the client stays usable against any server that follows it (Exchange included).
/// </summary>
public static class ClientHarness
{
    public static EwsClient Client(this ServerFixture fixture, string user, ExchangeVersion version = ExchangeVersion.Exchange2016, string? timeZone = null, string? password = null) =>
        new(
            new EwsClientOptions
            {
                Url = new Uri(fixture.Url),
                Credentials = EwsCredentials.Basic(user, password ?? ServerFixture.Password),
                RequestServerVersion = version,
                TimeZone = timeZone,
            },
            new HttpClient(new SchemaCheckingHandler(new HttpClientHandler())));

    /// <summary>A client whose server is <paramref name="handler"/> (for canned responses).</summary>
    public static EwsClient Client(HttpMessageHandler handler, ExchangeVersion version = ExchangeVersion.Exchange2013) =>
        new(
            new EwsClientOptions
            {
                Url = new Uri("http://ews.invalid/EWS/Exchange.asmx"),
                Credentials = EwsCredentials.Basic("user@example.com", "pw"),
                RequestServerVersion = version,
            },
            new HttpClient(handler));
}

/// <summary>Validates each request against the schema before it leaves, and each XML answer when it comes back.</summary>
public sealed class SchemaCheckingHandler(HttpMessageHandler inner) : DelegatingHandler(inner)
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var sent = XDocument.Parse(await request.Content!.ReadAsStringAsync(cancellationToken));
        var errors = SchemaValidator.Validate(sent);
        Assert.True(errors.Count == 0, "The client's request is not schema-valid:\n" + string.Join("\n", errors) + "\n" + sent);
        var response = await base.SendAsync(request, cancellationToken);
        if (response.Content.Headers.ContentType?.MediaType?.Contains("xml", StringComparison.Ordinal) == true)
        {
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            var answer = SchemaValidator.Validate(XDocument.Parse(text));
            Assert.True(answer.Count == 0, "The server's answer is not schema-valid:\n" + string.Join("\n", answer) + "\n" + text);
        }

        return response;
    }
}

/// <summary>
/// A server that answers with recorded responses, in turn (the last one again once they run out), and keeps what it
/// was sent.
/// </summary>
public sealed class CannedHandler(IReadOnlyList<string> responses, HttpStatusCode status = HttpStatusCode.OK) : HttpMessageHandler
{
    public CannedHandler(string response, HttpStatusCode status = HttpStatusCode.OK)
        : this([response], status)
    {
    }

    public List<XDocument> Requests { get; } = [];

    public List<HttpRequestMessage> Messages { get; } = [];

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        Requests.Add(XDocument.Parse(await request.Content!.ReadAsStringAsync(cancellationToken)));
        Messages.Add(request);
        var text = responses[Math.Min(Requests.Count, responses.Count) - 1];
        return new HttpResponseMessage(status) { Content = new StringContent(text, Encoding.UTF8, "text/xml") };
    }
}
