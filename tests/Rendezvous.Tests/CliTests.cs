using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Xml.Linq;
using Rendezvous.Tests.Infrastructure;

namespace Rendezvous.Tests;

/// <summary>The rdv command as a user runs it: a real process, exit codes and output.</summary>
public sealed class CliTests : IDisposable
{
    private readonly string data = Path.Combine(Path.GetTempPath(), "rdv-cli-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        try
        {
            Directory.Delete(data, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [Fact]
    public async Task User_commands_add_list_change_password_and_remove()
    {
        var add = await Processes.RunAsync(Processes.Rdv("user", "add", "dana@example.com", "--name", "Dana Leroy", "--password-stdin", "--data", data), "s3cret\n");
        Assert.True(add.ExitCode == 0, add.Stderr);
        var again = await Processes.RunAsync(Processes.Rdv("user", "add", "dana@example.com", "--password-stdin", "--data", data), "x\n");
        Assert.Equal(1, again.ExitCode);
        Assert.Contains("already exists", again.Stderr, StringComparison.Ordinal);
        var list = await Processes.RunAsync(Processes.Rdv("user", "list", "--data", data));
        Assert.Contains("dana@example.com\tDana Leroy", list.Stdout, StringComparison.Ordinal);
        Assert.Equal(0, (await Processes.RunAsync(Processes.Rdv("user", "passwd", "dana@example.com", "--password-stdin", "--data", data), "n3w\n")).ExitCode);
        Assert.Equal(1, (await Processes.RunAsync(Processes.Rdv("user", "passwd", "nobody@example.com", "--password-stdin", "--data", data), "n3w\n")).ExitCode);
        Assert.Equal(0, (await Processes.RunAsync(Processes.Rdv("user", "remove", "dana@example.com", "--data", data))).ExitCode);
        Assert.DoesNotContain("dana@example.com", (await Processes.RunAsync(Processes.Rdv("user", "list", "--data", data))).Stdout, StringComparison.Ordinal);
        Assert.Equal(2, (await Processes.RunAsync(Processes.Rdv("frobnicate"))).ExitCode);
    }

    [Fact]
    public async Task Group_commands_add_list_and_remove_members_of_a_distribution_list()
    {
        var add = await Processes.RunAsync(Processes.Rdv("group", "add", "team@example.com", "ann@example.com", "ben@example.com", "--name", "The Team", "--data", data));
        Assert.True(add.ExitCode == 0, add.Stderr);
        Assert.Contains("added ben@example.com to team@example.com", add.Stdout, StringComparison.Ordinal);
        Assert.Contains("team@example.com\tThe Team\t2 members", (await Processes.RunAsync(Processes.Rdv("group", "list", "--data", data))).Stdout, StringComparison.Ordinal);
        Assert.Equal(["ann@example.com", "ben@example.com"], (await Processes.RunAsync(Processes.Rdv("group", "list", "team@example.com", "--data", data))).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(0, (await Processes.RunAsync(Processes.Rdv("group", "remove", "team@example.com", "ann@example.com", "--data", data))).ExitCode);
        Assert.Equal(1, (await Processes.RunAsync(Processes.Rdv("group", "remove", "team@example.com", "ann@example.com", "--data", data))).ExitCode);
        Assert.Equal(0, (await Processes.RunAsync(Processes.Rdv("group", "remove", "team@example.com", "ben@example.com", "--data", data))).ExitCode);
        // The list went with its last member.
        Assert.Equal(1, (await Processes.RunAsync(Processes.Rdv("group", "list", "team@example.com", "--data", data))).ExitCode);
        Assert.Equal(2, (await Processes.RunAsync(Processes.Rdv("group", "add", "team@example.com", "not-an-address", "--data", data))).ExitCode);
    }

    [Fact]
    public async Task User_add_and_set_take_the_mailbox_culture_its_folders_are_named_in()
    {
        var add = await Processes.RunAsync(Processes.Rdv("user", "add", "dana@example.com", "--culture", "da-DK", "--password-stdin", "--data", data), "s3cret\n");
        Assert.True(add.ExitCode == 0, add.Stderr);
        Assert.Equal(2, (await Processes.RunAsync(Processes.Rdv("user", "add", "x@example.com", "--culture", "not a culture", "--password-stdin", "--data", data), "s3cret\n")).ExitCode);
        var set = await Processes.RunAsync(Processes.Rdv("user", "set", "dana@example.com", "--culture", "sv-SE", "--data", data));
        Assert.True(set.ExitCode == 0, set.Stderr);
        Assert.Equal(1, (await Processes.RunAsync(Processes.Rdv("user", "set", "nobody@example.com", "--culture", "sv-SE", "--data", data))).ExitCode);

        await using var store = await Store.SqliteMailStore.OpenAsync(data, CancellationToken.None);
        var user = await store.FindUserAsync("dana@example.com", CancellationToken.None);
        Assert.Equal("sv-SE", user!.Culture);
        Assert.Equal("Inkorgen", (await store.GetDistinguishedFolderAsync(user.MailboxId, "inbox", CancellationToken.None))!.DisplayName);
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
    }

    [Fact]
    public async Task An_acknowledged_write_survives_kill_9()
    {
        Assert.Equal(0, (await Processes.RunAsync(Processes.Rdv("user", "add", "erin@example.com", "--password-stdin", "--data", data), "pw\n")).ExitCode);
        var port = Processes.FreePort();
        var url = $"http://127.0.0.1:{port}/EWS/Exchange.asmx";
        using var http = new HttpClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("erin@example.com:pw")));

        var ids = new List<string>();
        using (var server = await Processes.StartServerAsync(data, port))
        {
            for (var i = 0; i < 20; i++)
            {
                var body = Soap.Envelope(Requests.CreateAppointment("durable " + i, "2030-05-01T09:00:00Z", "2030-05-01T10:00:00Z"));
                using var response = await http.PostAsync(url, new StringContent(body, Encoding.UTF8, "text/xml"));
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                ids.Add(XDocument.Parse(await response.Content.ReadAsStringAsync()).Descendants(EwsResponse.T + "ItemId").Single().Attribute("Id")!.Value);
            }

            server.Kill(); // SIGKILL: no shutdown hooks, no flush.
            await server.WaitForExitAsync();
        }

        using (var restarted = await Processes.StartServerAsync(data, port))
        {
            foreach (var id in ids)
            {
                using var response = await http.PostAsync(url, new StringContent(Soap.Envelope(Requests.GetItem(id, "IdOnly")), Encoding.UTF8, "text/xml"));
                Assert.Contains("NoError", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            }

            restarted.Kill();
        }
    }

    [Fact]
    public async Task Working_hours_are_printed_set_from_the_command_line_and_served_by_GetUserAvailability()
    {
        Assert.Equal(0, (await Processes.RunAsync(Processes.Rdv("user", "add", "fay@example.com", "--password-stdin", "--data", data), "pw\n")).ExitCode);
        var shown = await Processes.RunAsync(Processes.Rdv("user", "working-hours", "fay@example.com", "--data", data));
        Assert.True(shown.ExitCode == 0, shown.Stderr);
        Assert.Contains("08:00-17:00\tMon,Tue,Wed,Thu,Fri", shown.Stdout, StringComparison.Ordinal);
        Assert.Contains("(default)", shown.Stdout, StringComparison.Ordinal);

        var set = await Processes.RunAsync(Processes.Rdv("user", "working-hours", "fay@example.com", "--start", "09:30", "--end", "18:00", "--days", "Tue,Wed", "--tz", "Europe/Paris", "--data", data));
        Assert.True(set.ExitCode == 0, set.Stderr);
        Assert.Contains("09:30-18:00\tTue,Wed\tEurope/Paris", set.Stdout, StringComparison.Ordinal);
        Assert.Equal(2, (await Processes.RunAsync(Processes.Rdv("user", "working-hours", "fay@example.com", "--tz", "Mars/Olympus", "--data", data))).ExitCode);
        Assert.Equal(2, (await Processes.RunAsync(Processes.Rdv("user", "working-hours", "fay@example.com", "--start", "18:00", "--end", "09:00", "--data", data))).ExitCode);
        Assert.Equal(1, (await Processes.RunAsync(Processes.Rdv("user", "working-hours", "nobody@example.com", "--data", data))).ExitCode);

        var port = Processes.FreePort();
        using var http = new HttpClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("fay@example.com:pw")));
        using var server = await Processes.StartServerAsync(data, port);
        var body = Soap.Envelope(AvailabilityTests.Request([("fay@example.com", "Required")], "2031-06-03T00:00:00", "2031-06-04T00:00:00", "FreeBusy"));
        using var response = await http.PostAsync($"http://127.0.0.1:{port}/EWS/Exchange.asmx", new StringContent(body, Encoding.UTF8, "text/xml"));
        var period = XDocument.Parse(await response.Content.ReadAsStringAsync()).Descendants(EwsResponse.T + "WorkingPeriod").Single();
        Assert.Equal(("Tuesday Wednesday", "570", "1080"), (period.T("DayOfWeek"), period.T("StartTimeInMinutes"), period.T("EndTimeInMinutes")));
        server.Kill();
    }
}
