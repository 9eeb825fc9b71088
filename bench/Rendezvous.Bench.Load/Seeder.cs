using System.Diagnostics;
using System.Globalization;
using Rendezvous.Calendar;
using Rendezvous.Domain;
using Rendezvous.Protocol;
using Rendezvous.Store;

namespace Rendezvous.Bench.Load;

/// <summary>What to put in the data folder before the server starts.</summary>
internal sealed class SeedPlan
{
    /// <summary>Calendars read by getitem and calendarview: owner and number of items (50 a week).</summary>
    public List<(string Address, int Items)> Calendars { get; } = [];

    /// <summary>Sizes of the message folders synchronized by sync (one folder per size, in one mailbox).</summary>
    public List<int> SyncSizes { get; } = [];

    /// <summary>Mailboxes whose calendars availability reads, and the items in each.</summary>
    public int FreeBusyUsers { get; init; } = 20;

    public int FreeBusyItems { get; init; } = 1_000;

    /// <summary>Calendars with series (issue 16): owner, number of items, and how many of them are open-ended series.</summary>
    public List<(string Address, int Items, int Series)> RecurringCalendars { get; } = [];

    /// <summary>Mailboxes whose calendars availability-recurring reads: <see cref="FreeBusyItems"/> items, of them <see cref="RecurringFreeBusySeries"/> series.</summary>
    public int RecurringFreeBusyUsers { get; init; }

    public int RecurringFreeBusySeries { get; init; } = 30;

    /// <summary>Every other mailbox a workload signs in as (organizers, attendees).</summary>
    public List<string> PlainUsers { get; } = [];
}

/// <summary>A seeded calendar: its owner, its single items' ids (in start order), the first Monday of its weeks, and how many of its items are series.</summary>
internal sealed record SeededCalendar(string Address, int Items, IReadOnlyList<string> ItemIds, DateTime FirstWeek, int Series = 0)
{
    public int Weeks => Math.Max(1, (Items - Series + Seeder.ItemsPerWeek - 1) / Seeder.ItemsPerWeek);
}

/// <summary>A seeded message folder for sync: its id and the ids of its first items (the ones the bench changes).</summary>
internal sealed record SeededFolder(int Size, string FolderId, IReadOnlyList<string> FirstItemIds);

internal sealed record SeedResult(
    IReadOnlyDictionary<string, SeededCalendar> Calendars,
    IReadOnlyDictionary<int, SeededFolder> SyncFolders,
    IReadOnlyList<string> FreeBusyUsers,
    IReadOnlyList<string> RecurringFreeBusyUsers,
    TimeSpan Elapsed,
    long Items);

/// <summary>
/// Seeds through the store, before the server runs: creating items over EWS costs one fsynced transaction each
/// (about 170 a second), far too slow for 100,000 items; <see cref="IMailStore.ApplyAsync"/> takes thousands per
/// transaction. Items are built the way CreateItem builds them (CalendarRules.PrepareNewCalendarItem, then the
/// server's stamps), so the server reads them as it reads its own.
/// </summary>
internal static class Seeder
{
    public const int ItemsPerWeek = 50;
    public const string Password = "bench-password";
    public const string SyncUser = "sync@bench.test";
    private const int Batch = 5_000;

    /// <summary>Monday 6 January 2031: seeded weeks follow it, clear of the invite workload's dates.</summary>
    public static readonly DateTime FirstWeek = new(2031, 1, 6, 0, 0, 0, DateTimeKind.Utc);

    private const string BodyText =
        "Agenda: review of the quarter, the next steps and who owns them. Dial-in details are in the invitation; please read the notes beforehand "
        + "and bring the figures for your area. Minutes will be sent after the meeting. Questions to the organizer.";

    public static int FreeBusyWeeks(int items) => Math.Max(1, (items + ItemsPerWeek - 1) / ItemsPerWeek);

    public static string FreeBusyUser(int i) => string.Create(CultureInfo.InvariantCulture, $"fb-{i:00}@bench.test");

    public static Task<SeedResult> SeedAsync(string dataDirectory, SeedPlan plan, TextWriter log, CancellationToken cancellationToken) =>
        SeedAsync(async token => await SqliteMailStore.OpenAsync(dataDirectory, token), plan, log, cancellationToken);

    /// <summary>Seeds the store <paramref name="open"/> opens (the bench's SQLite folder or PostgreSQL database).</summary>
    public static async Task<SeedResult> SeedAsync(Func<CancellationToken, Task<IMailStore>> open, SeedPlan plan, TextWriter log, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        long items = 0;
        await using var store = await open(cancellationToken);
        // Bench users get a cheap hash (1,000 PBKDF2 iterations) so that seeding is quick; the calendar users that
        // getitem and calendarview sign in as keep the production strength, which the server's cache must absorb.
        var lightHash = PasswordHasher.Hash(Password, 1_000);
        var productionHash = PasswordHasher.Hash(Password);
        var users = new Dictionary<string, UserRecord>(StringComparer.OrdinalIgnoreCase);

        async Task<UserRecord> UserAsync(string address, string hash)
        {
            if (!users.TryGetValue(address, out var user))
            {
                user = await store.AddUserAsync(address, DisplayName(address), hash, cancellationToken);
                users[address] = user;
            }

            return user;
        }

        var calendars = new Dictionary<string, SeededCalendar>(StringComparer.OrdinalIgnoreCase);
        foreach (var (address, count) in plan.Calendars)
        {
            var user = await UserAsync(address, productionHash);
            var ids = await SeedCalendarAsync(store, user, count, cancellationToken);
            items += count;
            calendars[address] = new SeededCalendar(address, count, ids, FirstWeek);
            log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"seed: calendar {address}: {count:N0} items ({clock.Elapsed.TotalSeconds:F1}s)"));
        }

        foreach (var (address, count, series) in plan.RecurringCalendars)
        {
            var user = await UserAsync(address, productionHash);
            var ids = await SeedCalendarAsync(store, user, count - series, cancellationToken);
            await SeedSeriesAsync(store, user, series, (count - series + ItemsPerWeek - 1) / ItemsPerWeek, cancellationToken);
            items += count;
            calendars[address] = new SeededCalendar(address, count, ids, FirstWeek, series);
            log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"seed: calendar {address}: {count:N0} items, {series:N0} of them series ({clock.Elapsed.TotalSeconds:F1}s)"));
        }

        var recurringFreeBusyUsers = new List<string>();
        for (var i = 0; i < plan.RecurringFreeBusyUsers; i++)
        {
            var user = await UserAsync(string.Create(CultureInfo.InvariantCulture, $"fbr-{i:00}@bench.test"), lightHash);
            var singles = plan.FreeBusyItems - plan.RecurringFreeBusySeries;
            await SeedCalendarAsync(store, user, singles, cancellationToken);
            await SeedSeriesAsync(store, user, plan.RecurringFreeBusySeries, FreeBusyWeeks(singles), cancellationToken);
            items += plan.FreeBusyItems;
            recurringFreeBusyUsers.Add(user.Address);
        }

        var freeBusyUsers = new List<string>();
        for (var i = 0; i < plan.FreeBusyUsers; i++)
        {
            var user = await UserAsync(FreeBusyUser(i), lightHash);
            await SeedCalendarAsync(store, user, plan.FreeBusyItems, cancellationToken);
            items += plan.FreeBusyItems;
            freeBusyUsers.Add(user.Address);
        }

        if (plan.FreeBusyUsers > 0)
        {
            log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"seed: {plan.FreeBusyUsers} availability calendars of {plan.FreeBusyItems:N0} items ({clock.Elapsed.TotalSeconds:F1}s)"));
        }

        var folders = new Dictionary<int, SeededFolder>();
        if (plan.SyncSizes.Count > 0)
        {
            var user = await UserAsync(SyncUser, lightHash);
            var root = await store.GetDistinguishedFolderAsync(user.MailboxId, "msgfolderroot", cancellationToken)
                ?? throw new InvalidOperationException("The mailbox has no msgfolderroot.");
            foreach (var size in plan.SyncSizes)
            {
                folders[size] = await SeedMessageFolderAsync(store, user, root.Id, size, cancellationToken);
                items += size;
                log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"seed: sync folder of {size:N0} messages ({clock.Elapsed.TotalSeconds:F1}s)"));
            }
        }

        foreach (var address in plan.PlainUsers)
        {
            await UserAsync(address, lightHash);
        }

        log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"seed: {users.Count} users, {items:N0} items in {clock.Elapsed.TotalSeconds:F1}s"));
        return new SeedResult(calendars, folders, freeBusyUsers, recurringFreeBusyUsers, clock.Elapsed, items);
    }

    public static string DisplayName(string address)
    {
        var local = address.Split('@')[0];
        return "Bench " + char.ToUpperInvariant(local[0]) + local[1..];
    }

    /// <summary>
    /// <paramref name="count"/> one-hour appointments, 50 a week (ten a day, 08:00 to 18:00 UTC, Monday to Friday) from
    /// <see cref="FirstWeek"/> on, so a one-week CalendarView holds about 50 of them whatever the calendar's size.
    /// </summary>
    private static async Task<IReadOnlyList<string>> SeedCalendarAsync(IMailStore store, UserRecord user, int count, CancellationToken cancellationToken)
    {
        var folder = await store.GetDistinguishedFolderAsync(user.MailboxId, "calendar", cancellationToken)
            ?? throw new InvalidOperationException("The mailbox has no calendar.");
        var now = DateTime.UtcNow;
        var ids = new List<string>(count);
        var changes = new ChangeSet();
        for (var i = 0; i < count; i++)
        {
            var week = i / ItemsPerWeek;
            var slot = i % ItemsPerWeek;
            var start = FirstWeek.AddDays((week * 7) + (slot / 10)).AddHours(8 + (slot % 10));
            var item = new Item
            {
                Kind = ItemKind.CalendarItem,
                ItemClass = "IPM.Appointment",
                Subject = string.Create(CultureInfo.InvariantCulture, $"Bench appointment {i}"),
                Body = new Body("Text", BodyText),
                Sensitivity = "Normal",
                Start = start,
                End = start.AddHours(1),
                Location = string.Create(CultureInfo.InvariantCulture, $"Room {i % 20}"),
                LegacyFreeBusyStatus = (i % 7) switch { 0 => "Tentative", 3 => "Free", _ => "Busy" },
                ReminderIsSet = true,
                ReminderMinutesBeforeStart = 15,
            };
            CalendarRules.PrepareNewCalendarItem(item, user.Mailbox, null, now);
            Stamp(store, item, user, folder.Id, now);
            ids.Add(item.Id);
            changes.Inserts.Add(item);
            if (changes.Inserts.Count == Batch)
            {
                await store.ApplyAsync(changes, cancellationToken);
                changes = new ChangeSet();
            }
        }

        await store.ApplyAsync(changes, cancellationToken);
        return ids;
    }

    /// <summary>
    /// <paramref name="count"/> open-ended series in the calendar, half daily (every 4 to 8 weeks), half weekly (one
    /// weekday every 4 to 12 weeks), 30 minutes at 07:30 Paris time (so DST moves them in UTC), their first occurrences
    /// spread over the first quarter of the <paramref name="weeks"/> seeded weeks; each has two exceptions (its second
    /// occurrence an hour later, its fifth with another subject and location) and its third occurrence deleted.
    /// Sparse series, as a real calendar's are: a week view holds a few dozen occurrences of 300 series. Beyond 300 the
    /// intervals grow in proportion (3,000 series: daily every 40 to 80 weeks, weekly every 40 to 120 weeks), so that the
    /// week holds about as many occurrences: a larger calendar of series measures the cost of the series' number (each
    /// master read and expanded for the window), not of a longer answer.
    /// </summary>
    private static async Task SeedSeriesAsync(IMailStore store, UserRecord user, int count, int weeks, CancellationToken cancellationToken)
    {
        var folder = await store.GetDistinguishedFolderAsync(user.MailboxId, "calendar", cancellationToken)
            ?? throw new InvalidOperationException("The mailbox has no calendar.");
        var paris = TimeZones.Find("Romance Standard Time") ?? throw new InvalidOperationException("No Romance Standard Time zone.");
        var now = DateTime.UtcNow;
        var changes = new ChangeSet();
        var spread = Math.Max(1, weeks / 4);
        var sparser = Math.Max(1, count / 300);
        for (var i = 0; i < count; i++)
        {
            var firstDay = DateOnly.FromDateTime(FirstWeek).AddDays((7 * (i % spread)) + (i % 5));
            var pattern = i % 2 == 0
                ? new RecurrencePattern(RecurrencePatternKind.Daily, Interval: (28 + (i / 2 % 29)) * sparser)
                : new RecurrencePattern(RecurrencePatternKind.Weekly, Interval: (4 + (i / 2 % 9)) * sparser, DaysOfWeek: (RecurrenceDays)(1 << (int)firstDay.DayOfWeek), FirstDayOfWeek: DayOfWeek.Monday);
            var start = TimeZones.ToUtc(firstDay.ToDateTime(new TimeOnly(7, 30)), paris);
            var item = new Item
            {
                Kind = ItemKind.CalendarItem,
                ItemClass = "IPM.Appointment",
                Subject = string.Create(CultureInfo.InvariantCulture, $"Bench series {i}"),
                Body = new Body("Text", BodyText),
                Sensitivity = "Normal",
                Start = start,
                End = start.AddMinutes(30),
                StartTimeZone = new TimeZoneRef("Romance Standard Time"),
                EndTimeZone = new TimeZoneRef("Romance Standard Time"),
                Location = string.Create(CultureInfo.InvariantCulture, $"Room {i % 20}"),
                LegacyFreeBusyStatus = "Busy",
                ReminderIsSet = true,
                ReminderMinutesBeforeStart = 15,
                Recurrence = new Recurrence(pattern, new RecurrenceRange(RecurrenceRangeKind.NoEnd, firstDay)),
            };
            var series = SeriesItems.SeriesOf(item)!;
            var second = RecurrenceExpansion.OccurrenceAt(series, 2)!.Value;
            var fifth = RecurrenceExpansion.OccurrenceAt(series, 5)!.Value;
            item.Exceptions =
            [
                new OccurrenceException(second.OriginalStartUtc, new Item { Start = second.StartUtc.AddHours(1), End = second.EndUtc.AddHours(1) }),
                new OccurrenceException(fifth.OriginalStartUtc, new Item { Start = fifth.StartUtc, End = fifth.EndUtc, Subject = "Moved review", Location = "Room 99" }),
            ];
            item.DeletedOccurrences = [RecurrenceExpansion.OccurrenceAt(series, 3)!.Value.OriginalStartUtc];
            CalendarRules.PrepareNewCalendarItem(item, user.Mailbox, null, now);
            SeriesItems.StampSeriesBounds(item);
            Stamp(store, item, user, folder.Id, now);
            changes.Inserts.Add(item);
            if (changes.Inserts.Count == Batch)
            {
                await store.ApplyAsync(changes, cancellationToken);
                changes = new ChangeSet();
            }
        }

        await store.ApplyAsync(changes, cancellationToken);
    }

    /// <summary>A new folder under the Top of Information Store holding <paramref name="count"/> read messages.</summary>
    private static async Task<SeededFolder> SeedMessageFolderAsync(IMailStore store, UserRecord user, string parentId, int count, CancellationToken cancellationToken)
    {
        var folder = new Folder
        {
            Id = EwsIds.NewFolderId(user.MailboxId),
            MailboxId = user.MailboxId,
            ParentId = parentId,
            DisplayName = string.Create(CultureInfo.InvariantCulture, $"Sync {count}"),
            FolderClass = "IPF.Note",
        };
        var changes = new ChangeSet();
        changes.FolderInserts.Add(folder);
        await store.ApplyAsync(changes, cancellationToken);

        var now = DateTime.UtcNow;
        var me = new EmailAddress(DisplayName(user.Address), user.Address);
        var sender = new EmailAddress("Bench Sender", "sender@bench.test");
        var first = new List<string>();
        changes = new ChangeSet();
        for (var i = 0; i < count; i++)
        {
            var item = new Item
            {
                Kind = ItemKind.Message,
                ItemClass = "IPM.Note",
                Subject = string.Create(CultureInfo.InvariantCulture, $"Bench message {i}"),
                Body = new Body("Text", BodyText),
                From = sender,
                Sender = sender,
                ToRecipients = [me],
                IsRead = true,
                IsSubmitted = true,
                DateTimeSent = now,
                DateTimeReceived = now,
                ReceivedBy = me,
                InternetMessageId = string.Create(CultureInfo.InvariantCulture, $"<bench-{count}-{i}@bench.test>"),
            };
            Stamp(store, item, user, folder.Id, now);
            if (first.Count < 100)
            {
                first.Add(item.Id);
            }

            changes.Inserts.Add(item);
            if (changes.Inserts.Count == Batch)
            {
                await store.ApplyAsync(changes, cancellationToken);
                changes = new ChangeSet();
            }
        }

        await store.ApplyAsync(changes, cancellationToken);
        return new SeededFolder(count, folder.Id, first);
    }

    /// <summary>What CreateItemHandler.Stamp gives a new item: id, place, times, first change number.</summary>
    private static void Stamp(IMailStore store, Item item, UserRecord owner, string folderId, DateTime now)
    {
        item.Id = EwsIds.NewItemId(owner.MailboxId);
        item.MailboxId = owner.MailboxId;
        item.FolderId = folderId;
        item.DateTimeCreated = now;
        item.DateTimeReceived ??= now;
        item.LastModifiedTime = now;
        item.LastModifiedName = owner.DisplayName;
        item.FieldChanges.Clear();
    }
}
