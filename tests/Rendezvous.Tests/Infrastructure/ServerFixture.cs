using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Xml.Linq;
using Rendezvous.Server;
using Rendezvous.Store;
using Rendezvous.Protocol;

namespace Rendezvous.Tests.Infrastructure;

/// <summary>The real server on a loopback port with a temporary data folder and three mailboxes.</summary>
public class ServerFixture : IAsyncLifetime
{
    public const string Alice = "alice@example.com";
    public const string Bob = "bob@example.com";
    public const string Carol = "carol@example.com";
    public const string Password = "correct horse battery staple";

    private readonly Action<ServerOptions>? configure;
    private RendezvousServer? server;

    public ServerFixture()
    {
    }

    /// <summary>A server with other options (limits), for the tests that need them; xUnit uses the public constructor.</summary>
    internal ServerFixture(Action<ServerOptions> configure) => this.configure = configure;

    public string DataDirectory { get; } = Path.Combine(Path.GetTempPath(), "rdv-tests-" + Guid.NewGuid().ToString("N"));

    public RendezvousServer Server => server ?? throw new InvalidOperationException("not started");

    public string Url => Server.EwsUrl;

    public HttpClient Http { get; } = new();

    public async Task InitializeAsync()
    {
        var options = new ServerOptions
        {
            Urls = "http://127.0.0.1:0",
            DataDirectory = DataDirectory,
            Limits = new Protocol.XmlLimits(MaxRequestBytes: 1024 * 1024, MaxDepth: 64),
            // Every test speaks from 127.0.0.1 to this one server: lockouts would couple unrelated tests that use
            // wrong passwords. The throttling itself is tested on servers of its own (Security/SignInSecurityTests).
            SignIn = new SignInPolicy { FreeFailuresPerAccount = 10_000, FreeFailuresPerClient = 10_000 },
        };
        configure?.Invoke(options);
        await ConfigureAsync(options);
        server = await RendezvousServer.StartAsync(options);
        foreach (var (address, name) in new[] { (Alice, "Alice Martin"), (Bob, "Bob Durand"), (Carol, "Carol Petit") })
        {
            await server.Store.AddUserAsync(address, name, PasswordHasher.Hash(Password, 1000), CancellationToken.None);
        }
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        if (server is not null)
        {
            await server.DisposeAsync();
        }

        await CleanUpAsync();

        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>Sets what a kind of fixture changes in the server's options before it starts (its store).</summary>
    protected virtual Task ConfigureAsync(ServerOptions options) => Task.CompletedTask;

    /// <summary>Removes what <see cref="ConfigureAsync"/> made, once the server stopped.</summary>
    protected virtual Task CleanUpAsync() => Task.CompletedTask;

    /// <summary>Posts a SOAP body as <paramref name="user"/> and checks the response against the schema.</summary>
    public Task<EwsResponse> PostAsync(string user, string envelope, string? password = null) => EwsHttp.PostAsync(Http, Url, user, envelope, password);

    public Task<EwsResponse> CallAsync(string user, string body, string version = "Exchange2013_SP1") =>
        PostAsync(user, Soap.Envelope(body, version));
}

public sealed record EwsResponse(HttpStatusCode Status, XDocument Document)
{
    public static readonly XNamespace M = Ews.M;
    public static readonly XNamespace T = Ews.T;

    public IReadOnlyList<XElement> Messages =>
        [.. Document.Descendants(M + "ResponseMessages").SelectMany(r => r.Elements())];

    public XElement Single()
    {
        Assert.Equal(HttpStatusCode.OK, Status);
        return Assert.Single(Messages);
    }

    public XElement Ok()
    {
        var message = Single();
        Assert.True((string?)message.Attribute("ResponseClass") == "Success", message.ToString());
        return message;
    }

    public string Code(int index = 0) => Messages[index].Element(M + "ResponseCode")!.Value;

    public string? FaultCode => Document.Descendants(Ews.Soap + "Fault").FirstOrDefault()?.Element("faultcode")?.Value;

    public XElement? ServerVersionInfo => Document.Descendants(T + "ServerVersionInfo").FirstOrDefault();
}

/// <summary>One EWS call over HTTP to any server of the tests, its response checked against the schema.</summary>
public static class EwsHttp
{
    public static async Task<EwsResponse> PostAsync(HttpClient http, string url, string user, string envelope, string? password = null, bool expectContinue = false)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(envelope, Encoding.UTF8, "text/xml") };
        request.Headers.ExpectContinue = expectContinue;
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(user + ":" + (password ?? ServerFixture.Password))));
        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode is HttpStatusCode.OK or HttpStatusCode.InternalServerError, $"HTTP {(int)response.StatusCode}: {text}");
        var doc = XDocument.Parse(text);
        var errors = SchemaValidator.Validate(doc);
        Assert.True(errors.Count == 0, "Response is not schema-valid:\n" + string.Join("\n", errors) + "\n" + text);
        return new EwsResponse(response.StatusCode, doc);
    }
}

public static class Soap
{
    public const string Namespaces =
        "xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\" xmlns:m=\"http://schemas.microsoft.com/exchange/services/2006/messages\" xmlns:t=\"http://schemas.microsoft.com/exchange/services/2006/types\"";

    public static string Envelope(string body, string? version = "Exchange2013_SP1", string? extraHeader = null) =>
        $"""
        <?xml version="1.0" encoding="utf-8"?>
        <s:Envelope {Namespaces}>
          <s:Header>{(version is null ? "" : $"<t:RequestServerVersion Version=\"{version}\"/>")}{extraHeader}</s:Header>
          <s:Body>{body}</s:Body>
        </s:Envelope>
        """;
}

[CollectionDefinition(Name)]
public sealed class ServerCollection : ICollectionFixture<ServerFixture>
{
    public const string Name = "server";
}

/// <summary>The same server on PostgreSQL: a database of its own (<see cref="PostgresCluster"/>), its data folder unused.</summary>
public sealed class PostgresServerFixture : ServerFixture
{
    private string? connectionString;

    public PostgresServerFixture()
    {
    }

    /// <summary>A server with other options as well (<see cref="ServerFixture(Action{ServerOptions})"/>).</summary>
    internal PostgresServerFixture(Action<ServerOptions> configure)
        : base(configure)
    {
    }

    protected override async Task ConfigureAsync(ServerOptions options)
    {
        connectionString = await PostgresCluster.CreateDatabaseAsync();
        options.Store = new StoreLocation(StoreKind.Postgres, options.DataDirectory, connectionString);
    }

    protected override async Task CleanUpAsync()
    {
        if (connectionString is not null)
        {
            await PostgresCluster.DropDatabaseAsync(connectionString);
        }
    }
}

[CollectionDefinition(Name)]
public sealed class PostgresServerCollection : ICollectionFixture<PostgresServerFixture>
{
    public const string Name = "server on PostgreSQL";
}
