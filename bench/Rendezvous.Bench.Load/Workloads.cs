using System.Diagnostics;
using System.Globalization;
using System.Xml.Linq;

namespace Rendezvous.Bench.Load;

/// <summary>
/// A workload: prepared over EWS (with its responses checked in full) before it is measured, then run as a closed loop
/// of one operation at a time per worker. Every measured response is still checked: HTTP 200 and no error message.
/// </summary>
internal abstract class Workload(string name)
{
    protected static readonly XNamespace M = "http://schemas.microsoft.com/exchange/services/2006/messages";
    protected static readonly XNamespace T = "http://schemas.microsoft.com/exchange/services/2006/types";

    public string Name { get; } = name;

    /// <summary>What one operation is, for the report (a request, or a loop of requests).</summary>
    public virtual string Unit => "request";

    public abstract Task PrepareAsync(EwsTarget target, TextWriter log, CancellationToken cancellationToken);

    public abstract Task<Outcome> RunOnceAsync(EwsTarget target, Worker worker, CancellationToken cancellationToken);

    /// <summary>Round-robin over prepared bodies, shared by the workers.</summary>
    protected sealed class Rotation<TItem>(IReadOnlyList<TItem> items)
    {
        private long next = -1;

        public TItem Next() => items[(int)(Interlocked.Increment(ref next) % items.Count)];
    }

    protected static IReadOnlyList<XElement> Messages(XDocument response) =>
        [.. response.Descendants(M + "ResponseMessages").SelectMany(r => r.Elements())];

    protected static void Require(bool condition, string what)
    {
        if (!condition)
        {
            throw new InvalidOperationException("check failed: " + what);
        }
    }
}

/// <summary>GetItem of calendar items, IdOnly plus ten properties, over a thousand items of one calendar.</summary>
internal sealed class GetItemWorkload : Workload
{
    private readonly string user;
    private readonly Rotation<byte[]> bodies;
    private readonly string firstId;

    public GetItemWorkload(string name, SeededCalendar calendar) : base(name)
    {
        user = calendar.Address;
        var step = Math.Max(1, calendar.ItemIds.Count / 1000);
        var ids = calendar.ItemIds.Where((_, i) => i % step == 0).Take(1000).ToList();
        firstId = ids[0];
        Bodies = [.. ids.Select(id => Requests.Envelope(Requests.GetItemTenProperties(id)))];
        bodies = new Rotation<byte[]>(Bodies);
    }

    /// <summary>The request bodies, also sent to the ceiling so both parse the same requests.</summary>
    public IReadOnlyList<byte[]> Bodies { get; }

    public override async Task PrepareAsync(EwsTarget target, TextWriter log, CancellationToken cancellationToken)
    {
        var response = await target.CallAsync(user, Requests.GetItemTenProperties(firstId), cancellationToken);
        var item = response.Descendants(T + "CalendarItem").Single();
        Require(item.Elements().Count() == 11, $"getitem returns the id and ten properties (got {string.Join(", ", item.Elements().Select(e => e.Name.LocalName))})");
    }

    public override Task<Outcome> RunOnceAsync(EwsTarget target, Worker worker, CancellationToken cancellationToken) =>
        worker.PostAsync(target, bodies.Next(), target.Authorization(user), cancellationToken);
}

/// <summary>The ceiling: the getitem requests, sent to the bare Kestrel endpoint.</summary>
internal sealed class CeilingWorkload(IReadOnlyList<byte[]> bodies, string user) : Workload("ceiling")
{
    private readonly Rotation<byte[]> rotation = new(bodies);

    public override Task PrepareAsync(EwsTarget target, TextWriter log, CancellationToken cancellationToken) => Task.CompletedTask;

    public override Task<Outcome> RunOnceAsync(EwsTarget target, Worker worker, CancellationToken cancellationToken) =>
        worker.PostAsync(target, rotation.Next(), target.Authorization(user), cancellationToken);
}

/// <summary>FindItem CalendarView of one week (about 50 items), IdOnly plus the ten properties, week after week.</summary>
internal sealed class CalendarViewWorkload : Workload
{
    private readonly SeededCalendar calendar;
    private readonly Rotation<byte[]> bodies;

    public CalendarViewWorkload(string name, SeededCalendar calendar) : base(name)
    {
        this.calendar = calendar;
        bodies = new Rotation<byte[]>([.. Enumerable.Range(0, calendar.Weeks).Select(w => Requests.Envelope(Week(calendar, w)))]);
    }

    private static string Week(SeededCalendar calendar, int week) =>
        Requests.CalendarView(calendar.FirstWeek.AddDays(7 * week), calendar.FirstWeek.AddDays(7 * (week + 1)));

    public override async Task PrepareAsync(EwsTarget target, TextWriter log, CancellationToken cancellationToken)
    {
        var response = await target.CallAsync(calendar.Address, Week(calendar, 0), cancellationToken);
        var count = response.Descendants(T + "CalendarItem").Count();
        if (calendar.Series == 0)
        {
            Require(count == Math.Min(Seeder.ItemsPerWeek, calendar.Items), $"a week of {calendar.Address} holds {Math.Min(Seeder.ItemsPerWeek, calendar.Items)} items (got {count})");
            log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{Name}: {calendar.Items:N0} items, {calendar.Weeks} weeks, {count} items a week"));
            return;
        }

        // A calendar with series: the view holds the week's single items and occurrences, never a master.
        response = await target.CallAsync(calendar.Address, Requests.CalendarViewTypes(calendar.FirstWeek, calendar.FirstWeek.AddDays(7)), cancellationToken);
        var types = response.Descendants(T + "CalendarItemType").Select(e => e.Value).ToList();
        Require(types.Count(t => t == "Single") == Seeder.ItemsPerWeek, $"a week of {calendar.Address} holds {Seeder.ItemsPerWeek} single items (got {types.Count(t => t == "Single")})");
        Require(types.Any(t => t is "Occurrence" or "Exception") && !types.Contains("RecurringMaster"), "the week holds occurrences and no master");
        var occurrences = 0;
        for (var w = 0; w < calendar.Weeks; w += Math.Max(1, calendar.Weeks / 8))
        {
            var week = await target.CallAsync(calendar.Address, Requests.CalendarViewTypes(calendar.FirstWeek.AddDays(7 * w), calendar.FirstWeek.AddDays(7 * (w + 1))), cancellationToken);
            occurrences += week.Descendants(T + "CalendarItemType").Count(e => e.Value is "Occurrence" or "Exception");
        }

        log.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{Name}: {calendar.Items:N0} items ({calendar.Series:N0} series), {calendar.Weeks} weeks, {count} items in the first week, {occurrences / ((calendar.Weeks + Math.Max(1, calendar.Weeks / 8) - 1) / Math.Max(1, calendar.Weeks / 8)):N0} occurrences a week on average (sampled)"));
    }

    public override Task<Outcome> RunOnceAsync(EwsTarget target, Worker worker, CancellationToken cancellationToken) =>
        worker.PostAsync(target, bodies.Next(), target.Authorization(calendar.Address), cancellationToken);
}

/// <summary>CreateItem of a meeting with ten attendees, SendToAllAndSaveCopy, by several organizers in turn.</summary>
internal sealed class InviteWorkload : Workload
{
    private readonly IReadOnlyList<string> organizers;
    private readonly IReadOnlyList<byte[]> bodies;
    private readonly IReadOnlyList<string> attendees;
    private long next = -1;

    public InviteWorkload(IReadOnlyList<string> organizers, IReadOnlyList<string> attendees) : base("invite")
    {
        this.organizers = organizers;
        this.attendees = attendees;
        // A thousand distinct hours in 2033, away from the seeded weeks.
        var first = new DateTime(2033, 1, 3, 8, 0, 0, DateTimeKind.Utc);
        bodies = [.. Enumerable.Range(0, 1000).Select(i => Requests.Envelope(Requests.CreateMeeting(
            string.Create(CultureInfo.InvariantCulture, $"Bench invite {i}"), attendees, first.AddHours(i), first.AddHours(i + 1))))];
    }

    public override string Unit => "meeting";

    public override async Task PrepareAsync(EwsTarget target, TextWriter log, CancellationToken cancellationToken)
    {
        var start = new DateTime(2032, 12, 27, 8, 0, 0, DateTimeKind.Utc);
        var response = await target.CallAsync(organizers[0], Requests.CreateMeeting("Bench invite check", attendees, start, start.AddHours(1)), cancellationToken);
        Require(response.Descendants(T + "ItemId").Count() == 1, "invite returns the organizer's item id");
        var inbox = await target.CallAsync(attendees[^1], Requests.FindPage("inbox", 0, 10), cancellationToken);
        Require(inbox.Descendants(T + "Subject").Any(s => s.Value == "Bench invite check"), "the last attendee received the meeting request");
    }

    public override Task<Outcome> RunOnceAsync(EwsTarget target, Worker worker, CancellationToken cancellationToken)
    {
        var n = Interlocked.Increment(ref next);
        return worker.PostAsync(target, bodies[(int)(n % bodies.Count)], target.Authorization(organizers[(int)(n % organizers.Count)]), cancellationToken);
    }
}

/// <summary>
/// The attendee side of the propose-new-time loop, once per meeting request: GetItem of the request with
/// item:ResponseObjects (does it offer ProposeNewTime?), then CreateItem TentativelyAcceptItem with ProposedStart/End.
/// Each answer consumes a request (it moves to Deleted Items), so the requests are made before the run by an
/// organizer inviting the attendees over EWS, as a real organizer would; the run ends early if they run out.
/// They are handed out so that concurrent loops answer different meetings (answers to one meeting take turns in
/// the server, which would measure the lock rather than the work).
/// </summary>
internal sealed class ProposeWorkload(string name, string organizer, IReadOnlyList<string> attendees, int meetings, int preparers) : Workload(name)
{
    private static readonly DateTime First = new(2034, 1, 2, 8, 0, 0, DateTimeKind.Utc);
    private List<(string User, byte[] Offer, byte[] Answer)> pool = [];
    private long next = -1;

    public override string Unit => "loop";

    public int PoolSize => pool.Count;

    /// <summary>How long the organizer took to send the meetings (over EWS, <c>preparers</c> at a time).</summary>
    public TimeSpan Preparation { get; private set; }

    public override async Task PrepareAsync(EwsTarget target, TextWriter log, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var tag = Name.Replace('@', '-');
        using var gate = new SemaphoreSlim(preparers);
        await Task.WhenAll(Enumerable.Range(0, meetings).Select(async j =>
        {
            await gate.WaitAsync(cancellationToken);
            try
            {
                var start = First.AddHours(j);
                await target.CallAsync(organizer, Requests.CreateMeeting(string.Create(CultureInfo.InvariantCulture, $"Proposal {tag} {j}"), attendees, start, start.AddHours(1)), cancellationToken);
            }
            finally
            {
                gate.Release();
            }
        }));
        Preparation = clock.Elapsed;
        log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{Name}: {meetings} meetings to {attendees.Count} attendees made over EWS in {clock.Elapsed.TotalSeconds:F1}s ({meetings / clock.Elapsed.TotalSeconds:F0} meetings/s, {preparers} at a time)"));

        var byAttendee = new List<List<(int Meeting, string Id)>>();
        foreach (var attendee in attendees)
        {
            var requests = new List<(int, string)>();
            for (var offset = 0; ; offset += 1000)
            {
                var page = await target.CallAsync(attendee, Requests.FindPage("inbox", offset, 1000), cancellationToken);
                var items = page.Descendants(T + "Items").Single().Elements().ToList();
                foreach (var item in items.Where(i => i.Name.LocalName == "MeetingRequest"))
                {
                    var subject = item.Element(T + "Subject")?.Value ?? "";
                    var prefix = $"Proposal {tag} ";
                    if (subject.StartsWith(prefix, StringComparison.Ordinal))
                    {
                        requests.Add((int.Parse(subject[prefix.Length..], CultureInfo.InvariantCulture), (string)item.Element(T + "ItemId")!.Attribute("Id")!));
                    }
                }

                if (items.Count < 1000)
                {
                    break;
                }
            }

            Require(requests.Count == meetings, $"{attendee} received {meetings} requests (found {requests.Count})");
            byAttendee.Add([.. requests.OrderBy(r => r.Item1)]);
        }

        // Attendee by attendee, meeting after meeting: neighbours in the pool (answered at the same time) are different meetings.
        pool = [.. byAttendee.SelectMany((requests, a) => requests.Select(r =>
        {
            var proposed = First.AddHours(r.Meeting).AddHours(2);
            return (attendees[a],
                Requests.Envelope(Requests.GetItemResponseObjects(r.Id)),
                Requests.Envelope(Requests.ProposeNewTime(r.Id, proposed, proposed.AddHours(1))));
        }))];

        var firstId = byAttendee[0][0].Id;
        var offer = await target.CallAsync(attendees[0], Requests.GetItemResponseObjects(firstId), 0, cancellationToken);
        Require(offer.Descendants(T + "ProposeNewTime").Any(), "the meeting request offers ProposeNewTime");
        if (target.Nodes > 1)
        {
            await CheckAcrossNodesAsync(target, byAttendee[0][0], cancellationToken);
            pool.RemoveAt(0);
        }

        log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{Name}: {pool.Count} requests ready ({clock.Elapsed.TotalSeconds:F1}s)"));
    }

    /// <summary>
    /// On several nodes a loop's two steps go to different nodes (the answer to the node after the offer's), so one loop
    /// is made so before the run, and the organizer's item, read on a third call's node, must track the answer.
    /// </summary>
    private async Task CheckAcrossNodesAsync(EwsTarget target, (int Meeting, string Id) request, CancellationToken cancellationToken)
    {
        var attendee = pool[0].User;
        var start = First.AddHours(request.Meeting);
        await target.CallAsync(attendee, Requests.GetItemResponseObjects(request.Id), 0, cancellationToken);
        await target.CallAsync(attendee, Requests.ProposeNewTime(request.Id, start.AddHours(2), start.AddHours(3)), 1, cancellationToken);
        var view = await target.CallAsync(organizer, Requests.CalendarViewTypes(start, start.AddHours(1)), 0, cancellationToken);
        var id = (string?)view.Descendants(T + "ItemId").FirstOrDefault()?.Attribute("Id");
        Require(id is not null, "the organizer's calendar holds the meeting answered across nodes");
        var item = await target.CallAsync(organizer, Requests.GetItemAttendees(id!), target.Nodes - 1, cancellationToken);
        var row = item.Descendants(T + "Attendee").FirstOrDefault(a => string.Equals((string?)a.Descendants(T + "EmailAddress").FirstOrDefault(), attendee, StringComparison.OrdinalIgnoreCase));
        Require((string?)row?.Element(T + "ResponseType") == "Tentative", $"the organizer's item tracks {attendee}'s answer made on another node than its offer");
    }

    public override async Task<Outcome> RunOnceAsync(EwsTarget target, Worker worker, CancellationToken cancellationToken)
    {
        var n = Interlocked.Increment(ref next);
        if (n >= pool.Count)
        {
            return Outcome.Exhausted;
        }

        var (user, offer, answer) = pool[(int)n];
        var auth = target.Authorization(user);
        var first = await worker.PostAsync(target, offer, auth, cancellationToken);
        // On several nodes the answer goes to the next node: a turn taken on one node, the offer read on another.
        return first != Outcome.Ok ? first : await worker.PostAsync(target, answer, auth, cancellationToken, step: 1);
    }
}

/// <summary>GetUserAvailability of 20 mailboxes over one week, DetailedMerged, week after week.</summary>
internal sealed class AvailabilityWorkload : Workload
{
    private readonly IReadOnlyList<string> mailboxes;
    private readonly Rotation<byte[]> bodies;
    private readonly int weeks;

    public AvailabilityWorkload(IReadOnlyList<string> mailboxes, int weeks, string name = "availability") : base(name)
    {
        this.mailboxes = mailboxes;
        this.weeks = weeks;
        bodies = new Rotation<byte[]>([.. Enumerable.Range(0, weeks).Select(w => Requests.Envelope(Week(w)))]);
    }

    private string Week(int week) => Requests.Availability(mailboxes, Seeder.FirstWeek.AddDays(7 * week), Seeder.FirstWeek.AddDays(7 * (week + 1)));

    public override async Task PrepareAsync(EwsTarget target, TextWriter log, CancellationToken cancellationToken)
    {
        var response = await target.CallAsync(mailboxes[0], Week(0), cancellationToken);
        var answers = response.Descendants(M + "FreeBusyResponse").ToList();
        Require(answers.Count == mailboxes.Count, $"one FreeBusyResponse per mailbox (got {answers.Count})");
        var events = answers.Select(a => a.Descendants(T + "CalendarEvent").Count()).ToList();
        Require(events.All(e => e > 0), "every mailbox has events in the week");
        log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{Name}: {mailboxes.Count} mailboxes, {weeks} weeks, {events.Sum()} events in the first week"));
    }

    public override Task<Outcome> RunOnceAsync(EwsTarget target, Worker worker, CancellationToken cancellationToken) =>
        worker.PostAsync(target, bodies.Next(), target.Authorization(mailboxes[0]), cancellationToken);
}

/// <summary>
/// SyncFolderItems returning 10 changes in a folder of N items. The state is taken once by a full sync (paged by 512
/// to the end), then 10 items are changed, and every measured request syncs from that same saved state: it returns
/// the same 10 changes each time, so every request does the same work and the figure is stable (a client that keeps
/// failing to save its new state does exactly this). Making 10 new changes per request would measure UpdateItem too.
/// </summary>
internal sealed class SyncWorkload(string name, SeededFolder folder) : Workload(name)
{
    private const int Changes = 10;
    private byte[] body = [];

    /// <summary>The full sync the preparation made: pages and time.</summary>
    public (int Pages, TimeSpan Elapsed) FullSync { get; private set; }

    public override async Task PrepareAsync(EwsTarget target, TextWriter log, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        string? state = null;
        var pages = 0;
        var seen = 0;
        while (true)
        {
            var response = await target.CallAsync(Seeder.SyncUser, Requests.SyncFolderItems(folder.FolderId, state), cancellationToken);
            pages++;
            state = response.Descendants(M + "SyncState").Single().Value;
            seen += response.Descendants(M + "Changes").Single().Elements().Count();
            if (response.Descendants(M + "IncludesLastItemInRange").Single().Value == "true")
            {
                break;
            }
        }

        FullSync = (pages, clock.Elapsed);
        Require(seen == folder.Size, $"the full sync returned every item ({seen} of {folder.Size})");
        for (var i = 0; i < Changes; i++)
        {
            await target.CallAsync(Seeder.SyncUser, Requests.SetMessageSubject(folder.FirstItemIds[i], string.Create(CultureInfo.InvariantCulture, $"Changed {i}")), cancellationToken);
        }

        var check = await target.CallAsync(Seeder.SyncUser, Requests.SyncFolderItems(folder.FolderId, state), cancellationToken);
        var updates = check.Descendants(M + "Changes").Single().Elements(T + "Update").Count();
        Require(updates == Changes, $"the incremental sync returns the {Changes} changes (got {updates})");
        body = Requests.Envelope(Requests.SyncFolderItems(folder.FolderId, state));
        log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{Name}: full sync of {folder.Size:N0} items in {pages} pages took {FullSync.Elapsed.TotalSeconds:F2}s"));
    }

    public override Task<Outcome> RunOnceAsync(EwsTarget target, Worker worker, CancellationToken cancellationToken) =>
        worker.PostAsync(target, body, target.Authorization(Seeder.SyncUser), cancellationToken);
}
