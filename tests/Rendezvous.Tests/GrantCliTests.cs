using Rendezvous.Tests.Infrastructure;

namespace Rendezvous.Tests;

/// <summary>rdv user grant-*, revoke-* and grants as an administrator runs them: a real process on a data folder.</summary>
public sealed class GrantCliTests : IDisposable
{
    private readonly string data = Path.Combine(Path.GetTempPath(), "rdv-cli-grants-" + Guid.NewGuid().ToString("N"));

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

    private async Task<string[]> GrantsAsync(string account) =>
        (await RdvAsync("user", "grants", account)).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    [Fact]
    public async Task Grants_are_given_listed_and_revoked()
    {
        foreach (var user in new[] { "svc@example.com", "ann@example.com", "ben@example.com" })
        {
            Assert.Equal(0, (await Processes.RunAsync(Processes.Rdv("user", "add", user, "--password-stdin", "--data", data), "pw\n")).ExitCode);
        }

        var scoped = await RdvAsync("user", "grant-impersonation", "svc@example.com", "--for", "ann@example.com,ben@example.com");
        Assert.True(scoped.ExitCode == 0, scoped.Stderr);
        Assert.Equal(0, (await RdvAsync("user", "grant-send-as", "ann@example.com", "--for", "ben@example.com")).ExitCode);
        Assert.Equal(0, (await RdvAsync("user", "grant-send-on-behalf", "ben@example.com", "--for", "ann@example.com")).ExitCode);
        Assert.Equal(["impersonation\tann@example.com", "impersonation\tben@example.com"], await GrantsAsync("svc@example.com"));
        Assert.Equal(["send-as\tben@example.com"], await GrantsAsync("ann@example.com"));
        Assert.Equal(["send-on-behalf\tann@example.com"], await GrantsAsync("ben@example.com"));

        Assert.Equal(0, (await RdvAsync("user", "revoke-impersonation", "svc@example.com", "--for", "ann@example.com")).ExitCode);
        Assert.Equal(["impersonation\tben@example.com"], await GrantsAsync("svc@example.com"));
        Assert.Equal(1, (await RdvAsync("user", "revoke-impersonation", "svc@example.com", "--for", "ann@example.com")).ExitCode);

        Assert.Equal(0, (await RdvAsync("user", "grant-impersonation", "svc@example.com")).ExitCode);
        Assert.Contains("impersonation\tevery mailbox", await GrantsAsync("svc@example.com"));
        var narrowing = await RdvAsync("user", "revoke-impersonation", "svc@example.com", "--for", "ben@example.com");
        Assert.Contains("still may impersonate every mailbox", narrowing.Stdout, StringComparison.Ordinal);
        Assert.Equal(0, (await RdvAsync("user", "revoke-impersonation", "svc@example.com")).ExitCode);
        Assert.Empty(await GrantsAsync("svc@example.com"));
        Assert.Equal(0, (await RdvAsync("user", "revoke-send-as", "ann@example.com")).ExitCode);
        Assert.Empty(await GrantsAsync("ann@example.com"));

        // A removed mailbox takes the rights over it along.
        Assert.Equal(0, (await RdvAsync("user", "remove", "ann@example.com")).ExitCode);
        Assert.Empty(await GrantsAsync("ben@example.com"));
    }

    [Fact]
    public async Task A_grant_naming_no_user_or_no_mailbox_grants_nothing()
    {
        Assert.Equal(0, (await Processes.RunAsync(Processes.Rdv("user", "add", "svc@example.com", "--password-stdin", "--data", data), "pw\n")).ExitCode);
        Assert.Equal(0, (await Processes.RunAsync(Processes.Rdv("user", "add", "ann@example.com", "--password-stdin", "--data", data), "pw\n")).ExitCode);

        var typo = await RdvAsync("user", "grant-impersonation", "svc@example.com", "--for", "ann@example.com,anne@example.com");
        Assert.Equal(1, typo.ExitCode);
        Assert.Contains("no user anne@example.com", typo.Stderr, StringComparison.Ordinal);
        Assert.Empty(await GrantsAsync("svc@example.com"));
        Assert.Equal(2, (await RdvAsync("user", "grant-send-as", "svc@example.com")).ExitCode); // send-as names whom
        Assert.Equal(1, (await RdvAsync("user", "grant-impersonation", "nobody@example.com")).ExitCode);
        Assert.Equal(1, (await RdvAsync("user", "grant-send-as", "svc@example.com", "--for", "svc@example.com")).ExitCode);
    }
}
