using System.Text;
using Microsoft.Data.Sqlite;
using Rendezvous.Server;
using Rendezvous.Store;

namespace Rendezvous.Tests;

/// <summary>
/// The Basic authenticator's memory (issue 6): a verified user is not read again for a second, and what an admin
/// changes from another process (`rdv user passwd`, `rdv user remove`) takes effect once that second has passed.
/// </summary>
public sealed class AuthenticationTests : IAsyncLifetime
{
    private readonly string data = Path.Combine(Path.GetTempPath(), "rdv-auth-" + Guid.NewGuid().ToString("N"));
    private readonly ManualTime time = new();
    private SqliteMailStore store = null!;
    private BasicAuthenticator authenticator = null!;

    public async Task InitializeAsync()
    {
        store = await SqliteMailStore.OpenAsync(data, CancellationToken.None);
        await store.AddUserAsync("fay@example.com", "Fay", PasswordHasher.Hash("first", 1000), CancellationToken.None);
        authenticator = new BasicAuthenticator(store, new ServerOptions { Time = time });
    }

    public async Task DisposeAsync()
    {
        await store.DisposeAsync();
        SqliteConnection.ClearAllPools();
        Directory.Delete(data, recursive: true);
    }

    [Fact]
    public async Task A_password_change_takes_effect_after_the_freshness_second()
    {
        Assert.NotNull(await Authenticate("fay@example.com", "first"));
        Assert.Null(await Authenticate("fay@example.com", "wrong"));
        await store.SetPasswordHashAsync("fay@example.com", PasswordHasher.Hash("second", 1000), CancellationToken.None);

        Assert.NotNull(await Authenticate("FAY@example.com", "first")); // remembered: the store was not read
        time.Advance(BasicAuthenticator.Freshness);
        Assert.Null(await Authenticate("fay@example.com", "first"));
        Assert.Equal("fay@example.com", (await Authenticate("fay@example.com", "second"))?.Address);
    }

    [Fact]
    public async Task Credentials_not_verified_before_are_checked_against_the_store_at_once()
    {
        Assert.NotNull(await Authenticate("fay@example.com", "first"));
        await store.SetPasswordHashAsync("fay@example.com", PasswordHasher.Hash("second", 1000), CancellationToken.None);
        Assert.NotNull(await Authenticate("fay@example.com", "second"));
        Assert.Null(await Authenticate("fay@example.com", "first"));
    }

    [Fact]
    public async Task A_removed_user_is_refused_after_the_freshness_second()
    {
        Assert.NotNull(await Authenticate("fay@example.com", "first"));
        Assert.True(await store.RemoveUserAsync("fay@example.com", CancellationToken.None));
        time.Advance(BasicAuthenticator.Freshness - TimeSpan.FromMilliseconds(1));
        Assert.NotNull(await Authenticate("fay@example.com", "first"));
        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Null(await Authenticate("fay@example.com", "first"));
    }

    private Task<UserRecord?> Authenticate(string user, string password) =>
        authenticator.AuthenticateAsync("Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(user + ":" + password)), CancellationToken.None);

    private sealed class ManualTime : TimeProvider
    {
        private readonly DateTimeOffset start = DateTimeOffset.UtcNow;
        private long ticks = 1_000_000;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => Interlocked.Read(ref ticks);

        // The throttle's lockouts are kept in the store in wall-clock time (shared by every node): it moves with the timestamp.
        public override DateTimeOffset GetUtcNow() => start.AddTicks(Interlocked.Read(ref ticks));

        public void Advance(TimeSpan by) => Interlocked.Add(ref ticks, by.Ticks);
    }
}
