using Rendezvous.Calendar;
using Rendezvous.Domain;
using Rendezvous.Protocol;
using Rendezvous.Store;

namespace Rendezvous.Services;

/// <summary>What availability reads of one mailbox: its calendar items in the window, its working hours, what the caller may see.</summary>
public sealed record MailboxCalendar(IReadOnlyList<Item> Calendar, WorkingHours WorkingHours, DetailRight Right);

/// <summary>The free/busy view of each mailbox (null where it failed, or none asked) and the suggested meeting times.</summary>
public sealed record AvailabilityAnswer(IReadOnlyList<FreeBusyViewResult?>? Views, IReadOnlyList<SuggestionDay>? Suggestions);

/// <summary>
/// GetUserAvailability: free/busy views and meeting suggestions for up to 100 mailboxes, each loaded (or failing) on
/// its own in request order, then answered by the pure engines (<see cref="Availability"/>, <see cref="Suggestions"/>).
/// Only each mailbox's Calendar folder counts.
/// </summary>
public static class AvailabilityService
{
    /// <summary>Checks the request as a whole and gives every window it reads (each mailbox's calendar is read once for both views).</summary>
    public static UtcWindow Prepare(AvailabilityRequest query)
    {
        Availability.Validate(query);
        var windows = new[] { query.FreeBusy?.Window, query.Suggestions?.Window }.OfType<UtcWindow>().ToList();
        var suggestionReach = query.Suggestions is { } so ? TimeSpan.FromMinutes(so.MeetingDurationInMinutes) : TimeSpan.Zero;
        return new UtcWindow(windows.Min(w => w.Start) - suggestionReach, windows.Max(w => w.End) + suggestionReach);
    }

    /// <summary>
    /// Each mailbox of the request loaded, in request order, as a finished task: its calendar, or the DomainException it
    /// failed with (no such recipient, no free/busy access), each failing on its own. The mailboxes are looked up in
    /// one store read and their windows read in another (PostgreSQL: two round trips, not six a mailbox); what each
    /// may see is decided as before, from what was read.
    /// </summary>
    public static async Task<IReadOnlyList<Task<MailboxCalendar>>> LoadAsync(Session session, IReadOnlyList<MailboxQuery> mailboxes, UtcWindow reach)
    {
        var found = await session.Store.GetFreeBusyMailboxesAsync([.. mailboxes.Select(static m => m.Address)], session.MailboxId, session.Cancellation);
        var loaded = new Task<MailboxCalendar>[mailboxes.Count];
        var decided = new List<(int Index, Folder Calendar, WorkingHours Hours, DetailRight Right)>();
        for (var i = 0; i < mailboxes.Count; i++)
        {
            try
            {
                var mailbox = found[i] ?? throw new DomainException(ErrorCode.RecipientNotFound,
                    $"No mailbox was found for {mailboxes[i].Address}: the mail recipient is not found in the directory.");
                var calendar = mailbox.Calendar;
                var right = calendar is null || mailbox.User.MailboxId == session.MailboxId ? DetailRight.Owner : RightOf(session, mailbox, calendar);
                var hours = mailbox.WorkingHours ?? WorkingHours.Default;
                if (calendar is null)
                {
                    loaded[i] = Task.FromResult(new MailboxCalendar([], hours, right));
                }
                else
                {
                    decided.Add((i, calendar, hours, right));
                }
            }
            catch (DomainException e)
            {
                loaded[i] = Task.FromException<MailboxCalendar>(e);
            }
        }

        // Only the calendars the caller may see something of are read.
        var windows = await session.Store.GetFreeBusyInWindowsAsync([.. decided.Select(static d => d.Calendar.Id)], reach.Start, reach.End, session.Cancellation);
        for (var k = 0; k < decided.Count; k++)
        {
            var (index, calendar, hours, right) = decided[k];
            try
            {
                loaded[index] = Task.FromResult(new MailboxCalendar(await WithSeriesAsync(session, calendar, reach, windows[k]), hours, right));
            }
            catch (DomainException e)
            {
                loaded[index] = Task.FromException<MailboxCalendar>(e);
            }
        }

        return loaded;
    }

    /// <summary>
    /// What the caller may see of another's calendar, from its permission: its ReadItems (the default FreeBusyTimeOnly:
    /// times only), everything to one who may view private items; a calendar that grants them nothing at all gives no
    /// free/busy (ErrorNoFreeBusyAccess), as Exchange answers when the owner set Default to None.
    /// </summary>
    private static DetailRight RightOf(Session session, FreeBusyMailbox mailbox, Folder calendar)
    {
        var access = session.AccessOf(calendar, mailbox.CallerRights, mailbox.CallerAsDelegate);
        var right = access.Rights.ReadItems switch
        {
            ReadAccess.FullDetails => access.ViewPrivateItems ? DetailRight.Owner : DetailRight.FullDetails,
            ReadAccess.TimeAndSubjectAndLocation => DetailRight.SubjectAndLocation,
            ReadAccess.TimeOnly => DetailRight.FreeBusy,
            _ when access.Rights.OpensFolder => DetailRight.FreeBusy,
            _ => throw new DomainException(ErrorCode.NoFreeBusyAccess, "The caller has no free/busy access to this mailbox's calendar."),
        };
        if (right > DetailRight.FreeBusy)
        {
            // Details of another's calendar are read through a permission: accounted for like any other read.
            session.Account(access, FolderAction.ReadItems, mailbox.User.Address);
        }

        return right;
    }

    /// <summary>
    /// What of <paramref name="mailboxId"/>'s calendar counts as free/busy in [start, end), as whole items (with their
    /// UIDs, which the free/busy read leaves out): what a room decides a request from.
    /// </summary>
    public static async Task<IReadOnlyList<Item>> CalendarInWindowAsync(Session session, string mailboxId, DateTime start, DateTime end)
    {
        var calendar = await session.Store.GetDistinguishedFolderAsync(mailboxId, "calendar", session.Cancellation);
        return calendar is null ? [] : await CalendarInWindowAsync(session, calendar, new UtcWindow(start, end));
    }

    /// <summary>The single items of a calendar in the window, whole, with its series there (<see cref="WithSeriesAsync"/>).</summary>
    private static async Task<IReadOnlyList<Item>> CalendarInWindowAsync(Session session, Folder calendar, UtcWindow reach) =>
        await WithSeriesAsync(session, calendar, reach, await session.Store.GetItemsInWindowAsync(calendar.Id, reach.Start, reach.End, session.Cancellation));

    /// <summary>
    /// The single items read of a calendar's window (<paramref name="singles"/>) and the occurrences and exceptions of
    /// its series there (deleted occurrences never count); the masters themselves do not count.
    /// </summary>
    private static async Task<IReadOnlyList<Item>> WithSeriesAsync(Session session, Folder calendar, UtcWindow reach, IReadOnlyList<Item> singles)
    {
        var series = await session.SeriesCache.InWindowAsync(session, calendar, reach.Start, reach.End);
        if (!series.Any)
        {
            return singles;
        }

        // A master's row also holds its first occurrence's times, so the single items' window may hold it too.
        var items = singles.Where(i => !series.IsMaster(i.Id)).ToList();
        // Free/busy, suggestions and a room's decision only read them: each occurrence shares its master's values.
        foreach (var (master, occurrence) in series.Occurrences())
        {
            items.Add(SeriesItems.MaterialiseReadOnly(master.Master, occurrence));
        }

        return items;
    }

    /// <summary>The answer from what was loaded: <paramref name="calendars"/> in request order, null for a mailbox that failed.</summary>
    public static AvailabilityAnswer Answer(AvailabilityRequest query, IReadOnlyList<MailboxCalendar?> calendars)
    {
        IReadOnlyList<FreeBusyViewResult?>? views = null;
        if (query.FreeBusy is { } options)
        {
            views = [.. calendars.Select(m => m is null ? null : Availability.View(m.Calendar, options, m.Right, m.WorkingHours))];
        }

        IReadOnlyList<SuggestionDay>? suggestions = null;
        if (query.Suggestions is { } suggestionOptions)
        {
            var attendees = query.Mailboxes
                .Select((q, i) => calendars[i] is { } state ? new AttendeeCalendar(q, state.Calendar, state.WorkingHours) : new AttendeeCalendar(q, null, null))
                .ToList();
            suggestions = Suggestions.Suggest(attendees, suggestionOptions, query.Zone);
        }

        return new AvailabilityAnswer(views, suggestions);
    }
}
