using System.Globalization;
using System.Xml.Linq;
using Rendezvous.Calendar;
using Rendezvous.Domain;
using Rendezvous.Edge;
using Rendezvous.Protocol;
using Rendezvous.Tests.Infrastructure;

namespace Rendezvous.Tests;

/// <summary>
/// A calendar view's occurrence written from its master (<see cref="ItemWriter.WriteOccurrence"/>) is, byte for byte,
/// the occurrence made as an item (<see cref="SeriesItems.MaterialiseReadOnly"/>) and written as any item: for every
/// element of a calendar item asked alone and all together, every base shape, every request version, FindItem's and
/// GetItem's rules, the owner's and an attendee's reading.
/// </summary>
public sealed class OccurrenceWritingTests
{
    private static readonly DateTime Now = new(2031, 3, 1, 8, 0, 0, DateTimeKind.Utc);
    private static readonly Mailbox Owner = new("mbx-owner", "owner@occ.test", "Occ Owner");
    private const string AttendeeAddress = "attendee@occ.test";

    private static readonly ExchangeVersion[] Versions =
        [ExchangeVersion.Exchange2007_SP1, ExchangeVersion.Exchange2010, ExchangeVersion.Exchange2013, ExchangeVersion.Exchange2016];

    /// <summary>Masters of each kind a view meets: a plain appointment, a meeting seen by its organizer and by an attendee, an all-day series.</summary>
    private static List<Item> Masters()
    {
        var paris = TimeZones.Find("Romance Standard Time")!;
        var masters = new List<Item>();
        for (var i = 0; i < 4; i++)
        {
            var firstDay = new DateOnly(2031, 3, 3 + i);
            var allDay = i == 3;
            var start = allDay ? TimeZones.ToUtc(firstDay.ToDateTime(TimeOnly.MinValue), paris) : TimeZones.ToUtc(firstDay.ToDateTime(new TimeOnly(7, 30)), paris);
            var pattern = i % 2 == 0
                ? new RecurrencePattern(RecurrencePatternKind.Daily, Interval: 1 + i)
                : new RecurrencePattern(RecurrencePatternKind.Weekly, Interval: 1, DaysOfWeek: (RecurrenceDays)(1 << (int)firstDay.DayOfWeek), FirstDayOfWeek: DayOfWeek.Monday);
            var item = new Item
            {
                Kind = ItemKind.CalendarItem,
                ItemClass = "IPM.Appointment",
                Subject = string.Create(CultureInfo.InvariantCulture, $"Series {i} <&> \"quoted\""),
                Body = new Body(i == 1 ? "HTML" : "Text", i == 1 ? "<html><body>Agenda</body></html>" : "Agenda: the plan."),
                Sensitivity = i == 2 ? "Private" : "Normal",
                Start = start,
                End = allDay ? start.AddDays(1) : start.AddMinutes(45),
                IsAllDayEvent = allDay,
                StartTimeZone = new TimeZoneRef("Romance Standard Time"),
                EndTimeZone = new TimeZoneRef("Romance Standard Time"),
                Location = string.Create(CultureInfo.InvariantCulture, $"Room {i}"),
                LegacyFreeBusyStatus = i == 2 ? "Tentative" : "Busy",
                ReminderIsSet = i != 3,
                ReminderMinutesBeforeStart = 15,
                Categories = i == 0 ? ["Blue", "Team"] : null,
                Importance = "High",
                Recurrence = new Recurrence(pattern, i == 2 ? new RecurrenceRange(RecurrenceRangeKind.Numbered, firstDay, NumberOfOccurrences: 30) : new RecurrenceRange(RecurrenceRangeKind.NoEnd, firstDay)),
            };
            if (i is 1 or 2)
            {
                item.IsMeeting = true;
                item.RequiredAttendees = [new Attendee(new EmailAddress("Att", AttendeeAddress)), new Attendee(new EmailAddress(null, "other@occ.test"))];
                item.OptionalAttendees = [new Attendee(new EmailAddress(null, "opt@occ.test"))];
            }

            var series = SeriesItems.SeriesOf(item)!;
            var second = RecurrenceExpansion.OccurrenceAt(series, 2)!.Value;
            item.Exceptions = [new OccurrenceException(second.OriginalStartUtc, new Item { Start = second.StartUtc.AddHours(1), End = second.EndUtc.AddHours(1), Subject = "Moved" })];
            item.DeletedOccurrences = [RecurrenceExpansion.OccurrenceAt(series, 3)!.Value.OriginalStartUtc];
            CalendarRules.PrepareNewCalendarItem(item, Owner, null, Now);
            SeriesItems.StampSeriesBounds(item);
            item.Id = EwsIds.NewItemId(Owner.Id);
            item.MailboxId = Owner.Id;
            item.FolderId = EwsIds.NewFolderId(Owner.Id);
            item.DateTimeCreated = Now;
            item.DateTimeReceived = Now;
            item.LastModifiedTime = Now;
            item.LastModifiedName = Owner.DisplayName;
            item.ChangeNumber = 500 + i;
            masters.Add(item);
        }

        return masters;
    }

    /// <summary>Each master's occurrences over five weeks: plain ones, the exception and around the deleted one.</summary>
    private static List<(Item Master, Occurrence Occurrence)> Entries(IEnumerable<Item> masters, DateTime from, DateTime to)
    {
        var entries = new List<(Item, Occurrence)>();
        foreach (var master in masters)
        {
            var series = SeriesItems.SeriesOf(master)!;
            entries.AddRange(SeriesItems.OccurrencesInWindow(master, series, from, to).Select(o => (master, o)));
        }

        return [.. entries.OrderBy(e => e.Item2.StartUtc)];
    }

    private static WriteContext Context(ExchangeVersion version, string reader) => new()
    {
        Version = version,
        Reader = reader,
        ResponseObjects = item => CalendarRules.ResponseObjects(item, reader, version),
    };

    private static ItemShape Shape(BaseShape baseShape, params string[] uris) => new(baseShape, null, [.. uris.Select(u => (PropertyPath)new FieldPath(u))]);

    private static string Written(IReadOnlyList<(Item Master, Occurrence Occurrence)> entries, ItemShape shape, WriteContext context, bool forFind, bool fromMaster, TimeZoneInfo? zone = null)
    {
        var output = new MemoryStream();
        SoapWriter.WriteResponse(output, w =>
        {
            w.StartM("FindItemResponse");
            w.StartM("ResponseMessages");
            SoapWriter.WriteMessage(w, "FindItemResponseMessage", null, w =>
            {
                w.StartM("RootFolder");
                w.Attr("TotalItemsInView", Values.Format(entries.Count));
                w.Attr("IncludesLastItemInRange", Values.Format(true));
                w.StartT("Items");
                foreach (var (master, occurrence) in entries)
                {
                    if (fromMaster)
                    {
                        ItemWriter.WriteOccurrence(w, master, occurrence, shape, context, forFind);
                    }
                    else
                    {
                        ItemWriter.Write(w, SeriesItems.MaterialiseReadOnly(master, occurrence), shape, context, forFind);
                    }
                }

                w.End();
                w.End();
            });
            w.End();
            w.End();
        }, zone);
        return System.Text.Encoding.UTF8.GetString(output.ToArray());
    }

    private static string[] FieldUris() => [.. ItemSchema.Order(ItemKind.CalendarItem).OfType<PropertyDef>().Select(d => d.Uri).Distinct()];

    public static TheoryData<string> CalendarFields() => [.. FieldUris()];

    [Theory]
    [MemberData(nameof(CalendarFields))]
    public void Each_element_of_an_occurrence_written_from_its_master_is_the_materialised_occurrences(string uri)
    {
        var masters = Masters();
        var entries = Entries(masters, new DateTime(2031, 3, 3, 0, 0, 0, DateTimeKind.Utc), new DateTime(2031, 4, 7, 0, 0, 0, DateTimeKind.Utc));
        Assert.Contains(entries, e => e.Occurrence.IsException);
        Assert.True(entries.Count(e => !e.Occurrence.IsException) > 20);
        var shape = Shape(BaseShape.IdOnly, uri);
        foreach (var version in Versions)
        {
            foreach (var reader in new[] { Owner.Address, AttendeeAddress })
            {
                foreach (var forFind in new[] { true, false })
                {
                    var context = Context(version, reader);
                    var expected = Written(entries, shape, context, forFind, fromMaster: false);
                    Assert.Equal(expected, Written(entries, shape, context, forFind, fromMaster: true));
                    // Again, a response later: the masters' runs now all come from the templates the first one kept.
                    Assert.Equal(expected, Written(entries, shape, context, forFind, fromMaster: true));
                }
            }
        }

        // The claim is tested, not only its fallback: an element that is not named as mixed is written from the master.
        var plan = WritePlan.For(shape, ItemKind.CalendarItem, Context(ExchangeVersion.Exchange2016, Owner.Address), forFind: true);
        var def = ItemSchema.Order(ItemKind.CalendarItem).OfType<PropertyDef>().First(d => d.Uri == uri);
        if (!WritePlan.OccurrenceMixed.Contains(def))
        {
            Assert.True(plan.WritesOccurrencesFromMaster, $"{uri} is written from the materialised occurrence");
        }
    }

    [Fact]
    public void A_week_of_occurrences_written_from_their_masters_is_the_week_of_materialised_occurrences_and_valid()
    {
        var masters = Masters();
        var entries = Entries(masters, new DateTime(2031, 3, 10, 0, 0, 0, DateTimeKind.Utc), new DateTime(2031, 3, 17, 0, 0, 0, DateTimeKind.Utc));
        var allFields = FieldUris();
        var compared = 0;
        foreach (var shape in new[]
        {
            Shape(BaseShape.IdOnly, "item:Subject", "item:Sensitivity", "calendar:Start", "calendar:End", "calendar:Location", "calendar:IsAllDayEvent",
                "calendar:LegacyFreeBusyStatus", "calendar:IsMeeting", "calendar:MyResponseType", "calendar:Organizer"),
            Shape(BaseShape.Default), Shape(BaseShape.AllProperties), Shape(BaseShape.IdOnly, allFields),
            Shape(BaseShape.IdOnly, [.. allFields.Where(u => !WritePlan.OccurrenceMixed.Any(d => d.Uri == u))]),
        })
        {
            foreach (var version in Versions)
            {
                var context = Context(version, AttendeeAddress);
                var expected = Written(entries, shape, context, forFind: true, fromMaster: false);
                var written = Written(entries, shape, context, forFind: true, fromMaster: true);
                Assert.Equal(expected, written);
                Assert.Empty(SchemaValidator.Validate(XDocument.Parse(written)));
                compared++;
            }
        }

        Assert.Equal(20, compared);
    }

    [Fact]
    public void A_masters_kept_template_is_never_written_under_another_zone_reader_version_or_shape()
    {
        // Templates are kept per master across responses (OccurrenceTemplates), keyed by the plan, reader and zone: the
        // same masters written in turn under each, twice over, must each time be the materialised occurrences.
        var masters = Masters();
        var entries = Entries(masters, new DateTime(2031, 3, 10, 0, 0, 0, DateTimeKind.Utc), new DateTime(2031, 3, 24, 0, 0, 0, DateTimeKind.Utc));
        var shapes = new[]
        {
            Shape(BaseShape.IdOnly, "item:Subject", "calendar:Start", "calendar:End", "item:DateTimeCreated", "item:LastModifiedTime", "calendar:AppointmentReplyTime", "calendar:MyResponseType", "calendar:IsOrganizer"),
            Shape(BaseShape.AllProperties),
            Shape(BaseShape.IdOnly, "item:Subject", "calendar:Location"),
        };
        TimeZoneInfo?[] zones = [null, TimeZones.Find("Tokyo Standard Time"), TimeZones.Find("Pacific Standard Time"), TimeZoneInfo.Utc];
        var compared = 0;
        for (var round = 0; round < 2; round++)
        {
            foreach (var shape in shapes)
            {
                foreach (var zone in zones)
                {
                    foreach (var reader in new[] { Owner.Address, AttendeeAddress })
                    {
                        foreach (var version in new[] { ExchangeVersion.Exchange2007_SP1, ExchangeVersion.Exchange2016 })
                        {
                            var context = Context(version, reader);
                            var expected = Written(entries, shape, context, forFind: true, fromMaster: false, zone);
                            Assert.Equal(expected, Written(entries, shape, context, forFind: true, fromMaster: true, zone));
                            compared++;
                        }
                    }
                }
            }
        }

        Assert.Equal(96, compared);
    }

    [Fact]
    public void A_changed_master_is_a_new_instance_and_its_occurrences_show_the_change()
    {
        // What keeps a template from outliving its master's values: the series cache makes a new master instance for a
        // new change number and never changes one handed out; a copy changed here stands for that new instance.
        var masters = Masters();
        var entries = Entries(masters, new DateTime(2031, 3, 10, 0, 0, 0, DateTimeKind.Utc), new DateTime(2031, 3, 17, 0, 0, 0, DateTimeKind.Utc));
        var shape = Shape(BaseShape.IdOnly, "item:Subject", "calendar:Start", "calendar:Location");
        var context = Context(ExchangeVersion.Exchange2016, Owner.Address);
        var before = Written(entries, shape, context, forFind: true, fromMaster: true);
        Assert.Contains("Room 0", before, StringComparison.Ordinal);

        var changed = masters.Select(m =>
        {
            var copy = m.Clone();
            copy.Location = "Room " + m.Location + " moved";
            copy.ChangeNumber++;
            return copy;
        }).ToList();
        var after = Entries(changed, new DateTime(2031, 3, 10, 0, 0, 0, DateTimeKind.Utc), new DateTime(2031, 3, 17, 0, 0, 0, DateTimeKind.Utc));
        var written = Written(after, shape, context, forFind: true, fromMaster: true);
        Assert.Equal(Written(after, shape, context, forFind: true, fromMaster: false), written);
        Assert.DoesNotContain(">Room 0<", written, StringComparison.Ordinal);
        Assert.Contains("Room Room 0 moved", written, StringComparison.Ordinal);
    }
}
