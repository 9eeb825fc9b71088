using System.Diagnostics;
using System.Text;
using System.Xml.Linq;
using Rendezvous.Tests.Infrastructure;

namespace Rendezvous.Tests;

/// <summary>
/// A series through MimeContent over HTTP (issue 16 §7): CreateItem and UpdateItem from an iCalendar object with RRULE,
/// EXDATE and RECURRENCE-ID (what DavMail PUTs), and GetItem's IncludeMimeContent giving them back in the series' zone.
/// Needs the store's codecs for a master's recurrence, deleted occurrences and exceptions (branch rdv16-wire).
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class RecurrenceMimeContentTests(ServerFixture server)
{
    private static readonly XNamespace T = EwsResponse.T;
    private const string Alice = ServerFixture.Alice;

    private static string Tag() => Guid.NewGuid().ToString("N")[..10];

    private static string Base64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));

    /// <summary>Weekly on Monday, 09:00 Paris time, five times from 18 March 2030 (across the change to summer time on 31 March), 1 April deleted, 8 April moved to 10:00.</summary>
    private static string Series(string uid, string subject, string count = "5") => $"""
        BEGIN:VCALENDAR
        VERSION:2.0
        PRODID:-//Mozilla.org/NONSGML Mozilla Calendar V1.1//EN
        BEGIN:VEVENT
        UID:{uid}
        DTSTAMP:20300101T000000Z
        SUMMARY:{subject}
        LOCATION:Room 1
        DTSTART;TZID=Europe/Paris:20300318T090000
        DTEND;TZID=Europe/Paris:20300318T100000
        RRULE:FREQ=WEEKLY;COUNT={count};BYDAY=MO
        EXDATE;TZID=Europe/Paris:20300401T090000
        END:VEVENT
        BEGIN:VEVENT
        UID:{uid}
        DTSTAMP:20300101T000000Z
        RECURRENCE-ID;TZID=Europe/Paris:20300408T090000
        SUMMARY:{subject} (moved)
        LOCATION:Room 1
        DTSTART;TZID=Europe/Paris:20300408T100000
        DTEND;TZID=Europe/Paris:20300408T110000
        END:VEVENT
        END:VCALENDAR
        """.ReplaceLineEndings("\r\n");

    private async Task<string> MimeTextAsync(string id)
    {
        var response = (await server.CallAsync(Alice, $"""
            <m:GetItem>
              <m:ItemShape><t:BaseShape>IdOnly</t:BaseShape><t:IncludeMimeContent>true</t:IncludeMimeContent></m:ItemShape>
              <m:ItemIds><t:ItemId Id="{id}"/></m:ItemIds>
            </m:GetItem>
            """)).Ok();
        return Encoding.UTF8.GetString(Convert.FromBase64String(response.Descendants(T + "MimeContent").Single().Value));
    }

    private static string[] Lines(string ics) => ics.Replace("\r\n ", "", StringComparison.Ordinal).Split("\r\n");

    [Fact]
    public async Task A_series_created_from_MimeContent_gives_its_RRULE_EXDATE_and_exception_back_in_its_zone()
    {
        var tag = Tag();
        var created = await server.CallAsync(Alice, $"""
            <m:CreateItem SendMeetingInvitations="SendToNone">
              <m:SavedItemFolderId><t:DistinguishedFolderId Id="calendar"/></m:SavedItemFolderId>
              <m:Items><t:CalendarItem><t:MimeContent CharacterSet="UTF-8">{Base64(Series($"series-{tag}@example.com", "Sync " + tag))}</t:MimeContent></t:CalendarItem></m:Items>
            </m:CreateItem>
            """);
        var (id, _) = created.Ok().ItemId();
        var lines = Lines(await MimeTextAsync(id));
        // WKST=MO is RFC 5545's default, which Ical.Net leaves out.
        Assert.Contains("RRULE:FREQ=WEEKLY;COUNT=5;BYDAY=MO", lines);
        Assert.Contains("EXDATE;TZID=Romance Standard Time:20300401T090000", lines);
        Assert.Contains("RECURRENCE-ID;TZID=Romance Standard Time:20300408T090000", lines);
        Assert.Contains("DTSTART;TZID=Romance Standard Time:20300408T100000", lines);
        Assert.Contains($"SUMMARY:Sync {tag} (moved)", lines);

        // A second implementation expands what the server wrote to the same occurrences, local time kept across DST.
        Assert.Equal(
            [
                $"2030-03-18T08:00:00Z 2030-03-18T09:00:00Z Sync {tag}",
                $"2030-03-25T08:00:00Z 2030-03-25T09:00:00Z Sync {tag}",
                $"2030-04-08T08:00:00Z 2030-04-08T09:00:00Z Sync {tag} (moved)",
                $"2030-04-15T07:00:00Z 2030-04-15T08:00:00Z Sync {tag}",
            ],
            await ExpandAsync(string.Join("\r\n", lines), "2030-03-01", "2030-05-01"));
    }

    [Fact]
    public async Task UpdateItem_of_MimeContent_replaces_the_series_rule()
    {
        var tag = Tag();
        var uid = $"series-{tag}@example.com";
        var created = await server.CallAsync(Alice, $"""
            <m:CreateItem SendMeetingInvitations="SendToNone">
              <m:SavedItemFolderId><t:DistinguishedFolderId Id="calendar"/></m:SavedItemFolderId>
              <m:Items><t:CalendarItem><t:MimeContent>{Base64(Series(uid, "Sync " + tag))}</t:MimeContent></t:CalendarItem></m:Items>
            </m:CreateItem>
            """);
        var (id, key) = created.Ok().ItemId();
        (await server.CallAsync(Alice, Requests.SetField(id, key, "item:MimeContent", $"<t:MimeContent>{Base64(Series(uid, "Sync " + tag, count: "8"))}</t:MimeContent>"))).Ok();
        var lines = Lines(await MimeTextAsync(id));
        Assert.Single(lines, l => l.StartsWith("RRULE:FREQ=WEEKLY;", StringComparison.Ordinal) && l.Contains("COUNT=8", StringComparison.Ordinal));
    }

    /// <summary>The master's ModifiedOccurrences (OriginalStart -> Start) and DeletedOccurrences (Start) over EWS.</summary>
    private async Task<(string[] Modified, string[] Deleted)> OccurrencesAsync(string id)
    {
        var master = (await server.CallAsync(Alice, $"""
            <m:GetItem>
              <m:ItemShape><t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties>
                <t:FieldURI FieldURI="calendar:ModifiedOccurrences"/><t:FieldURI FieldURI="calendar:DeletedOccurrences"/>
              </t:AdditionalProperties></m:ItemShape>
              <m:ItemIds><t:ItemId Id="{id}"/></m:ItemIds>
            </m:GetItem>
            """)).Ok().Descendants(T + "CalendarItem").Single();
        var modified = master.Element(T + "ModifiedOccurrences")?.Elements(T + "Occurrence")
            .Select(o => $"{o.Element(T + "OriginalStart")!.Value} -> {o.Element(T + "Start")!.Value}").ToArray() ?? [];
        var deleted = master.Element(T + "DeletedOccurrences")?.Elements(T + "DeletedOccurrence").Select(d => d.Element(T + "Start")!.Value).ToArray() ?? [];
        return (modified, deleted);
    }

    private async Task<(string Id, string ChangeKey)> CreateFromMimeAsync(string ics)
    {
        var created = await server.CallAsync(Alice, $"""
            <m:CreateItem SendMeetingInvitations="SendToNone">
              <m:SavedItemFolderId><t:DistinguishedFolderId Id="calendar"/></m:SavedItemFolderId>
              <m:Items><t:CalendarItem><t:MimeContent>{Base64(ics)}</t:MimeContent></t:CalendarItem></m:Items>
            </m:CreateItem>
            """);
        return created.Ok().ItemId();
    }

    [Fact]
    public async Task UpdateItem_of_MimeContent_changing_the_pattern_keeps_the_contents_EXDATE_and_exception()
    {
        // The defect: a new pattern dropped the deleted occurrences and exceptions, those of the new content too, as an
        // edit of calendar:Recurrence drops those that were the master's. A MimeContent is the whole series (DavMail).
        var tag = Tag();
        var uid = $"series-{tag}@example.com";
        var (id, key) = await CreateFromMimeAsync(Series(uid, "Sync " + tag));
        var daily = Series(uid, "Sync " + tag).Replace("RRULE:FREQ=WEEKLY;COUNT=5;BYDAY=MO", "RRULE:FREQ=DAILY;COUNT=30", StringComparison.Ordinal);
        (await server.CallAsync(Alice, Requests.SetField(id, key, "item:MimeContent", $"<t:MimeContent>{Base64(daily)}</t:MimeContent>"))).Ok();

        var (modified, deleted) = await OccurrencesAsync(id);
        Assert.Equal(["2030-04-08T07:00:00Z -> 2030-04-08T08:00:00Z"], modified);
        Assert.Equal(["2030-04-01T07:00:00Z"], deleted);
        Assert.Contains("RRULE:FREQ=DAILY;COUNT=30", Lines(await MimeTextAsync(id)));
    }

    [Fact]
    public async Task UpdateItem_of_MimeContent_replaces_the_series_deletions_and_exceptions()
    {
        // The content's EXDATE and RECURRENCE-ID are the series' own: those it no longer has are gone, new ones are added.
        var tag = Tag();
        var uid = $"series-{tag}@example.com";
        var (id, key) = await CreateFromMimeAsync(Series(uid, "Sync " + tag));
        var other = Series(uid, "Sync " + tag)
            .Replace("EXDATE;TZID=Europe/Paris:20300401T090000", "EXDATE;TZID=Europe/Paris:20300325T090000", StringComparison.Ordinal)
            .Replace("RECURRENCE-ID;TZID=Europe/Paris:20300408T090000", "RECURRENCE-ID;TZID=Europe/Paris:20300415T090000", StringComparison.Ordinal)
            .Replace("DTSTART;TZID=Europe/Paris:20300408T100000", "DTSTART;TZID=Europe/Paris:20300416T090000", StringComparison.Ordinal)
            .Replace("DTEND;TZID=Europe/Paris:20300408T110000", "DTEND;TZID=Europe/Paris:20300416T100000", StringComparison.Ordinal);
        (await server.CallAsync(Alice, Requests.SetField(id, key, "item:MimeContent", $"<t:MimeContent>{Base64(other)}</t:MimeContent>"))).Ok();

        var (modified, deleted) = await OccurrencesAsync(id);
        Assert.Equal(["2030-04-15T07:00:00Z -> 2030-04-16T07:00:00Z"], modified);
        Assert.Equal(["2030-03-25T08:00:00Z"], deleted);
    }

    [Theory]
    [InlineData("RRULE:FREQ=HOURLY;INTERVAL=3")]
    [InlineData("RRULE:FREQ=MONTHLY;BYMONTHDAY=2,15")]
    [InlineData("RRULE:FREQ=YEARLY;BYWEEKNO=20;BYDAY=MO")]
    public async Task A_rule_EWS_cannot_express_fails_that_item_with_ErrorMimeContentConversionFailed(string rule)
    {
        var ics = $"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:refused-{Tag()}@example.com\r\nDTSTART:20300318T080000Z\r\nDTEND:20300318T090000Z\r\n{rule}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
        var response = await server.CallAsync(Alice, $"""
            <m:CreateItem SendMeetingInvitations="SendToNone">
              <m:Items>
                <t:CalendarItem><t:MimeContent>{Base64(ics)}</t:MimeContent></t:CalendarItem>
                <t:CalendarItem><t:Subject>Fine {Tag()}</t:Subject><t:Start>2030-01-07T09:00:00Z</t:Start><t:End>2030-01-07T10:00:00Z</t:End></t:CalendarItem>
              </m:Items>
            </m:CreateItem>
            """);
        Assert.Equal("ErrorMimeContentConversionFailed", response.Code(0));
        Assert.Equal("NoError", response.Code(1));
    }

    [Fact]
    public async Task A_RECURRENCE_ID_with_RANGE_THISANDFUTURE_is_ErrorMimeContentConversionFailed_not_one_occurrence()
    {
        // It changes the 8 April occurrence and every later one (RFC 5545 §3.8.4.4): kept as one exception, the rest of its meaning was lost.
        var uid = $"future-{Tag()}@example.com";
        var ics = Series(uid, "Future").Replace("RECURRENCE-ID;TZID=Europe/Paris:", "RECURRENCE-ID;RANGE=THISANDFUTURE;TZID=Europe/Paris:", StringComparison.Ordinal);
        var created = await server.CallAsync(Alice, $"""
            <m:CreateItem SendMeetingInvitations="SendToNone">
              <m:Items><t:CalendarItem><t:MimeContent>{Base64(ics)}</t:MimeContent></t:CalendarItem></m:Items>
            </m:CreateItem>
            """);
        Assert.Equal("ErrorMimeContentConversionFailed", created.Code(0));

        var (id, key) = (await server.CallAsync(Alice, $"""
            <m:CreateItem SendMeetingInvitations="SendToNone">
              <m:Items><t:CalendarItem><t:MimeContent>{Base64(Series(uid, "Future"))}</t:MimeContent></t:CalendarItem></m:Items>
            </m:CreateItem>
            """)).Ok().ItemId();
        var updated = await server.CallAsync(Alice, Requests.SetField(id, key, "item:MimeContent", $"<t:MimeContent>{Base64(ics)}</t:MimeContent>"));
        Assert.Equal("ErrorMimeContentConversionFailed", updated.Code(0));
    }

    /// <summary>The occurrences python3-recurring-ical-events finds in [from, to): `START END SUMMARY` each.</summary>
    private static async Task<string[]> ExpandAsync(string ics, string from, string to)
    {
        var path = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(path, ics);
            var info = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var argument in new[] { Path.Combine(Processes.RepositoryRoot, "tests", "interop", "mime", "expand_ics.py"), path, from, to })
            {
                info.ArgumentList.Add(argument);
            }

            var (exitCode, stdout, stderr) = await Processes.RunAsync(info, timeoutSeconds: 60);
            Assert.True(exitCode == 0, $"python3-recurring-ical-events refused the calendar:\n{stdout}\n{stderr}");
            return stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
