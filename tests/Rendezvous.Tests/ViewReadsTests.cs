using System.Globalization;
using Rendezvous.Calendar;
using Rendezvous.Domain;
using Rendezvous.Edge;
using Rendezvous.Protocol;
using Rendezvous.Services;
using Rendezvous.Store;

namespace Rendezvous.Tests;

/// <summary>
/// A calendar view's single items decoded only as far as its shape writes them (<see cref="ViewReads"/>) are written
/// byte for byte as the whole items: every element whose reads are declared, alone and together, every request
/// version, the owner's and an attendee's reading, over items of each kind a calendar holds.
/// </summary>
public sealed class ViewReadsTests
{
    private static readonly DateTime Now = new(2031, 3, 1, 8, 0, 0, DateTimeKind.Utc);
    private static readonly Mailbox Owner = new("mbx-owner", "owner@reads.test", "Reads Owner");
    private const string AttendeeAddress = "attendee@reads.test";

    private static List<Item> Items()
    {
        var items = new List<Item>();
        for (var i = 0; i < 6; i++)
        {
            var start = new DateTime(2031, 3, 3 + i, 9, 0, 0, DateTimeKind.Utc);
            var item = new Item
            {
                Kind = ItemKind.CalendarItem,
                ItemClass = i == 5 ? "IPM.Appointment.Custom" : "IPM.Appointment",
                Subject = i == 4 ? null : string.Create(CultureInfo.InvariantCulture, $"Item {i} <&>"),
                Body = new Body("Text", "Agenda."),
                Sensitivity = i == 2 ? "Private" : i == 3 ? null : "Normal",
                Start = start,
                End = start.AddHours(1),
                IsAllDayEvent = i == 1,
                Location = i == 3 ? null : "Room " + i,
                LegacyFreeBusyStatus = i == 3 ? null : i == 2 ? "Tentative" : "Busy",
                ReminderIsSet = true,
                Categories = ["Blue"],
            };
            if (i is 1 or 2)
            {
                item.IsMeeting = true;
                item.RequiredAttendees = [new Attendee(new EmailAddress("Att", AttendeeAddress))];
            }

            CalendarRules.PrepareNewCalendarItem(item, Owner, null, Now);
            if (i == 4)
            {
                // As an item delivered or imported without one may be.
                item.End = null;
            }

            if (i == 2)
            {
                item.MyResponseType = SchemaValues.ResponseTypeType.Tentative;
            }

            item.Id = EwsIds.NewItemId(Owner.Id);
            item.MailboxId = Owner.Id;
            item.FolderId = EwsIds.NewFolderId(Owner.Id);
            item.ChangeNumber = 100 + i;
            items.Add(item);
        }

        return items;
    }

    /// <summary>The item as a store reads it back: whole, or with the projection.</summary>
    private static Item Read(Item stored, ItemProjection? only)
    {
        var item = ItemFormat.Deserialize(System.Text.Encoding.UTF8.GetBytes(ItemFormat.Serialize(stored)), only);
        item.Id = stored.Id;
        item.MailboxId = stored.MailboxId;
        item.FolderId = stored.FolderId;
        item.ChangeNumber = stored.ChangeNumber;
        return item;
    }

    private static string Written(IEnumerable<Item> items, ItemShape shape, WriteContext context)
    {
        var output = new MemoryStream();
        SoapWriter.WriteResponse(output, w =>
        {
            w.StartT("Items");
            foreach (var item in items)
            {
                ItemWriter.Write(w, item, shape, context, forFind: true);
            }

            w.End();
        });
        return System.Text.Encoding.UTF8.GetString(output.ToArray());
    }

    private static WriteContext Context(ExchangeVersion version, string reader) => new()
    {
        Version = version,
        Reader = reader,
        ResponseObjects = item => CalendarRules.ResponseObjects(item, reader, version),
    };

    private static string[] DeclaredUris() =>
        [.. ItemSchema.Order(ItemKind.CalendarItem).OfType<PropertyDef>().Where(ViewReads.IsDeclared).Select(d => d.Uri).Distinct()];

    public static TheoryData<string> Declared() => [.. DeclaredUris()];

    [Theory]
    [MemberData(nameof(Declared))]
    public void Each_declared_element_of_a_partly_decoded_item_is_written_as_the_whole_items(string uri) => Compare([uri]);

    [Fact]
    public void Every_declared_element_together_and_the_benchs_ten_are_written_as_the_whole_items()
    {
        Compare(DeclaredUris());
        Compare(["item:Subject", "item:Sensitivity", "calendar:Start", "calendar:End", "calendar:Location", "calendar:IsAllDayEvent",
            "calendar:LegacyFreeBusyStatus", "calendar:IsMeeting", "calendar:MyResponseType", "calendar:Organizer"]);
    }

    [Fact]
    public void A_shape_naming_an_undeclared_element_reads_the_whole_items()
    {
        var context = Context(ExchangeVersion.Exchange2016, Owner.Address);
        Assert.Null(ViewReads.CalendarView(new ItemShape(BaseShape.IdOnly, null, [new FieldPath("calendar:Start"), new FieldPath("item:Categories")]), context, FindItemService.CalendarViewReads));
        Assert.Null(ViewReads.CalendarView(new ItemShape(BaseShape.Default, null, []), context, FindItemService.CalendarViewReads));
        Assert.NotNull(ViewReads.CalendarView(new ItemShape(BaseShape.IdOnly, null, [new FieldPath("calendar:Start")]), context, FindItemService.CalendarViewReads));
    }

    private static void Compare(string[] uris)
    {
        var shape = new ItemShape(BaseShape.IdOnly, null, [.. uris.Select(u => (PropertyPath)new FieldPath(u))]);
        var stored = Items();
        foreach (var version in new[] { ExchangeVersion.Exchange2007_SP1, ExchangeVersion.Exchange2010, ExchangeVersion.Exchange2016 })
        {
            foreach (var reader in new[] { Owner.Address, AttendeeAddress })
            {
                var context = Context(version, reader);
                var only = ViewReads.CalendarView(shape, context, FindItemService.CalendarViewReads);
                Assert.NotNull(only);
                var partial = stored.Select(i => Read(i, only)).ToList();

                // Partial indeed: what no declared element reads is not decoded.
                Assert.All(partial, i => Assert.Null(i.Body));
                Assert.Equal(Written(stored.Select(i => Read(i, null)), shape, context), Written(partial, shape, context));
            }
        }
    }
}
