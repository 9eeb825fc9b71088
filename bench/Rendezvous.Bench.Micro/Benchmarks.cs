using System.Security.Cryptography;
using System.Text;
using System.Xml.Linq;
using System.Xml;
using BenchmarkDotNet.Attributes;
using Rendezvous.Bench.Load;
using Rendezvous.Calendar;
using Rendezvous.Domain;
using Rendezvous.Edge;
using Rendezvous.Protocol;
using Rendezvous.Store;

namespace Rendezvous.Bench.Micro;

/// <summary>
/// Reading a request, as EwsEndpoint does: SoapRequest.Parse (XDocument with line info, depth limit), then the
/// handler's reading of its operation. The bare XmlReader scan is what the ceiling does with the same bytes.
/// </summary>
public class RequestReading
{
    private static readonly XmlLimits Limits = new();
    private byte[] getItem = [];
    private byte[] createMeeting = [];

    [GlobalSetup]
    public void Setup()
    {
        getItem = Samples.GetItemRequest(EwsIds.NewItemId("mbx-bench"));
        createMeeting = Samples.CreateMeetingRequest();
    }

    [Benchmark(Baseline = true, Description = "XmlReader scan of the GetItem request (the ceiling's work)")]
    public int ScanGetItem()
    {
        using var stream = new MemoryStream(getItem, writable: false);
        using var reader = XmlReader.Create(stream, SoapRequest.ReaderSettings(Limits));
        var elements = 0;
        while (reader.Read())
        {
            if (reader.NodeType == XmlNodeType.Element)
            {
                elements++;
                while (reader.MoveToNextAttribute())
                {
                    _ = reader.Value;
                }
            }
        }

        return elements;
    }

    [Benchmark(Description = "GetItem: parse, shape and id")]
    public ItemShape ReadGetItem()
    {
        using var stream = new MemoryStream(getItem, writable: false);
        var soap = SoapRequest.Parse(stream, Limits);
        var shape = ItemReader.ReadShape(soap.Operation.Element(Samples.M + "ItemShape")!);
        _ = ItemReader.ReadItemRef(soap.Operation.Element(Samples.M + "ItemIds")!.Elements().Single());
        return shape;
    }

    [Benchmark(Description = "CreateItem of a meeting with 10 attendees: parse and read the item")]
    public Item ReadCreateMeeting()
    {
        using var stream = new MemoryStream(createMeeting, writable: false);
        var soap = SoapRequest.Parse(stream, Limits);
        var element = soap.Operation.Element(Samples.M + "Items")!.Elements().Single();
        return ItemReader.ReadNewItem(element, new ReadContext(soap.TimeZoneContext));
    }
}

/// <summary>Writing a response, as the handlers do: SoapWriter's envelope with ItemWriter inside.</summary>
public class ResponseWriting
{
    private readonly MemoryStream output = new();
    private Item item = new();
    private Item meeting = new();
    private List<Item> week = [];
    private ItemShape tenProperties = new(BaseShape.IdOnly, null, []);
    private readonly ItemShape allProperties = new(BaseShape.AllProperties, null, []);
    private WriteContext context = Samples.WriteContext(Samples.Organizer);

    [GlobalSetup]
    public void Setup()
    {
        item = Samples.Appointment(0);
        meeting = Samples.Meeting();
        week = [.. Enumerable.Range(0, 50).Select(Samples.Appointment)];
        var shape = XElement.Parse($"""<m:Shape xmlns:m="{Ews.MessagesNs}" xmlns:t="{Ews.TypesNs}">{Requests.TenPropertiesShape}</m:Shape>""").Elements().Single();
        tenProperties = ItemReader.ReadShape(shape);
        context = Samples.WriteContext(Samples.Organizer);
    }

    private long Write(string operation, IEnumerable<Item> items, ItemShape shape, bool find)
    {
        output.SetLength(0);
        SoapWriter.WriteResponse(output, w =>
        {
            w.StartM(operation + "Response");
            w.StartM("ResponseMessages");
            SoapWriter.WriteMessage(w, operation + "ResponseMessage", null, w =>
            {
                w.StartM(find ? "RootFolder" : "Items");
                if (find)
                {
                    w.StartT("Items");
                }

                foreach (var i in items)
                {
                    ItemWriter.Write(w, i, shape, context, forFind: find);
                }

                if (find)
                {
                    w.End();
                }

                w.End();
            });
            w.End();
            w.End();
        });
        return output.Length;
    }

    [Benchmark(Baseline = true, Description = "GetItem response: one item, IdOnly + 10 properties")]
    public long GetItemTenProperties() => Write("GetItem", [item], tenProperties, find: false);

    [Benchmark(Description = "GetItem response: a meeting with 10 attendees, AllProperties")]
    public long GetItemAllProperties() => Write("GetItem", [meeting], allProperties, find: false);

    [Benchmark(Description = "FindItem CalendarView response: 50 items, IdOnly + 10 properties")]
    public long CalendarViewWeek() => Write("FindItem", week, tenProperties, find: true);
}

/// <summary>The id codec: every written item carries an ItemId and a ChangeKey; every request's ids are checked.</summary>
public class IdCodec
{
    private readonly string itemId = EwsIds.NewItemId("mbx-bench");
    private readonly string changeKey = ChangeKeys.Encode(123_456_789);

    [Benchmark(Description = "EwsIds.NewItemId")]
    public string NewItemId() => EwsIds.NewItemId("mbx-bench");

    [Benchmark(Description = "EwsIds.IsItemId")]
    public bool IsItemId() => EwsIds.IsItemId(itemId);

    [Benchmark(Description = "ChangeKeys.Encode")]
    public string EncodeChangeKey() => ChangeKeys.Encode(123_456_789);

    [Benchmark(Description = "ChangeKeys.TryDecode")]
    public long DecodeChangeKey() => ChangeKeys.TryDecode(changeKey, out var n) ? n : -1;
}

/// <summary>
/// The meeting workflow's decisions (pure functions): the organizer's invitation to ten attendees, and an attendee's
/// tentative answer with a new time, decided from the state the invitation left.
/// </summary>
public class WorkflowDecisions
{
    private readonly Mailbox organizer = new("mbx-organizer", Samples.Organizer, "Bench Organizer");
    private readonly WorkflowContext context = new(Samples.Now, EwsIds.NewItemId);
    private Mailbox[] attendees = [];
    private Item meeting = new();
    private Dictionary<string, MeetingView> emptyViews = [];
    private PlacedItem request = new(new Item(), null);
    private MeetingView attendeeView = MeetingView.Empty(new Mailbox("", "", ""));
    private MeetingView organizerView = MeetingView.Empty(new Mailbox("", "", ""));
    private MeetingReply proposal = new(ResponseKind.Tentative);

    [GlobalSetup]
    public void Setup()
    {
        attendees = [.. Enumerable.Range(0, 10).Select(i => new Mailbox("mbx-att-" + i, Samples.Attendee(i), "Attendee " + i))];
        meeting = new Item
        {
            Kind = ItemKind.CalendarItem,
            ItemClass = "IPM.Appointment",
            Subject = "Bench meeting",
            Body = new Body("Text", "Agenda"),
            Start = Samples.Start,
            End = Samples.Start.AddHours(1),
            Location = "Room 1",
            RequiredAttendees = [.. attendees.Select(a => new Attendee(new EmailAddress(null, a.Address)))],
        };
        CalendarRules.PrepareNewCalendarItem(meeting, organizer, null, Samples.Now);
        emptyViews = attendees.ToDictionary(a => a.Address, MeetingView.Empty, StringComparer.OrdinalIgnoreCase);

        // The state after the invitation, placed as the store would hold it.
        var created = MeetingWorkflow.Create(meeting.Clone(), organizer, Place.In(organizer, MeetingView.Calendar), "SendToAllAndSaveCopy", emptyViews, null, context);
        var changeNumber = 1L;
        var placed = created.Creates.Select(c =>
        {
            c.Item.MailboxId = c.Place.MailboxId;
            c.Item.FolderId = c.Place.Folder ?? c.Place.FolderId!;
            c.Item.ChangeNumber = changeNumber++;
            return new PlacedItem(c.Item, c.Place.Folder);
        }).ToList();
        attendeeView = new MeetingView(attendees[0], [.. placed.Where(p => p.Item.MailboxId == attendees[0].Id)]);
        organizerView = new MeetingView(organizer, [.. placed.Where(p => p.Item.MailboxId == organizer.Id)]);
        request = attendeeView.Items.Single(p => p.Item.Kind == ItemKind.MeetingRequest);
        proposal = new MeetingReply(ResponseKind.Tentative, new Body("Text", "Mornings are taken."), Samples.Start.AddHours(2), Samples.Start.AddHours(3));
    }

    [Benchmark(Description = "Create: invite 10 attendees, SendToAllAndSaveCopy")]
    public Decision Invite() => MeetingWorkflow.Create(meeting.Clone(), organizer, Place.In(organizer, MeetingView.Calendar), "SendToAllAndSaveCopy", emptyViews, null, context);

    [Benchmark(Description = "Respond: tentative with a proposed time, SendAndSaveCopy")]
    public Decision ProposeNewTime() => MeetingWorkflow.Respond(proposal, request, attendeeView, organizerView, "SendAndSaveCopy", null, context);
}

/// <summary>
/// How the store keeps an item: JSON text, read back from its UTF-8 bytes (SqliteMailStore's own functions). Every item
/// read (GetItem, each CalendarView item, each sync change) is one deserialization, every write one serialization;
/// free/busy reads skip all but eleven properties.
/// </summary>
public class StoredItemJson
{
    private Item item = new();
    private byte[] utf8 = [];

    [GlobalSetup]
    public void Setup()
    {
        item = Samples.Appointment(0);
        utf8 = Encoding.UTF8.GetBytes(SqliteMailStore.SerializeItem(item));
    }

    [Benchmark(Description = "serialize a calendar item (a write)")]
    public string Serialize() => SqliteMailStore.SerializeItem(item);

    [Benchmark(Description = "deserialize a calendar item (a read)")]
    public Item Deserialize() => SqliteMailStore.DeserializeItem(utf8);

    [Benchmark(Description = "deserialize a calendar item's free/busy properties")]
    public Item DeserializeFreeBusy() => SqliteMailStore.DeserializeItem(utf8, freeBusyOnly: true);
}

/// <summary>
/// Basic authentication: the first request of a user pays PBKDF2 at the stored iteration count; later ones hit
/// BasicAuthenticator's cache, which costs an HMAC (and, once a second, the user lookup in SQLite, not measured here).
/// </summary>
public class PasswordChecks
{
    private const string Password = "bench-password";
    private readonly byte[] key = RandomNumberGenerator.GetBytes(32);
    private string production = "";
    private string bench = "";

    [GlobalSetup]
    public void Setup()
    {
        production = PasswordHasher.Hash(Password);
        bench = PasswordHasher.Hash(Password, 1_000);
    }

    [Benchmark(Description = "PasswordHasher.Verify, 210,000 iterations (production)")]
    public bool VerifyProduction() => PasswordHasher.Verify(Password, production);

    [Benchmark(Description = "PasswordHasher.Verify, 1,000 iterations (bench users)")]
    public bool VerifyBench() => PasswordHasher.Verify(Password, bench);

    [Benchmark(Baseline = true, Description = "the cache's check: HMAC-SHA256 of mailbox and password")]
    public byte[] CachedCheck() => HMACSHA256.HashData(key, Encoding.UTF8.GetBytes("mbx-0123456789abcdef0123456789abcdef\0" + Password));
}
