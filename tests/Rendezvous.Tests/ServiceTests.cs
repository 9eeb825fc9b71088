using System.Xml.Linq;
using Rendezvous.Calendar;
using Rendezvous.Domain;
using Rendezvous.Edge;
using Rendezvous.Protocol;
using Rendezvous.Server.Edge;
using Rendezvous.Services;
using Rendezvous.Store;
using Rendezvous.Tests.Infrastructure;

namespace Rendezvous.Tests;

/// <summary>
/// The application layer on its own: services called with a <see cref="Session"/> on a real SQLite store, without XML,
/// HTTP or the server. What they refuse is a domain error, never an EWS ResponseCode.
/// </summary>
public sealed class ServiceTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Monday = new(2026, 3, 2, 8, 0, 0, TimeSpan.Zero);

    private readonly TempFolder folder = new("rdv-services-");
    private readonly ManualClock clock = new(Monday);
    private readonly SeriesCache series = new();
    private SqliteMailStore? store;

    private SqliteMailStore Store => store!;

    public async Task InitializeAsync()
    {
        store = await SqliteMailStore.OpenAsync(folder.Path, CancellationToken.None);
        await Store.AddUserAsync("alice@example.com", "Alice Martin", "x", CancellationToken.None);
        await Store.AddUserAsync("bob@example.com", "Bob Durand", "x", CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        if (store is not null)
        {
            await store.DisposeAsync();
        }

        folder.Dispose();
    }

    private async Task<Session> SessionAsync(string address) => new()
    {
        User = (await Store.FindUserAsync(address, CancellationToken.None))!,
        Store = Store,
        Time = clock,
        SeriesCache = series,
        Cancellation = CancellationToken.None,
    };

    private static ItemRef Ref(Item item) => new(item.Id, ChangeKeys.Encode(item.ChangeNumber));

    [Fact]
    public async Task A_meeting_is_created_accepted_and_answered_through_the_services_alone()
    {
        var alice = await SessionAsync("alice@example.com");
        var bob = await SessionAsync("bob@example.com");
        var meeting = new Item
        {
            Kind = ItemKind.CalendarItem,
            Subject = "Planning",
            Start = new DateTime(2026, 3, 3, 9, 0, 0, DateTimeKind.Utc),
            End = new DateTime(2026, 3, 3, 10, 0, 0, DateTimeKind.Utc),
            RequiredAttendees = [new Attendee(new EmailAddress("Bob Durand", "bob@example.com"))],
        };
        var created = await ItemService.CreateAsync(alice, new CreateItemOptions(null, "SendToAllAndSaveCopy", null, null), new NewCalendarItem(meeting));
        var organizers = Assert.Single(created);

        var bobsCalendar = (await Store.GetDistinguishedFolderAsync(bob.MailboxId, "calendar", CancellationToken.None))!;
        var bobsCopy = Assert.Single(await Store.GetItemsAsync(bobsCalendar.Id, CancellationToken.None));
        Assert.Equal("Planning", bobsCopy.Subject);

        var accept = new ResponseObject("AcceptItem", Ref(bobsCopy), null, null, null, null);
        await ItemService.CreateAsync(bob, new CreateItemOptions("SendOnly", null, null, null), new NewMeetingResponse(ResponseKind.Accept, accept));

        var answered = await ItemService.GetAsync(alice, Ref(organizers), new ItemReadBudget(alice.Limits.MaxResponseItemBytes));
        Assert.Equal("Accept", Assert.Single(answered.RequiredAttendees!).ResponseType);
    }

    [Fact]
    public async Task Services_refuse_with_domain_errors_that_the_ews_edge_maps_to_response_codes()
    {
        var alice = await SessionAsync("alice@example.com");
        var bob = await SessionAsync("bob@example.com");
        var draft = Assert.Single(await ItemService.CreateAsync(alice, new CreateItemOptions("SaveOnly", null, null, null),
            new NewMessage(new Item { Kind = ItemKind.Message, ItemClass = "IPM.Note", Subject = "Draft", ToRecipients = [new EmailAddress(null, "bob@example.com")] })));

        // Bob is told Alice's item does not exist, as for an id that names nothing.
        var notFound = await Assert.ThrowsAsync<DomainException>(() => ItemService.GetAsync(bob, Ref(draft), new ItemReadBudget(1 << 20)));
        Assert.Equal(ErrorCode.ItemNotFound, notFound.Code);
        Assert.Equal("ErrorItemNotFound", EwsErrors.ToEws(notFound).Code);

        var spoofed = new Item { Kind = ItemKind.Message, Subject = "From Bob", From = new EmailAddress(null, "bob@example.com"), ToRecipients = [new EmailAddress(null, "bob@example.com")] };
        var sendAs = await Assert.ThrowsAsync<DomainException>(() => ItemService.CreateAsync(alice, new CreateItemOptions("SendOnly", null, null, null), new NewMessage(spoofed)));
        Assert.Equal(ErrorCode.SendAsDenied, sendAs.Code);

        var stale = new ItemRef(draft.Id, ChangeKeys.Encode(draft.ChangeNumber - 1));
        var conflict = await Assert.ThrowsAsync<DomainException>(() => UpdateItemService.UpdateAsync(alice, new UpdateItemOptions(ConflictMode.NeverOverwrite, null),
            new ItemChange(stale, [new FieldUpdate(UpdateAction.Set, new FieldPath("item:Subject"), new SubjectValue("Renamed"))])));
        Assert.Equal(ErrorCode.Conflict, conflict.Code);
        Assert.Equal("ErrorIrresolvableConflict", EwsErrors.ToEws(conflict).Code);

        // A value the service only applies: the edge decides how it is read, the service when and to what.
        var renamed = await UpdateItemService.UpdateAsync(alice, new UpdateItemOptions(ConflictMode.NeverOverwrite, null),
            new ItemChange(Ref(draft), [new FieldUpdate(UpdateAction.Set, new FieldPath("item:Subject"), new SubjectValue("Renamed"))]));
        Assert.Equal("Renamed", (await Store.GetItemAsync(renamed.Id, CancellationToken.None))!.Subject);
        Assert.True(renamed.ChangeNumber > draft.ChangeNumber);
    }

    [Fact]
    public void Every_domain_error_has_a_response_code_of_the_schema()
    {
        var codes = XDocument.Load(TestData.Path("ews-schema", "messages.xsd")).Descendants()
            .Where(e => e.Name.LocalName == "simpleType" && (string?)e.Attribute("name") == "ResponseCodeType")
            .Descendants().Where(e => e.Name.LocalName == "enumeration").Select(e => (string)e.Attribute("value")!).ToHashSet();
        foreach (var code in Enum.GetValues<ErrorCode>())
        {
            Assert.Contains(EwsErrors.ResponseCode(code), codes);
        }
    }

    // Each ResponseCode the domain can cause comes from one ErrorCode, so a test of the domain's code says what the wire shows.
    [Fact]
    public void No_two_domain_errors_share_a_response_code()
    {
        var shared = Enum.GetValues<ErrorCode>().GroupBy(EwsErrors.ResponseCode).Where(g => g.Count() > 1).Select(g => g.Key);
        Assert.Empty(shared);
    }

    // The calendar rules and the services speak the domain's errors; only the EWS edge knows ResponseCodes.
    [Theory]
    [InlineData("Rendezvous.Calendar")]
    [InlineData("Rendezvous.Services")]
    public void The_domain_below_the_edge_throws_no_ews_errors(string project)
    {
        var sources = Directory.EnumerateFiles(Path.Combine(Processes.RepositoryRoot, "src", project), "*.cs", SearchOption.TopDirectoryOnly).ToList();
        Assert.NotEmpty(sources);
        foreach (var source in sources)
        {
            var text = File.ReadAllText(source);
            foreach (var ews in new[] { "EwsException", "EwsFaultException", "ResponseCodes" })
            {
                Assert.False(text.Contains(ews, StringComparison.Ordinal), $"{Path.GetFileName(source)} uses {ews}.");
            }
        }
    }

    // The layer stands on its own: nothing in it reads or writes XML, or knows of HTTP.
    [Fact]
    public void The_application_layer_references_neither_xml_nor_aspnet()
    {
        var references = typeof(Session).Assembly.GetReferencedAssemblies().Select(a => a.Name!).ToList();
        Assert.Contains("Rendezvous.Store", references);
        Assert.DoesNotContain(references, name => name.Contains("Xml", StringComparison.OrdinalIgnoreCase) || name.Contains("AspNetCore", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void The_application_layer_stands_on_the_domain_not_on_the_ews_edge()
    {
        // Services compiles against neither the EWS edge nor System.Xml, and neither do the layers it stands on
        // (the domain and the store); a typed request that carried an XElement would bring System.Xml.Linq in.
        var services = typeof(Session).Assembly;
        var below = new[] { services, typeof(Item).Assembly, typeof(Rendezvous.Store.ChangeSet).Assembly };
        foreach (var assembly in below)
        {
            var references = assembly.GetReferencedAssemblies().Select(a => a.Name!).ToList();
            Assert.DoesNotContain("Rendezvous.Edge", references);
            Assert.DoesNotContain("Rendezvous.Server", references);
            Assert.DoesNotContain(references, name => name.StartsWith("System.Xml", StringComparison.OrdinalIgnoreCase) || name.StartsWith("System.Private.Xml", StringComparison.OrdinalIgnoreCase));
        }

        // The project file too: a reference the code happens not to use yet is still a dependency.
        var project = File.ReadAllText(Path.Combine(Processes.RepositoryRoot, "src", "Rendezvous.Services", "Rendezvous.Services.csproj"));
        Assert.DoesNotContain("Rendezvous.Edge.csproj", project, StringComparison.Ordinal);
        Assert.DoesNotContain("Rendezvous.Server", project, StringComparison.Ordinal);
    }

    private sealed class SubjectValue(string subject) : IPropertyValue
    {
        public void SetOn(Item item) => item.Subject = subject;

        public void AppendTo(Item item) => item.Subject += subject;
    }

    private sealed class ManualClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
