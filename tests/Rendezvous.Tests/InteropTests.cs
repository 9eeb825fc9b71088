using System.Diagnostics;
using System.Text.RegularExpressions;
using Rendezvous.Tests.Infrastructure;

namespace Rendezvous.Tests;

/// <summary>
/// Real third-party clients drive the server: exchangelib (Debian's python3-exchangelib) and ews-javascript-api (npm).
/// Each script in tests/interop/exchangelib and tests/interop/ews-javascript-api prints `ok NAME` or `FAIL NAME: reason` per check.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class InteropTests(ServerFixture server)
{
    public static TheoryData<string> Scripts()
    {
        var data = new TheoryData<string>();
        foreach (var script in Directory.GetFiles(Path.Combine(Processes.RepositoryRoot, "tests", "interop", "exchangelib"), "t*.py").Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(script));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Scripts))]
    public async Task Exchangelib(string script)
    {
        var info = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(Path.Combine(Processes.RepositoryRoot, "tests", "interop", "exchangelib", script));
        await SeedImpersonatorAsync();
        PointAtServer(info);
        var (exitCode, stdout, stderr) = await Processes.RunAsync(info, timeoutSeconds: 300);
        Assert.True(exitCode == 0, $"{script} exited {exitCode}\n{stdout}\n{stderr}");
        Assert.Contains("ok ", stdout, StringComparison.Ordinal);
    }

    private static readonly string EwsJavascriptApiDirectory = Path.Combine(Processes.RepositoryRoot, "tests", "interop", "ews-javascript-api");

    /// <summary>The ews-javascript-api scripts expected to pass (j*.js); x*.js are the steps of what is not built yet.</summary>
    public static TheoryData<string> EwsJavascriptApiScripts()
    {
        var data = new TheoryData<string>();
        foreach (var script in Directory.GetFiles(EwsJavascriptApiDirectory, "j*.js").Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(script));
        }

        return data;
    }

    /// <summary>ews-javascript-api 0.15.3 (the EWS Managed API's port) drives the server as an EWS Managed API app does.</summary>
    [Theory]
    [MemberData(nameof(EwsJavascriptApiScripts))]
    public async Task EwsJavascriptApi(string script)
    {
        Assert.True(
            Directory.Exists(Path.Combine(EwsJavascriptApiDirectory, "node_modules", "ews-javascript-api")),
            $"ews-javascript-api is not installed: run npm ci in {EwsJavascriptApiDirectory} (.ci/run does)");
        var info = new ProcessStartInfo("node") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = EwsJavascriptApiDirectory };
        info.ArgumentList.Add(Path.Combine(EwsJavascriptApiDirectory, script));
        await SeedRoomsAsync();
        await SeedImpersonatorAsync();
        PointAtServer(info);
        var (exitCode, stdout, stderr) = await Processes.RunAsync(info, timeoutSeconds: 300);
        Assert.True(exitCode == 0, $"{script} exited {exitCode}\n{stdout}\n{stderr}");
        Assert.Contains("ok ", stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("FAIL ", stdout, StringComparison.Ordinal);
    }

    // DavMail end to end (tests/interop/davmail/run.py): Debian's davmail-server in front of this server, driven by
    // python3-caldav. The script runs once; each step is a case. Steps the script lists as expected to fail (EXPECTED_TO_FAIL)
    // must still be run and reported.
    private static Task<(int ExitCode, string Stdout, string Stderr)>? davMailRun;

    public static TheoryData<string> DavMailSteps() =>
        ["list_calendar", "read_event", "delete_event", "create_by_put", "update_by_put", "read_updated_event", "delete_put_event",
         "meeting_reaches_attendee", "attendee_accepts", "series_by_put", "series_listed_once_with_rrule", "series_occurrence_edited",
         "series_occurrence_deleted", "series_with_exception_by_put", "series_deleted"];

    [Theory]
    [MemberData(nameof(DavMailSteps))]
    public async Task DavMail(string step)
    {
        var (exitCode, stdout, stderr) = await (davMailRun ??= RunDavMailAsync());
        Assert.True(exitCode != 2, "the DavMail harness cannot run: " + stdout + stderr + " (.ci/run installs davmail-server and python3-caldav)");
        var line = Regex.Match(stdout, $"^(ok|FAIL|xfail|XPASS) {Regex.Escape(step)}\\b.*$", RegexOptions.Multiline);
        Assert.True(line.Success, $"the harness did not report {step}\n{stdout}\n{stderr}");
        var verdict = line.Groups[1].Value;
        Assert.True(verdict is "ok" or "xfail" or "XPASS", line.Value + "\n" + stdout);
    }

    private async Task<(int ExitCode, string Stdout, string Stderr)> RunDavMailAsync()
    {
        var info = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(Path.Combine(Processes.RepositoryRoot, "tests", "interop", "davmail", "run.py"));
        PointAtServer(info);
        info.Environment["RDV_DAVMAIL_LOG"] = Path.Combine(server.DataDirectory, "davmail");
        return await Processes.RunAsync(info, timeoutSeconds: 180);
    }

    /// <summary>The server and its two users, as every interop script reads them (RDV_URL, RDV_USER1, ...).</summary>
    // A room in a room list on the shared server, for the scripts that book rooms (j09_rooms.js); made once.
    private const string InteropRoom = "interop-room@example.com";
    private const string InteropRoomList = "interop-rooms@example.com";

    private async Task SeedRoomsAsync()
    {
        var store = server.Server.Store;
        if (await store.FindUserAsync(InteropRoom, CancellationToken.None) is not null)
        {
            return;
        }

        var room = await store.AddUserAsync(InteropRoom, "Interop Room", "!room", CancellationToken.None);
        await store.SetRoomAsync(room.MailboxId, 6, CancellationToken.None);
        await store.AddRoomListAsync(InteropRoomList, "Interop Rooms", CancellationToken.None);
        await store.SetRoomListMemberAsync(InteropRoomList, room.MailboxId, true, CancellationToken.None);
    }

    // A service account allowed to impersonate the two users (t16_impersonation.py, j11_impersonation.js); made once.
    // Its grant names the two mailboxes, so every other isolation stays as it was.
    private const string InteropImpersonator = "interop-svc@example.com";

    private async Task SeedImpersonatorAsync()
    {
        var store = server.Server.Store;
        if (await store.FindUserAsync(InteropImpersonator, CancellationToken.None) is not null)
        {
            return;
        }

        var account = await store.AddUserAsync(InteropImpersonator, "Interop Service", Store.PasswordHasher.Hash(ServerFixture.Password, 1000), CancellationToken.None);
        foreach (var user in new[] { ServerFixture.Alice, ServerFixture.Bob })
        {
            var mailbox = await store.FindUserAsync(user, CancellationToken.None);
            await store.AddGrantAsync(account.MailboxId, Domain.GrantKind.Impersonation, mailbox!.MailboxId, CancellationToken.None);
        }
    }

    private void PointAtServer(ProcessStartInfo info)
    {
        info.Environment["RDV_IMPERSONATOR"] = InteropImpersonator;
        info.Environment["RDV_IMPERSONATOR_PASSWORD"] = ServerFixture.Password;
        info.Environment["RDV_ROOM"] = InteropRoom;
        info.Environment["RDV_ROOMLIST"] = InteropRoomList;
        info.Environment["RDV_URL"] = server.Url;
        info.Environment["RDV_USER1"] = ServerFixture.Alice;
        info.Environment["RDV_PASSWORD1"] = ServerFixture.Password;
        info.Environment["RDV_USER2"] = ServerFixture.Bob;
        info.Environment["RDV_PASSWORD2"] = ServerFixture.Password;
    }
}
