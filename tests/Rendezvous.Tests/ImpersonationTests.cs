using System.Collections.Concurrent;
using System.Xml.Linq;
using Microsoft.Extensions.Logging;
using Rendezvous.Domain;
using Rendezvous.Server;
using Rendezvous.Store;
using Rendezvous.Tests.Infrastructure;

namespace Rendezvous.Tests;

/// <summary>
/// A server of its own (grants would change what the shared server's isolation tests see), whose log is kept: its
/// users are the shared ones, a service account allowed to impersonate every mailbox, one allowed a list, and one with
/// no grant at all.
/// </summary>
public class GrantsFixture : IAsyncLifetime
{
    public const string Service = "booking-svc@example.com";
    public const string Scoped = "crm-svc@example.com";
    public const string Nobody = "intern@example.com";

    private readonly ConcurrentQueue<LogLine> log = new();

    public string DataDirectory { get; } = Path.Combine(Path.GetTempPath(), "rdv-grants-" + Guid.NewGuid().ToString("N"));

    public RendezvousServer Server { get; private set; } = null!;

    public HttpClient Http { get; } = new();

    public IMailStore Store => Server.Store;

    /// <summary>The access log's lines (EventId 1800), each with its structured values.</summary>
    public IReadOnlyList<LogLine> AccessLines => [.. log.Where(l => l.EventId == AccessLog.Event.Id)];

    public async Task InitializeAsync()
    {
        var options = new ServerOptions
        {
            Urls = "http://127.0.0.1:0",
            DataDirectory = DataDirectory,
            SignIn = new SignInPolicy { FreeFailuresPerAccount = 10_000, FreeFailuresPerClient = 10_000 },
        };
        await ConfigureAsync(options);
        Server = await RendezvousServer.StartAsync(options, b => b.AddProvider(new StructuredLoggerProvider(log)).SetMinimumLevel(LogLevel.Information));
        foreach (var (address, name) in new[] { (ServerFixture.Alice, "Alice Martin"), (ServerFixture.Bob, "Bob Durand"), (ServerFixture.Carol, "Carol Petit"), (Service, "Booking"), (Scoped, "CRM"), (Nobody, "Intern") })
        {
            await AddUserAsync(address, name);
        }

        await Store.AddGrantAsync(await IdOf(Service), GrantKind.Impersonation, null, CancellationToken.None);
        await Store.AddGrantAsync(await IdOf(Scoped), GrantKind.Impersonation, await IdOf(ServerFixture.Bob), CancellationToken.None);
    }

    public Task<UserRecord> AddUserAsync(string address, string name) =>
        Store.AddUserAsync(address, name, PasswordHasher.Hash(ServerFixture.Password, 1000), CancellationToken.None);

    public async Task<string> IdOf(string address) => (await Store.FindUserAsync(address, CancellationToken.None))!.MailboxId;

    /// <summary>Where the server's store is (by default the data folder's SQLite).</summary>
    protected virtual Task ConfigureAsync(ServerOptions options) => Task.CompletedTask;

    /// <summary>What a store made by <see cref="ConfigureAsync"/> needs once the server stopped.</summary>
    protected virtual Task CleanUpAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        Http.Dispose();
        await Server.DisposeAsync();
        await CleanUpAsync();
        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>A call as <paramref name="user"/>, impersonating through <paramref name="connectingSid"/> (its inner XML) when given.</summary>
    public Task<EwsResponse> CallAsync(string user, string body, string? connectingSid = null) =>
        EwsHttp.PostAsync(Http, Server.EwsUrl, user, Soap.Envelope(body, "Exchange2013_SP1", connectingSid is null ? null : Impersonation(connectingSid)));

    public Task<EwsResponse> AsAsync(string user, string mailbox, string body) =>
        CallAsync(user, body, $"<t:PrimarySmtpAddress>{mailbox}</t:PrimarySmtpAddress>");

    public static string Impersonation(string connectingSid) =>
        $"<t:ExchangeImpersonation><t:ConnectingSID>{connectingSid}</t:ConnectingSID></t:ExchangeImpersonation>";

    public sealed record LogLine(int EventId, string Text, IReadOnlyDictionary<string, string?> Values);

    private sealed class StructuredLoggerProvider(ConcurrentQueue<LogLine> lines) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new StructuredLogger(lines);

        public void Dispose()
        {
        }
    }

    private sealed class StructuredLogger(ConcurrentQueue<LogLine> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var values = state is IEnumerable<KeyValuePair<string, object?>> pairs
                ? pairs.ToDictionary(p => p.Key, p => p.Value?.ToString(), StringComparer.Ordinal)
                : new Dictionary<string, string?>(StringComparer.Ordinal);
            lines.Enqueue(new LogLine(eventId.Id, formatter(state, exception), values));
        }
    }
}

/// <summary>
/// Issue 18 §4: ExchangeImpersonation acts as the mailbox an administrator let the account impersonate (all, or a
/// list), for every operation; without the grant, the fault Exchange gives, the same whether the mailbox exists or not.
/// </summary>
public abstract class ImpersonationCases(GrantsFixture server)
{
    private static readonly XNamespace T = EwsResponse.T;
    private static readonly XNamespace M = EwsResponse.M;
    private const string Alice = ServerFixture.Alice;
    private const string Bob = ServerFixture.Bob;
    private const string Carol = ServerFixture.Carol;
    private const string Service = GrantsFixture.Service;
    private const string Scoped = GrantsFixture.Scoped;
    private const string Nobody = GrantsFixture.Nobody;

    private static string Tag() => Guid.NewGuid().ToString("N")[..10];

    private static string FindBySubject(string tag, string folder = "calendar") =>
        Requests.FindItem(restriction: $"<t:Contains ContainmentMode=\"Substring\" ContainmentComparison=\"IgnoreCase\"><t:FieldURI FieldURI=\"item:Subject\"/><t:Constant Value=\"{tag}\"/></t:Contains>", folder: folder, shape: "IdOnly");

    private async Task<int> CountAsync(string user, string tag, string folder = "calendar") =>
        (await server.CallAsync(user, FindBySubject(tag, folder))).Ok().Descendants(T + "ItemId").Count();

    [Theory]
    [InlineData("PrimarySmtpAddress")]
    [InlineData("SmtpAddress")]
    [InlineData("PrincipalName")]
    public async Task With_the_grant_a_request_works_in_the_impersonated_mailbox(string identifier)
    {
        var tag = Tag();
        var created = await server.CallAsync(Service, Requests.CreateAppointment("Booked " + tag, "2030-05-06T09:00:00Z", "2030-05-06T10:00:00Z"), $"<t:{identifier}>{Alice}</t:{identifier}>");

        created.Ok();
        Assert.Equal(1, await CountAsync(Alice, tag));
        Assert.Equal(0, await CountAsync(Service, tag));
        // The item is Alice's, by her own rights: she reads it, and so does the service through impersonation.
        var item = await server.CallAsync(Service, Requests.GetItem(created.Ok().ItemId().Id), $"<t:{identifier}>{Alice.ToUpperInvariant()}</t:{identifier}>");
        Assert.Equal("Booked " + tag, item.Ok().T("Subject"));
    }

    [Fact]
    public async Task Without_any_grant_impersonation_is_denied_alike_for_an_existing_and_an_unknown_mailbox()
    {
        var existing = await server.AsAsync(Nobody, Alice, FindBySubject("x"));
        var unknown = await server.AsAsync(Nobody, "no-such-user@example.com", FindBySubject("x"));
        var sid = await server.CallAsync(Nobody, FindBySubject("x"), "<t:SID>S-1-5-21-1493619105-1843311271-3936346804-1118</t:SID>");

        Assert.Equal("a:ErrorImpersonateUserDenied", existing.FaultCode);
        // Nothing tells the two apart: the same code and the same text.
        Assert.Equal(existing.Document.Descendants("faultstring").Single().Value, unknown.Document.Descendants("faultstring").Single().Value);
        Assert.Equal("a:ErrorImpersonateUserDenied", unknown.FaultCode);
        Assert.Equal("a:ErrorImpersonateUserDenied", sid.FaultCode);
        Assert.Equal("ErrorImpersonateUserDenied", existing.Document.Descendants(XNamespace.Get("http://schemas.microsoft.com/exchange/services/2006/errors") + "ResponseCode").Single().Value);
    }

    [Fact]
    public async Task A_grant_for_a_list_reaches_the_listed_mailboxes_only()
    {
        var tag = Tag();
        (await server.AsAsync(Scoped, Bob, Requests.CreateAppointment("Call " + tag, "2030-05-07T09:00:00Z", "2030-05-07T10:00:00Z"))).Ok();
        Assert.Equal(1, await CountAsync(Bob, tag));

        var outside = await server.AsAsync(Scoped, Alice, Requests.CreateAppointment("Call " + tag, "2030-05-07T09:00:00Z", "2030-05-07T10:00:00Z"));
        var unknown = await server.AsAsync(Scoped, "no-such-user@example.com", FindBySubject(tag));

        Assert.Equal("a:ErrorImpersonateUserDenied", outside.FaultCode);
        Assert.Equal(0, await CountAsync(Alice, tag));
        // A list's holder learns nothing of the mailboxes outside it either.
        Assert.Equal("a:ErrorImpersonateUserDenied", unknown.FaultCode);
    }

    [Fact]
    public async Task A_grant_over_every_mailbox_is_told_that_a_mailbox_does_not_exist()
    {
        var unknown = await server.AsAsync(Service, "no-such-user@example.com", FindBySubject("x"));
        var sid = await server.CallAsync(Service, FindBySubject("x"), "<t:SID>S-1-5-21-1493619105-1843311271-3936346804-1118</t:SID>");

        Assert.Equal("a:ErrorNonExistentMailbox", unknown.FaultCode);
        // This server keeps no SIDs: a SID names no mailbox here.
        Assert.Equal("a:ErrorNonExistentMailbox", sid.FaultCode);
    }

    [Theory]
    [InlineData("<t:PrimarySmtpAddress></t:PrimarySmtpAddress>", "a:ErrorInvalidExchangeImpersonationHeaderData")]
    [InlineData("<t:PrincipalName>  </t:PrincipalName>", "a:ErrorInvalidExchangeImpersonationHeaderData")]
    [InlineData("", "a:ErrorInvalidExchangeImpersonationHeaderData")]
    [InlineData("<t:SID>not-a-sid</t:SID>", "a:ErrorInvalidSid")]
    public async Task A_malformed_impersonation_header_is_refused(string connectingSid, string fault)
    {
        var response = await server.CallAsync(Service, FindBySubject("x"), connectingSid);

        Assert.Equal(fault, response.FaultCode);
        Assert.NotNull(response.ServerVersionInfo);
    }

    [Fact]
    public async Task Two_impersonation_headers_are_refused()
    {
        var header = GrantsFixture.Impersonation($"<t:PrimarySmtpAddress>{Bob}</t:PrimarySmtpAddress>") + GrantsFixture.Impersonation($"<t:PrimarySmtpAddress>{Alice}</t:PrimarySmtpAddress>");
        var response = await EwsHttp.PostAsync(server.Http, server.Server.EwsUrl, Scoped, Soap.Envelope(FindBySubject("x"), "Exchange2013_SP1", header));

        Assert.Equal("a:ErrorMoreThanOneAccessModeSpecified", response.FaultCode);
    }

    [Fact]
    public async Task An_account_impersonating_itself_needs_no_grant()
    {
        (await server.AsAsync(Nobody, Nobody, FindBySubject("x"))).Ok();
    }

    [Fact]
    public async Task A_revoked_grant_denies_the_next_request()
    {
        var temp = "temp-svc-" + Tag() + "@example.com";
        var account = await server.AddUserAsync(temp, "Temp");
        await server.Store.AddGrantAsync(account.MailboxId, GrantKind.Impersonation, await server.IdOf(Carol), CancellationToken.None);
        (await server.AsAsync(temp, Carol, FindBySubject("x"))).Ok();

        await server.Store.RemoveGrantsAsync(account.MailboxId, GrantKind.Impersonation, null, CancellationToken.None);

        Assert.Equal("a:ErrorImpersonateUserDenied", (await server.AsAsync(temp, Carol, FindBySubject("x"))).FaultCode);
    }

    [Fact]
    public async Task GetUserAvailability_impersonating_gives_the_mailbox_owner_its_own_details()
    {
        var subject = "Dentist " + Tag();
        (await server.CallAsync(Carol, Requests.CreateAppointment(subject, "2030-05-08T09:00:00Z", "2030-05-08T10:00:00Z"))).Ok();
        var request = AvailabilityTests.Request([(Carol, "Required")], "2030-05-08T00:00:00", "2030-05-09T00:00:00", view: "Detailed");

        var asCarol = await server.AsAsync(Service, Carol, request);
        var asService = await server.CallAsync(Service, request);

        Assert.Equal(subject, asCarol.Document.Descendants(T + "CalendarEvent").Single().T("Subject"));
        Assert.Null(asService.Document.Descendants(T + "CalendarEvent").Single().Element(T + "CalendarEventDetails"));
    }

    [Fact]
    public async Task A_subscription_made_impersonating_belongs_to_the_impersonated_mailbox()
    {
        const string events = "<t:EventTypes><t:EventType>NewMailEvent</t:EventType><t:EventType>CreatedEvent</t:EventType></t:EventTypes>";
        var subscribe = (await server.AsAsync(Service, Bob, $"<m:Subscribe><m:PullSubscriptionRequest><t:FolderIds><t:DistinguishedFolderId Id=\"inbox\"/></t:FolderIds>{events}<t:Timeout>10</t:Timeout></m:PullSubscriptionRequest></m:Subscribe>")).Ok();
        var id = subscribe.Element(M + "SubscriptionId")!.Value;
        var watermark = subscribe.Element(M + "Watermark")!.Value;
        var tag = Tag();
        (await server.CallAsync(Carol, $"""
            <m:CreateItem MessageDisposition="SendOnly"><m:Items><t:Message><t:Subject>Hello {tag}</t:Subject>
            <t:ToRecipients><t:Mailbox><t:EmailAddress>{Bob}</t:EmailAddress></t:Mailbox></t:ToRecipients></t:Message></m:Items></m:CreateItem>
            """)).Ok();
        var getEvents = $"<m:GetEvents><m:SubscriptionId>{id}</m:SubscriptionId><m:Watermark>{watermark}</m:Watermark></m:GetEvents>";

        var asBob = (await server.AsAsync(Service, Bob, getEvents)).Ok();
        var asService = await server.CallAsync(Service, getEvents);

        Assert.NotEmpty(asBob.Descendants(T + "NewMailEvent"));
        // The service account's own requests do not reach Bob's subscription, nor does Bob's mailbox leak into them.
        Assert.Equal("Error", (string?)asService.Single().Attribute("ResponseClass"));
    }

    [Fact]
    public async Task Attachments_are_created_and_read_in_the_impersonated_mailbox()
    {
        var item = (await server.AsAsync(Service, Alice, Requests.CreateAppointment("Brief " + Tag(), "2030-05-09T09:00:00Z", "2030-05-09T10:00:00Z"))).Ok().ItemId();
        var attach = $"""<m:CreateAttachment><m:ParentItemId Id="{item.Id}"/><m:Attachments><t:FileAttachment><t:Name>brief.txt</t:Name><t:Content>{Convert.ToBase64String("agenda"u8.ToArray())}</t:Content></t:FileAttachment></m:Attachments></m:CreateAttachment>""";

        var created = (await server.AsAsync(Service, Alice, attach)).Ok();
        var attachmentId = (string)created.Descendants(T + "AttachmentId").Single().Attribute("Id")!;
        var get = $"""<m:GetAttachment><m:AttachmentIds><t:AttachmentId Id="{attachmentId}"/></m:AttachmentIds></m:GetAttachment>""";

        Assert.Equal(Convert.ToBase64String("agenda"u8.ToArray()), (await server.CallAsync(Alice, get)).Ok().T("Content"));
        Assert.Equal("ErrorItemNotFound", (await server.CallAsync(Service, attach)).Code());
    }

    [Fact]
    public async Task Every_impersonated_request_is_one_structured_access_log_line()
    {
        var tag = Tag();
        (await server.AsAsync(Service, Carol, FindBySubject(tag))).Ok();

        var line = Assert.Single(server.AccessLines, l => l.Values.GetValueOrDefault("Mailbox") == Carol && l.Values.GetValueOrDefault("Operation") == "FindItem" && l.Values.GetValueOrDefault("Actor") == Service);
        Assert.Equal("impersonation", line.Values["Access"]);
        // A denied attempt acted as no one: it is no access line.
        var before = server.AccessLines.Count;
        Assert.Equal("a:ErrorImpersonateUserDenied", (await server.AsAsync(Nobody, Carol, FindBySubject(tag))).FaultCode);
        Assert.DoesNotContain(server.AccessLines.Skip(before), l => l.Values.GetValueOrDefault("Actor") == Nobody);
    }

    [Fact]
    public void The_impersonation_decision_reveals_a_missing_mailbox_only_to_a_grant_over_every_mailbox()
    {
        GrantRecord[] all = [new("svc", GrantKind.Impersonation, null)];
        GrantRecord[] listed = [new("svc", GrantKind.Impersonation, "bob"), new("svc", GrantKind.SendAs, "alice")];

        Assert.Equal(ImpersonationOutcome.Allowed, Grants.Impersonation(all, "alice"));
        Assert.Equal(ImpersonationOutcome.NoSuchMailbox, Grants.Impersonation(all, null));
        Assert.Equal(ImpersonationOutcome.Allowed, Grants.Impersonation(listed, "bob"));
        Assert.Equal(ImpersonationOutcome.Denied, Grants.Impersonation(listed, "alice")); // send-as is no impersonation
        Assert.Equal(ImpersonationOutcome.Denied, Grants.Impersonation(listed, null));
        Assert.Equal(ImpersonationOutcome.Denied, Grants.Impersonation([], "alice"));
    }
}

/// <summary>On the data folder's SQLite store.</summary>
public sealed class ImpersonationTests(GrantsFixture server) : ImpersonationCases(server), IClassFixture<GrantsFixture>;

/// <summary>The same on the PostgreSQL store (its grant, delegate and permission tables).</summary>
public sealed class PostgresImpersonationTests(PostgresGrantsFixture server) : ImpersonationCases(server), IClassFixture<PostgresGrantsFixture>;

/// <summary><see cref="GrantsFixture"/>'s server on PostgreSQL: a database of its own (<see cref="PostgresCluster"/>).</summary>
public sealed class PostgresGrantsFixture : GrantsFixture
{
    private string? connectionString;

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
