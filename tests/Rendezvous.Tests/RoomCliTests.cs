using Rendezvous.Tests.Infrastructure;

namespace Rendezvous.Tests;

/// <summary>rdv room and rdv roomlist as an administrator runs them: a real process, exit codes and output.</summary>
public sealed class RoomCliTests : IDisposable
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

    private Task<(int ExitCode, string Stdout, string Stderr)> RdvAsync(params string[] args) => Processes.RunAsync(Processes.Rdv([.. args, "--data", data]));

    [Fact]
    public async Task Rooms_and_room_lists_are_added_listed_and_changed()
    {
        var add = await RdvAsync("room", "add", "boardroom@example.com", "--name", "Boardroom", "--capacity", "12");
        Assert.True(add.ExitCode == 0, add.Stderr);
        Assert.Equal(0, (await RdvAsync("room", "add", "studio@example.com")).ExitCode);
        Assert.Contains("boardroom@example.com\tBoardroom\t12 seats", (await RdvAsync("room", "list")).Stdout, StringComparison.Ordinal);
        // A room is a mailbox like any other: the users list shows it.
        Assert.Contains("studio@example.com", (await RdvAsync("user", "list")).Stdout, StringComparison.Ordinal);

        Assert.Equal(0, (await RdvAsync("roomlist", "add", "hq-rooms@example.com", "--name", "HQ")).ExitCode);
        Assert.Equal(0, (await RdvAsync("roomlist", "add-room", "hq-rooms@example.com", "boardroom@example.com")).ExitCode);
        Assert.Equal(0, (await RdvAsync("roomlist", "add-room", "hq-rooms@example.com", "studio@example.com")).ExitCode);
        Assert.Contains("hq-rooms@example.com\tHQ\tboardroom@example.com,studio@example.com", (await RdvAsync("roomlist", "list")).Stdout, StringComparison.Ordinal);
        Assert.Equal(0, (await RdvAsync("roomlist", "remove-room", "hq-rooms@example.com", "studio@example.com")).ExitCode);
        Assert.Contains("hq-rooms@example.com\tHQ\tboardroom@example.com\n", (await RdvAsync("roomlist", "list")).Stdout.ReplaceLineEndings("\n"), StringComparison.Ordinal);
        Assert.Equal(0, (await RdvAsync("roomlist", "remove", "hq-rooms@example.com")).ExitCode);
        Assert.DoesNotContain("hq-rooms", (await RdvAsync("roomlist", "list")).Stdout, StringComparison.Ordinal);
        Assert.Contains("boardroom@example.com", (await RdvAsync("room", "list")).Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Room_commands_refuse_what_makes_no_sense()
    {
        Assert.Equal(0, (await RdvAsync("room", "add", "boardroom@example.com")).ExitCode);
        Assert.Equal(0, (await Processes.RunAsync(Processes.Rdv("user", "add", "gus@example.com", "--password-stdin", "--data", data), "pw\n")).ExitCode);
        Assert.Equal(0, (await RdvAsync("roomlist", "add", "hq-rooms@example.com")).ExitCode);

        Assert.Equal(1, (await RdvAsync("room", "add", "boardroom@example.com")).ExitCode);
        Assert.Equal(1, (await RdvAsync("room", "add", "hq-rooms@example.com")).ExitCode);
        Assert.Equal(1, (await RdvAsync("roomlist", "add", "gus@example.com")).ExitCode);
        Assert.Equal(1, (await RdvAsync("roomlist", "add", "hq-rooms@example.com")).ExitCode);
        var person = await RdvAsync("roomlist", "add-room", "hq-rooms@example.com", "gus@example.com");
        Assert.Equal(1, person.ExitCode);
        Assert.Contains("no room gus@example.com", person.Stderr, StringComparison.Ordinal);
        Assert.Equal(1, (await RdvAsync("roomlist", "add-room", "nolist@example.com", "boardroom@example.com")).ExitCode);
        Assert.Equal(1, (await RdvAsync("roomlist", "remove", "nolist@example.com")).ExitCode);
        Assert.Equal(2, (await RdvAsync("room", "add", "studio@example.com", "--capacity", "0")).ExitCode);
        Assert.Equal(2, (await RdvAsync("room", "add", "not-an-address")).ExitCode);
    }
}
