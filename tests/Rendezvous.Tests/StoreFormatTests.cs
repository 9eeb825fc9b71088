using System.Text;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Rendezvous.Domain;
using Rendezvous.Protocol;
using Rendezvous.Store;
using Rendezvous.Tests.Infrastructure;

namespace Rendezvous.Tests;

/// <summary>
/// How items are stored (issue 14 §3): keyed by property identity with a format version, never by C# names, and
/// migration 8 rewriting the rows an older store wrote (tests/data/store/format1-items.jsonl, made by main at 79d6db7).
/// </summary>
public sealed class StoreFormatTests : IDisposable
{
    private readonly TempFolder folder = new("rdv-format-");

    public void Dispose() => folder.Dispose();

    [Fact]
    public async Task A_store_written_before_issue_14_is_rewritten_by_migration_8_and_reads_back_the_same()
    {
        var rows = File.ReadAllLines(TestData.Path("store", "format1-items.jsonl")).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        var ids = new List<string>();
        await using (var store = await SqliteMailStore.OpenAsync(folder.Path, CancellationToken.None))
        {
            var mailboxes = new Dictionary<string, string>
            {
                ["alice@example.com"] = (await store.AddUserAsync("alice@example.com", "Alice Martin", "x", CancellationToken.None)).MailboxId,
                ["bob@example.com"] = (await store.AddUserAsync("bob@example.com", "Bob Durand", "x", CancellationToken.None)).MailboxId,
            };
            await using var connection = new SqliteConnection($"Data Source={store.Path};Pooling=False");
            await connection.OpenAsync();
            foreach (var row in rows)
            {
                var data = row.GetProperty("data").GetString()!;
                var id = JsonDocument.Parse(data).RootElement.GetProperty("Id").GetString()!;
                ids.Add(id);
                var mailbox = mailboxes[row.GetProperty("owner").GetString()!];
                var target = (await store.GetDistinguishedFolderAsync(mailbox, row.GetProperty("folder").GetString()!, CancellationToken.None))!;
                await using var insert = connection.CreateCommand();
                insert.CommandText = "INSERT INTO items (id, mailbox_id, folder_id, kind, is_unread, change_number, data) VALUES ($id, $m, $f, $k, 0, 1, $d);";
                insert.Parameters.AddWithValue("$id", id);
                insert.Parameters.AddWithValue("$m", mailbox);
                insert.Parameters.AddWithValue("$f", target.Id);
                insert.Parameters.AddWithValue("$k", row.GetProperty("kind").GetInt32());
                insert.Parameters.AddWithValue("$d", data);
                await insert.ExecuteNonQueryAsync();
            }

            // Back to the version a store written before issue 14 had (7 migrations), so that 7 and 8 run again on open.
            await using var version = connection.CreateCommand();
            version.CommandText = SyncStoreTests.BackToVersion7;
            await version.ExecuteNonQueryAsync();
        }

        await using (var store = await SqliteMailStore.OpenAsync(folder.Path, CancellationToken.None))
        {
            await using var connection = new SqliteConnection($"Data Source={store.Path};Pooling=False;Mode=ReadOnly");
            await connection.OpenAsync();
            await using var select = connection.CreateCommand();
            select.CommandText = "SELECT data FROM items;";
            await using (var reader = await select.ExecuteReaderAsync())
            {
                while (await reader.ReadAsync())
                {
                    var data = reader.GetString(0);
                    Assert.StartsWith("{\"format\":2,", data, StringComparison.Ordinal);
                    Assert.DoesNotContain("\"Subject\"", data, StringComparison.Ordinal);
                }
            }

            var items = new List<Item>();
            foreach (var id in ids)
            {
                items.Add((await store.GetItemAsync(id, CancellationToken.None))!);
            }

            var organizer = items[0];
            Assert.Equal((ItemKind.CalendarItem, "Budget review", "Private", "High"), (organizer.Kind, organizer.Subject, organizer.Sensitivity, organizer.Importance));
            Assert.Equal(new Body("HTML", "<p>Agenda</p>"), organizer.Body);
            Assert.Equal(["Blue"], organizer.Categories!);
            Assert.Equal((true, 30), (organizer.ReminderIsSet, organizer.ReminderMinutesBeforeStart));
            Assert.Equal(new DateTime(2030, 6, 3, 7, 0, 0, DateTimeKind.Utc), organizer.Start);
            Assert.Equal(new DateTime(2030, 6, 3, 8, 0, 0, DateTimeKind.Utc), organizer.End);
            Assert.Equal(("Room 4", "Busy", "Organizer"), (organizer.Location, organizer.LegacyFreeBusyStatus, organizer.MyResponseType));
            Assert.Equal("Romance Standard Time", organizer.StartTimeZone!.Id);
            Assert.True(organizer.IsMeeting);
            Assert.Equal("alice@example.com", organizer.Organizer!.Address);
            var bob = Assert.Single(organizer.RequiredAttendees!);
            Assert.Equal(("bob@example.com", "Tentative"), (bob.Mailbox.Address, bob.ResponseType));
            Assert.NotNull(bob.LastResponseTime);
            Assert.Equal(["red", null], organizer.ExtendedProperties.Select(p => p.Value));
            Assert.Equal(["a", "b"], organizer.ExtendedProperties[1].Values!);
            Assert.Equal("tag:3a4f", organizer.ExtendedProperties[1].Path.Key);
            Assert.False(string.IsNullOrEmpty(organizer.Uid));

            Assert.Equal("Tentative", items[1].MyResponseType);
            Assert.Equal((ItemKind.MeetingRequest, "NewMeetingRequest", "Busy"), (items[2].Kind, items[2].MeetingRequestType, items[2].IntendedFreeBusyStatus));
            var message = items[3];
            Assert.Equal((ItemKind.Message, "Hello Bob", "Plain text"), (message.Kind, message.Subject, message.Body!.Text));
            Assert.Equal([new EmailAddress("Bob", "bob@example.com")], message.ToRecipients!);
            Assert.Equal(["carol@elsewhere.example"], message.CcRecipients!.Select(a => a.Address));
            Assert.True(message.IsReadReceiptRequested);
            Assert.Equal("alice@example.com", message.From!.Address);
            Assert.Equal((ItemKind.MeetingResponse, "Tentative"), (items[6].Kind, items[6].ResponseType));

            // What migration 8 wrote reads back as what format 1 said, property for property.
            for (var i = 0; i < rows.Count; i++)
            {
                var legacy = SqliteMailStore.DeserializeItem(Encoding.UTF8.GetBytes(rows[i].GetProperty("data").GetString()!));
                Assert.Equal(SqliteMailStore.SerializeItem(legacy), SqliteMailStore.SerializeItem(items[i]));
            }
        }
    }

    [Fact]
    public void Stored_items_are_keyed_by_property_identity_with_a_format_version_not_by_CSharp_names()
    {
        var item = new Item
        {
            Kind = ItemKind.CalendarItem, Subject = "Keys", Location = "Lyon", Uid = "uid-1", IsMeeting = true,
            Start = new DateTime(2030, 1, 7, 9, 0, 0, DateTimeKind.Utc),
        };
        using var stored = JsonDocument.Parse(SqliteMailStore.SerializeItem(item));
        Assert.Equal(2, stored.RootElement.GetProperty("format").GetInt32());
        Assert.Equal("CalendarItem", stored.RootElement.GetProperty("kind").GetString());
        var props = stored.RootElement.GetProperty("props");
        Assert.Equal("Keys", props.GetProperty("tag:0037").GetString());
        Assert.Equal("Lyon", props.GetProperty("id:00062002-0000-0000-c000-000000000046:33288").GetString());
        Assert.Equal("uid-1", props.GetProperty("id:6ed8da90-450b-101b-98da-00aa003f1305:3").GetString());
        Assert.True(props.GetProperty("CalendarItemType/IsMeeting").GetBoolean());
        Assert.Equal(["CalendarItemType/IsMeeting", "id:00062002-0000-0000-c000-000000000046:33288", "id:00062002-0000-0000-c000-000000000046:33293",
            "id:6ed8da90-450b-101b-98da-00aa003f1305:3", "tag:0037"], props.EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public void Every_typed_property_of_an_item_has_a_stored_form_and_round_trips()
    {
        var at = new DateTime(2030, 1, 7, 9, 0, 0, DateTimeKind.Utc);
        var address = new EmailAddress("Bob", "bob@example.com");
        var item = new Item { Kind = ItemKind.MeetingRequest };
        var values = new Dictionary<Type, object>
        {
            [typeof(string)] = "text",
            [typeof(bool)] = true,
            [typeof(bool?)] = true,
            [typeof(int)] = 3,
            [typeof(int?)] = 3,
            [typeof(DateTime)] = at,
            [typeof(DateTime?)] = at,
            [typeof(Body)] = new Body("Text", "body"),
            [typeof(List<string>)] = new List<string> { "a", "b" },
            [typeof(EmailAddress)] = address,
            [typeof(List<EmailAddress>)] = new List<EmailAddress> { address },
            [typeof(List<Attendee>)] = new List<Attendee> { new(address) { ResponseType = "Accept", LastResponseTime = at, ProposedStart = at, ProposedEnd = at } },
            [typeof(TimeZoneRef)] = new TimeZoneRef("UTC", "(UTC)"),
            [typeof(ChangeHighlights)] = new ChangeHighlights(true, "here", true, at, false, null),
            [typeof(List<ExtendedProperty>)] = new List<ExtendedProperty> { new(new ExtendedPropertyPath(null, "PublicStrings", null, "X", null, "String"), "v", null) },
            [typeof(List<Attachment>)] = new List<Attachment>
            {
                new(Attachment.NewId(), AttachmentKind.File) { Name = "a.png", ContentType = "image/png", ContentId = "cid", ContentLocation = "loc", Size = 12, LastModifiedTime = at, IsInline = true, IsContactPhoto = false },
                new(Attachment.NewId(), AttachmentKind.Item) { Name = "m", Size = 300, LastModifiedTime = at, ItemKind = ItemKind.CalendarItem, ParentId = Attachment.NewId() },
            },
            [typeof(Recurrence)] = new Recurrence(
                new RecurrencePattern(RecurrencePatternKind.RelativeMonthly, 2, RecurrenceDays.Weekday, DayOfWeekIndex.Last, FirstDayOfWeek: DayOfWeek.Monday),
                new RecurrenceRange(RecurrenceRangeKind.EndDate, new DateOnly(2030, 1, 7), new DateOnly(2031, 1, 7))),
            [typeof(List<DateTime>)] = new List<DateTime> { at, at.AddDays(7) },
            [typeof(List<OccurrenceException>)] = new List<OccurrenceException>
            {
                new(at, new Item { Kind = ItemKind.CalendarItem, Start = at.AddHours(1), End = at.AddHours(2), Subject = "moved", Location = "elsewhere" }),
            },
        };
        var typed = typeof(Item).GetProperties().Where(p => p.CanWrite && p.GetSetMethod() is not null
            && p.Name is not (nameof(Item.Id) or nameof(Item.MailboxId) or nameof(Item.FolderId) or nameof(Item.Kind) or nameof(Item.ChangeNumber) or nameof(Item.FieldChanges))).ToList();
        Assert.True(typed.Count > 60);
        foreach (var property in typed)
        {
            property.SetValue(item, values[property.PropertyType]);
        }

        item.FieldChanges["item:Subject"] = 4;
        var back = SqliteMailStore.DeserializeItem(Encoding.UTF8.GetBytes(SqliteMailStore.SerializeItem(item)));
        foreach (var property in typed)
        {
            var expected = property.GetValue(item);
            var actual = property.GetValue(back);
            if (expected is List<OccurrenceException> exceptions)
            {
                // An exception's overrides are an item: compared by what they hold.
                var read = Assert.Single((List<OccurrenceException>)actual!);
                Assert.Equal(exceptions[0].OriginalStartUtc, read.OriginalStartUtc);
                Assert.Equal(SqliteMailStore.SerializeItem(exceptions[0].Changes), SqliteMailStore.SerializeItem(read.Changes));
            }
            else if (expected is System.Collections.IEnumerable list and not string)
            {
                Assert.Equal(list.Cast<object>(), ((System.Collections.IEnumerable)actual!).Cast<object>());
            }
            else
            {
                Assert.True(Equals(expected, actual), $"{property.Name}: {expected} then {actual}");
            }
        }

        Assert.Equal(4, back.FieldChanges["item:Subject"]);
        Assert.Equal(ItemKind.MeetingRequest, back.Kind);
    }

    [Fact]
    public void The_free_busy_read_builds_only_what_free_busy_needs()
    {
        var item = new Item
        {
            Kind = ItemKind.CalendarItem, Subject = "Busy time", Start = DateTime.UnixEpoch, End = DateTime.UnixEpoch.AddHours(1),
            LegacyFreeBusyStatus = "OOF", Body = new Body("Text", "not needed"), RequiredAttendees = [new(new EmailAddress(null, "a@example.com"))],
        };
        var back = SqliteMailStore.DeserializeItem(Encoding.UTF8.GetBytes(SqliteMailStore.SerializeItem(item)), freeBusyOnly: true);
        Assert.Equal(("Busy time", "OOF", DateTime.UnixEpoch, ItemKind.CalendarItem), (back.Subject, back.LegacyFreeBusyStatus, back.Start!.Value, back.Kind));
        Assert.Null(back.Body);
        Assert.Null(back.RequiredAttendees);
    }
    [Fact]
    public void A_master_keeps_its_recurrence_deleted_occurrences_and_exceptions_with_their_overrides_through_the_store()
    {
        var at = new DateTime(2030, 1, 7, 9, 0, 0, DateTimeKind.Utc);
        var master = new Item
        {
            Kind = ItemKind.CalendarItem, Subject = "Weekly", Start = at, End = at.AddHours(1),
            Recurrence = new Recurrence(
                new RecurrencePattern(RecurrencePatternKind.Weekly, 1, RecurrenceDays.Monday | RecurrenceDays.Thursday, FirstDayOfWeek: DayOfWeek.Monday),
                new RecurrenceRange(RecurrenceRangeKind.Numbered, new DateOnly(2030, 1, 7), NumberOfOccurrences: 10)),
            DeletedOccurrences = [at.AddDays(7)],
            Exceptions =
            [
                new(at.AddDays(3), new Item
                {
                    Kind = ItemKind.CalendarItem, Start = at.AddDays(3).AddHours(2), End = at.AddDays(3).AddHours(3), Subject = "Moved",
                    RequiredAttendees = [new(new EmailAddress("Bob", "bob@example.com")) { ResponseType = "Accept" }],
                }),
            ],
        };
        var back = SqliteMailStore.DeserializeItem(Encoding.UTF8.GetBytes(SqliteMailStore.SerializeItem(master)));
        Assert.Equal(master.Recurrence, back.Recurrence);
        Assert.Equal([at.AddDays(7)], back.DeletedOccurrences!);
        var exception = Assert.Single(back.Exceptions!);
        Assert.Equal(at.AddDays(3), exception.OriginalStartUtc);
        Assert.Equal(("Moved", at.AddDays(3).AddHours(2), at.AddDays(3).AddHours(3)), (exception.Changes.Subject, exception.Changes.Start!.Value, exception.Changes.End!.Value));
        Assert.Equal("bob@example.com", Assert.Single(exception.Changes.RequiredAttendees!).Mailbox.Address);
        Assert.Null(exception.Changes.Location);
        Assert.Equal(SqliteMailStore.SerializeItem(master), SqliteMailStore.SerializeItem(back));
    }

    [Fact]
    public void A_task_recurrence_stored_raw_before_issue_16_is_kept_and_stored_again_as_it_was()
    {
        const string raw = "<Recurrence xmlns=\"http://schemas.microsoft.com/exchange/services/2006/types\"><DailyRegeneration><Interval>3</Interval></DailyRegeneration><NoEndRecurrence><StartDate>2030-01-07</StartDate></NoEndRecurrence></Recurrence>";
        var stored = "{\"format\":2,\"kind\":\"Task\",\"changes\":{},\"props\":{\"TaskType/Recurrence\":" + JsonSerializer.Serialize(raw) + "}}";
        var back = SqliteMailStore.DeserializeItem(Encoding.UTF8.GetBytes(stored));
        Assert.Equal(raw, back.Properties[ItemProperties.TaskType_Recurrence]);
        Assert.Equal(stored, SqliteMailStore.SerializeItem(back));
        Assert.Equal(RecurrencePatternKind.DailyRegeneration, Rendezvous.Edge.Recurrences.TaskRecurrenceOf(back)!.Pattern.Kind);
    }

    [Fact]
    public void A_clone_of_a_master_shares_no_exception_with_it()
    {
        var at = new DateTime(2030, 1, 7, 9, 0, 0, DateTimeKind.Utc);
        var master = new Item { Kind = ItemKind.CalendarItem, DeletedOccurrences = [at], Exceptions = [new(at, new Item { Kind = ItemKind.CalendarItem, Subject = "One" })] };
        var copy = master.Clone();
        copy.Exceptions![0].Changes.Subject = "Two";
        copy.DeletedOccurrences!.Add(at.AddDays(1));
        Assert.Equal("One", master.Exceptions![0].Changes.Subject);
        Assert.Single(master.DeletedOccurrences!);
    }
}
