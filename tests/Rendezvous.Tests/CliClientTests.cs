using System.Diagnostics;
using System.Text.Json;
using Rendezvous.Tests.Infrastructure;

namespace Rendezvous.Tests;

/// <summary>
/// The rdv meeting commands as users run them: real processes signed in as alice and bob against the shared server,
/// checked on their exit codes, their JSON and (where the layout is the point) their tables.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class CliClientTests(ServerFixture fixture)
{
    private const string Alice = ServerFixture.Alice;
    private const string Bob = ServerFixture.Bob;
    private const string Carol = ServerFixture.Carol;

    [Fact]
    public async Task The_whole_propose_new_time_loop_runs_between_two_users()
    {
        var subject = Unique("Roadmap review");
        var invited = await JsonAsync(Alice, "invite", "--subject", subject, "--start", "2030-06-03T14:00:00Z", "--end", "2030-06-03T15:00:00Z", "--to", Bob, "--message", "Q3 roadmap");
        Assert.Equal(subject, invited.GetProperty("subject").GetString());
        Assert.Equal(Instant("2030-06-03T14:00:00Z"), invited.GetProperty("start").GetDateTimeOffset());

        // Bob sees the request, and that a new time may be proposed.
        var day = new[] { "--from", "2030-06-03T00:00:00Z", "--to", "2030-06-04T00:00:00Z" };
        var request = Assert.Single(Rows(await JsonAsync(Bob, ["meetings", .. day]), subject), row => row.GetProperty("kind").GetString() == "request");
        Assert.True(request.GetProperty("canProposeNewTime").GetBoolean());
        Assert.Equal(Alice, request.GetProperty("organizer").GetString());
        var table = await OkAsync(Rdv(Bob, ["meetings", .. day, "--tz", "UTC"]));
        var line = Assert.Single(table.Split('\n'), l => l.StartsWith("request", StringComparison.Ordinal) && l.Contains(subject, StringComparison.Ordinal));
        Assert.Contains("2030-06-03 14:00", line, StringComparison.Ordinal);
        Assert.Contains(" yes ", line, StringComparison.Ordinal);
        Assert.StartsWith("KIND", table, StringComparison.Ordinal);

        var proposed = await OkAsync(Rdv(Bob, "propose", "--subject", subject, "--start", "2030-06-03T16:00:00Z", "--end", "2030-06-03T17:00:00Z", "--tentative", "--message", "Later works better for me"));
        Assert.Contains("tentatively accepted", proposed, StringComparison.Ordinal);

        // Alice finds Bob's proposal both among all her meetings' proposals and by subject.
        var all = (await JsonAsync(Alice, "proposals")).EnumerateArray().ToList();
        var meeting = Assert.Single(all, m => m.GetProperty("subject").GetString() == subject);
        var proposal = Assert.Single(meeting.GetProperty("proposals").EnumerateArray());
        Assert.Equal(Bob, proposal.GetProperty("attendee").GetString());
        Assert.Equal("Tentative", proposal.GetProperty("answer").GetString());
        Assert.Equal(Instant("2030-06-03T16:00:00Z"), proposal.GetProperty("proposedStart").GetDateTimeOffset());
        Assert.Equal(Instant("2030-06-03T17:00:00Z"), proposal.GetProperty("proposedEnd").GetDateTimeOffset());
        Assert.Equal("Later works better for me", proposal.GetProperty("message").GetString());
        var byName = await OkAsync(Rdv(Alice, "proposals", "--subject", subject, "--tz", "UTC"));
        Assert.Contains("ATTENDEE", byName, StringComparison.Ordinal);
        var row = Assert.Single(byName.Split('\n'), l => l.Contains(Bob, StringComparison.Ordinal));
        Assert.Contains("2030-06-03 16:00", row, StringComparison.Ordinal);
        Assert.Contains("Later works better for me", row, StringComparison.Ordinal);

        // Both calendars show the meeting's slot; the suggestions avoid it. A whole day, so that some of it is working
        // time (the default working hours follow the server machine's zone).
        var availability = await JsonAsync(Alice, "availability", Alice, Bob, "--from", "2030-06-03T00:00:00Z", "--to", "2030-06-04T00:00:00Z", "--tz", "UTC");
        var mailboxes = availability.GetProperty("mailboxes").EnumerateArray().ToList();
        Assert.Equal(new[] { Alice, Bob }, mailboxes.Select(m => m.GetProperty("address").GetString()));
        Assert.All(mailboxes, m => Assert.Equal(JsonValueKind.Null, m.GetProperty("error").ValueKind));
        Assert.All(mailboxes, m => Assert.Contains(m.GetProperty("busy").EnumerateArray(), b => b.GetProperty("start").GetDateTimeOffset() == Instant("2030-06-03T14:00:00Z")));
        var suggestions = availability.GetProperty("suggestions").EnumerateArray().ToList();
        Assert.NotEmpty(suggestions);
        Assert.DoesNotContain(suggestions, s => s.GetProperty("start").GetDateTimeOffset() == Instant("2030-06-03T14:00:00Z") && s.GetProperty("quality").GetString() == "Excellent");

        var applied = await JsonAsync(Alice, "apply-proposal", "--subject", subject, "--from", Bob);
        Assert.Equal(Instant("2030-06-03T14:00:00Z"), applied.GetProperty("previousStart").GetDateTimeOffset());
        Assert.Equal(Instant("2030-06-03T16:00:00Z"), applied.GetProperty("start").GetDateTimeOffset());
        Assert.Equal(new[] { Bob }, applied.GetProperty("attendees").EnumerateArray().Select(a => a.GetString()));

        // Bob's calendar follows; only the update is still pending (the first request is out of date).
        var moved = Rows(await JsonAsync(Bob, ["meetings", .. day]), subject);
        Assert.Equal(new[] { "meeting", "request" }, moved.Select(r => r.GetProperty("kind").GetString()).Order(StringComparer.Ordinal));
        Assert.All(moved, r => Assert.Equal(Instant("2030-06-03T16:00:00Z"), r.GetProperty("start").GetDateTimeOffset()));

        var cancelled = await OkAsync(Rdv(Alice, "cancel", "--subject", subject, "--message", "Settled by mail"));
        Assert.Contains("cancellation sent to " + Bob, cancelled, StringComparison.Ordinal);
        var afterCancel = (await JsonAsync(Bob, ["meetings", .. day])).EnumerateArray()
            .Where(r => r.GetProperty("subject").GetString()!.Contains(subject, StringComparison.Ordinal) && r.GetProperty("kind").GetString() == "meeting");
        Assert.True(Assert.Single(afterCancel).GetProperty("isCancelled").GetBoolean());
    }

    [Fact]
    public async Task Tz_sets_the_zone_times_are_shown_in_and_offsetless_inputs_are_read_in()
    {
        var subject = Unique("Paris standup");
        // 10:00 in Paris in January is 09:00 UTC.
        var invited = await JsonAsync(Alice, "invite", "--subject", subject, "--start", "2031-01-15T10:00", "--end", "2031-01-15T10:30", "--tz", "Europe/Paris", "--to", Carol);
        Assert.Equal("2031-01-15T10:00:00+01:00", invited.GetProperty("start").GetString());

        var window = new[] { "--from", "2031-01-15", "--to", "2031-01-16" };
        var newYork = Assert.Single(Rows(await JsonAsync(Alice, ["meetings", .. window, "--tz", "America/New_York"]), subject));
        Assert.Equal("2031-01-15T04:00:00-05:00", newYork.GetProperty("start").GetString());
        Assert.Equal(Instant("2031-01-15T09:00:00Z"), newYork.GetProperty("start").GetDateTimeOffset());

        Assert.Contains("2031-01-15 10:00", Line(await OkAsync(Rdv(Alice, ["meetings", .. window, "--tz", "Europe/Paris"])), subject), StringComparison.Ordinal);
        Assert.Contains("2031-01-15 10:00", Line(await OkAsync(Rdv(Alice, ["meetings", .. window, "--tz", "Romance Standard Time"])), subject), StringComparison.Ordinal);
        Assert.Contains("2031-01-15 04:00", Line(await OkAsync(Rdv(Alice, ["meetings", .. window, "--tz", "America/New_York"])), subject), StringComparison.Ordinal);

        // The window is read in the zone too: the New York day of the 14th ends at 05:00 UTC on the 15th, before the meeting.
        Assert.Empty(Rows(await JsonAsync(Alice, "meetings", "--from", "2031-01-14", "--to", "2031-01-15", "--tz", "America/New_York"), subject));

        // 02:30 does not exist in Paris on 30 March 2031 (clocks go from 02:00 to 03:00): it is read as 03:30 CEST.
        var gap = await JsonAsync(Alice, "invite", "--subject", Unique("Gap"), "--start", "2031-03-30T02:30", "--end", "2031-03-30T04:00", "--tz", "Europe/Paris", "--to", Carol);
        Assert.Equal(Instant("2031-03-30T01:30:00Z"), gap.GetProperty("start").GetDateTimeOffset());

        var unknown = await Processes.RunAsync(Rdv(Alice, "meetings", "--tz", "Mars/Olympus"));
        Assert.Equal(2, unknown.ExitCode);
        Assert.Contains("Mars/Olympus", unknown.Stderr, StringComparison.Ordinal);
        Assert.Equal(2, (await Processes.RunAsync(Rdv(Alice, "meetings", "--from", "next tuesday"))).ExitCode);
    }

    [Fact]
    public async Task The_server_user_and_password_come_from_options_environment_or_stdin()
    {
        var bare = new Uri(fixture.Url).GetLeftPart(UriPartial.Authority);
        Assert.Matches(@"^http://127\.0\.0\.1:\d+$", bare);
        var withBareUrl = Rdv(Bob, "meetings", "--json");
        withBareUrl.Environment["RDV_URL"] = bare;
        await OkAsync(withBareUrl);

        var withOptions = Rdv(Bob, "meetings", "--json", "--url", fixture.Url, "--user", Bob);
        withOptions.Environment.Remove("RDV_URL");
        withOptions.Environment.Remove("RDV_USER");
        await OkAsync(withOptions);

        // Without RDV_PASSWORD the password is stdin's first line, redirected or asked for with --password-stdin.
        var fromStdin = Rdv(Bob, "meetings", "--json");
        fromStdin.Environment.Remove("RDV_PASSWORD");
        await OkAsync(fromStdin, ServerFixture.Password + "\n");
        var explicitStdin = Rdv(Bob, "meetings", "--json", "--password-stdin");
        explicitStdin.Environment.Remove("RDV_PASSWORD");
        await OkAsync(explicitStdin, ServerFixture.Password + "\n");

        var wrong = Rdv(Bob, "meetings");
        wrong.Environment["RDV_PASSWORD"] = "not the password";
        var refused = await Processes.RunAsync(wrong);
        Assert.Equal(1, refused.ExitCode);
        Assert.Equal($"rdv: HTTP 401: the server refused the credentials for {Bob}", refused.Stderr.TrimEnd());

        var noUrl = Rdv(Bob, "meetings");
        noUrl.Environment.Remove("RDV_URL");
        var usage = await Processes.RunAsync(noUrl);
        Assert.Equal(2, usage.ExitCode);
        Assert.Contains("--url", usage.Stderr, StringComparison.Ordinal);
        Assert.Contains("RDV_URL", usage.Stderr, StringComparison.Ordinal);

        var noUser = Rdv(Bob, "meetings");
        noUser.Environment.Remove("RDV_USER");
        var noUserUsage = await Processes.RunAsync(noUser);
        Assert.Equal(2, noUserUsage.ExitCode);
        Assert.Contains("RDV_USER", noUserUsage.Stderr, StringComparison.Ordinal);

        var nobodyListening = Rdv(Bob, "meetings");
        nobodyListening.Environment["RDV_URL"] = $"http://127.0.0.1:{Processes.FreePort()}";
        var unreachable = await Processes.RunAsync(nobodyListening);
        Assert.Equal(1, unreachable.ExitCode);
        Assert.StartsWith("rdv: cannot reach http://127.0.0.1:", unreachable.Stderr, StringComparison.Ordinal);
        Assert.Single(unreachable.Stderr.TrimEnd().Split('\n'));
    }

    [Fact]
    public async Task A_subject_picks_the_exact_match_first_and_never_guesses_between_several()
    {
        var tag = Unique("Sync");
        foreach (var subject in new[] { tag, tag + " follow-up", tag + " / budget A", tag + " / budget B" })
        {
            await OkAsync(Rdv(Alice, "invite", "--subject", subject, "--start", "2030-09-02T09:00:00Z", "--end", "2030-09-02T09:30:00Z", "--to", Bob));
        }

        // "Sync X" is also part of three other subjects: the exact one wins.
        var accepted = await JsonAsync(Bob, "respond", "--subject", tag, "--accept", "--message", "See you there");
        Assert.Equal(tag, accepted.GetProperty("subject").GetString());
        var rows = Rows(await JsonAsync(Bob, "meetings", "--from", "2030-09-02", "--to", "2030-09-03", "--tz", "UTC"), tag)
            .Where(r => r.GetProperty("subject").GetString() == tag).ToList();
        var meeting = Assert.Single(rows); // the answered request left the Inbox
        Assert.Equal("Accept", meeting.GetProperty("response").GetString());

        var several = await Processes.RunAsync(Rdv(Bob, "respond", "--subject", tag + " / budget", "--decline"));
        Assert.Equal(1, several.ExitCode);
        var lines = several.Stderr.TrimEnd().Split('\n');
        Assert.Equal($"rdv: several meetings match '{tag} / budget'; use --id", lines[0]);
        Assert.Equal(2, lines.Skip(1).Count(l => l.Contains("--id ", StringComparison.Ordinal)));

        var none = await Processes.RunAsync(Rdv(Bob, "respond", "--subject", Unique("No such meeting"), "--accept"));
        Assert.Equal(1, none.ExitCode);
        Assert.StartsWith("rdv: no meeting matches", none.Stderr, StringComparison.Ordinal);

        // The organizer's side resolves among the meetings she organizes.
        var organizerSide = await Processes.RunAsync(Rdv(Alice, "cancel", "--subject", tag + " / budget"));
        Assert.Equal(1, organizerSide.ExitCode);
        Assert.StartsWith("rdv: several meetings match", organizerSide.Stderr, StringComparison.Ordinal);
        Assert.Equal(1, (await Processes.RunAsync(Rdv(Bob, "cancel", "--subject", tag))).ExitCode); // Bob organizes none of them

        Assert.Equal(2, (await Processes.RunAsync(Rdv(Bob, "respond", "--subject", tag))).ExitCode); // no answer chosen
        Assert.Equal(2, (await Processes.RunAsync(Rdv(Bob, "respond", "--subject", tag, "--accept", "--decline"))).ExitCode);
        Assert.Equal(2, (await Processes.RunAsync(Rdv(Bob, "respond", "--accept"))).ExitCode); // neither --subject nor --id
        Assert.Equal(2, (await Processes.RunAsync(Rdv(Bob, "propose", "--subject", tag, "--start", "2030-09-02T10:00:00Z", "--end", "2030-09-02T09:00:00Z"))).ExitCode);
    }

    [Fact]
    public async Task A_refusal_from_the_server_is_one_line_naming_its_EWS_code()
    {
        var subject = Unique("Board meeting");
        await OkAsync(Rdv(Alice, "invite", "--subject", subject, "--start", "2030-10-07T09:00:00Z", "--end", "2030-10-07T10:00:00Z", "--to", Bob, "--no-proposals"));
        var request = Assert.Single(
            Rows(await JsonAsync(Bob, "meetings", "--from", "2030-10-07T00:00:00Z", "--to", "2030-10-08T00:00:00Z"), subject),
            r => r.GetProperty("kind").GetString() == "request");
        Assert.False(request.GetProperty("canProposeNewTime").GetBoolean());

        var refused = await Processes.RunAsync(Rdv(Bob, "propose", "--subject", subject, "--start", "2030-10-07T11:00:00Z", "--end", "2030-10-07T12:00:00Z"));
        Assert.Equal(1, refused.ExitCode);
        Assert.StartsWith("rdv: ErrorInvalidOperation: ", refused.Stderr, StringComparison.Ordinal);
        Assert.Single(refused.Stderr.TrimEnd().Split('\n'));

        var malformed = await Processes.RunAsync(Rdv(Bob, "respond", "--id", "not-an-item-id", "--accept"));
        Assert.Equal(1, malformed.ExitCode);
        Assert.StartsWith("rdv: ErrorInvalidIdMalformed: ", malformed.Stderr, StringComparison.Ordinal);

        var noProposal = await Processes.RunAsync(Rdv(Alice, "apply-proposal", "--subject", subject, "--from", Bob));
        Assert.Equal(1, noProposal.ExitCode);
        Assert.Equal($"rdv: no proposal from {Bob} for '{subject}'", noProposal.Stderr.TrimEnd());

        var unknownMailbox = await JsonAsync(Alice, "availability", "nobody@example.com", "--from", "2030-10-07T08:00:00Z", "--to", "2030-10-07T18:00:00Z");
        var error = Assert.Single(unknownMailbox.GetProperty("mailboxes").EnumerateArray()).GetProperty("error");
        Assert.Equal("ErrorMailRecipientNotFound", error.GetProperty("code").GetString());
    }

    [Fact]
    public async Task Propose_and_apply_proposal_with_occurrence_work_on_that_occurrence_of_a_series_alone()
    {
        var subject = Unique("Weekly sync");
        // rdv invite makes single meetings; the series comes over EWS: Mondays 2032-03-01 and 03-08, 09:00 UTC.
        (await fixture.CallAsync(Alice, Requests.CreateMeeting(subject, [Bob], "2032-03-01T09:00:00Z", "2032-03-01T10:00:00Z", """
            <t:Recurrence>
              <t:WeeklyRecurrence><t:Interval>1</t:Interval><t:DaysOfWeek>Monday</t:DaysOfWeek></t:WeeklyRecurrence>
              <t:NumberedRecurrence><t:StartDate>2032-03-01</t:StartDate><t:NumberOfOccurrences>2</t:NumberOfOccurrences></t:NumberedRecurrence>
            </t:Recurrence>
            """))).Ok();
        var fortnight = new[] { "--from", "2032-03-01T00:00:00Z", "--to", "2032-03-15T00:00:00Z" };
        var before = Rows(await JsonAsync(Bob, ["meetings", .. fortnight]), subject);
        Assert.Equal(new string?[] { "occurrence", "occurrence" }, before.Where(r => r.GetProperty("kind").GetString() == "meeting").Select(r => r.GetProperty("series").GetString()));
        Assert.Equal("series", Assert.Single(before, r => r.GetProperty("kind").GetString() == "request").GetProperty("series").GetString());

        await OkAsync(Rdv(Bob, "propose", "--subject", subject, "--occurrence", "2", "--start", "2032-03-08T15:00:00Z", "--end", "2032-03-08T16:00:00Z", "--tentative"));

        var forSecond = Assert.Single((await JsonAsync(Alice, "proposals", "--subject", subject, "--occurrence", "2")).EnumerateArray());
        Assert.Equal(Instant("2032-03-08T15:00:00Z"), Assert.Single(forSecond.GetProperty("proposals").EnumerateArray()).GetProperty("proposedStart").GetDateTimeOffset());
        Assert.Empty(Assert.Single((await JsonAsync(Alice, "proposals", "--subject", subject, "--occurrence", "1")).EnumerateArray()).GetProperty("proposals").EnumerateArray());
        // --occurrence DATE names the occurrence the pattern put on that day, as the index does.
        var byDate = Assert.Single((await JsonAsync(Alice, "proposals", "--subject", subject, "--occurrence", "2032-03-08")).EnumerateArray());
        Assert.Equal((forSecond.GetProperty("id").GetString(), forSecond.GetProperty("proposals").ToString()), (byDate.GetProperty("id").GetString(), byDate.GetProperty("proposals").ToString()));

        var applied = await JsonAsync(Alice, "apply-proposal", "--subject", subject, "--occurrence", "2", "--from", Bob);
        Assert.Equal(Instant("2032-03-08T15:00:00Z"), applied.GetProperty("start").GetDateTimeOffset());

        var after = Rows(await JsonAsync(Bob, ["meetings", .. fortnight]), subject).Where(r => r.GetProperty("kind").GetString() == "meeting").ToList();
        Assert.Equal(
            new (string?, DateTimeOffset)[] { ("occurrence", Instant("2032-03-01T09:00:00Z")), ("exception", Instant("2032-03-08T15:00:00Z")) },
            after.Select(r => (r.GetProperty("series").GetString(), r.GetProperty("start").GetDateTimeOffset())));
        Assert.Equal(Instant("2032-03-08T09:00:00Z"), after[1].GetProperty("originalStart").GetDateTimeOffset());

        // Moved, it is still the occurrence of 8 March; 15 March has none, 1 March's is where the pattern put it.
        var moved = Assert.Single((await JsonAsync(Alice, "proposals", "--subject", subject, "--occurrence", "2032-03-08")).EnumerateArray());
        Assert.Equal((forSecond.GetProperty("id").GetString(), Instant("2032-03-08T15:00:00Z")), (moved.GetProperty("id").GetString(), moved.GetProperty("start").GetDateTimeOffset()));
        Assert.Equal(Instant("2032-03-01T09:00:00Z"), Assert.Single((await JsonAsync(Alice, "proposals", "--subject", subject, "--occurrence", "2032-03-01")).EnumerateArray()).GetProperty("start").GetDateTimeOffset());
        var none = await Processes.RunAsync(Rdv(Alice, "proposals", "--subject", subject, "--occurrence", "2032-03-15"));
        Assert.Equal(1, none.ExitCode);
        Assert.StartsWith("rdv: ErrorItemNotFound: ", none.Stderr, StringComparison.Ordinal);
    }

    private ProcessStartInfo Rdv(string user, params string[] args)
    {
        var info = Processes.Rdv(args);
        info.Environment["RDV_URL"] = fixture.Url;
        info.Environment["RDV_USER"] = user;
        info.Environment["RDV_PASSWORD"] = ServerFixture.Password;
        info.Environment.Remove("RDV_TOKEN");
        return info;
    }

    private static async Task<string> OkAsync(ProcessStartInfo info, string? stdin = null)
    {
        var (exitCode, stdout, stderr) = await Processes.RunAsync(info, stdin);
        Assert.True(exitCode == 0, $"rdv {string.Join(' ', info.ArgumentList.Skip(1))} exited {exitCode}: {stderr}");
        return stdout;
    }

    private async Task<JsonElement> JsonAsync(string user, params string[] args)
    {
        using var document = JsonDocument.Parse(await OkAsync(Rdv(user, [.. args, "--json"])));
        return document.RootElement.Clone();
    }

    /// <summary>The rows of `rdv meetings --json` about this test's meeting (the server is shared with other tests).</summary>
    private static List<JsonElement> Rows(JsonElement meetings, string subject) =>
        [.. meetings.EnumerateArray().Where(row => row.GetProperty("subject").GetString()?.Contains(subject, StringComparison.Ordinal) == true)];

    private static string Line(string table, string subject) => Assert.Single(table.Split('\n'), l => l.Contains(subject, StringComparison.Ordinal));

    private static DateTimeOffset Instant(string iso) => DateTimeOffset.Parse(iso, System.Globalization.CultureInfo.InvariantCulture);

    private static string Unique(string subject) => $"{subject} {Guid.NewGuid():N}"[..(subject.Length + 9)];
}
