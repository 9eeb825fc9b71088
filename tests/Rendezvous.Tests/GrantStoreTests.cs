using Rendezvous.Domain;
using Rendezvous.Store;
using Rendezvous.Tests.Infrastructure;

namespace Rendezvous.Tests;

/// <summary>The grants table (migration 15) through IMailStore, as F's delegates and the endpoint use it.</summary>
public sealed class GrantStoreTests
{
    [Fact]
    public async Task Grants_are_added_once_found_by_name_or_over_every_mailbox_and_removed()
    {
        using var data = new TempFolder("rdv-grants-store-");
        await using var store = await SqliteMailStore.OpenAsync(data.Path, CancellationToken.None);
        var svc = (await store.AddUserAsync("svc@example.com", "Svc", "x", CancellationToken.None)).MailboxId;
        var ann = (await store.AddUserAsync("ann@example.com", "Ann", "x", CancellationToken.None)).MailboxId;
        var ben = (await store.AddUserAsync("ben@example.com", "Ben", "x", CancellationToken.None)).MailboxId;
        var ct = CancellationToken.None;

        Assert.True(await store.AddGrantAsync(svc, GrantKind.SendOnBehalf, ann, ct));
        Assert.False(await store.AddGrantAsync(svc, GrantKind.SendOnBehalf, ann, ct));
        Assert.True(await store.HasGrantAsync(svc, GrantKind.SendOnBehalf, ann, ct));
        Assert.False(await store.HasGrantAsync(svc, GrantKind.SendAs, ann, ct));
        Assert.False(await store.HasGrantAsync(svc, GrantKind.SendOnBehalf, ben, ct));
        await Assert.ThrowsAsync<ArgumentException>(() => store.AddGrantAsync(svc, GrantKind.SendAs, null, ct));

        Assert.True(await store.AddGrantAsync(svc, GrantKind.Impersonation, null, ct));
        Assert.True(await store.HasGrantAsync(svc, GrantKind.Impersonation, ben, ct));
        Assert.Equal([new GrantRecord(svc, GrantKind.SendOnBehalf, ann)], await store.ListGrantsOverAsync(ann, ct));
        Assert.Equal(2, (await store.ListGrantsAsync(svc, ct)).Count);

        Assert.Equal(1, await store.RemoveGrantsAsync(svc, GrantKind.SendOnBehalf, ann, ct));
        Assert.Equal(0, await store.RemoveGrantsAsync(svc, GrantKind.SendOnBehalf, ann, ct));
        Assert.Equal(1, await store.RemoveGrantsAsync(svc, GrantKind.Impersonation, null, ct));
        Assert.Empty(await store.ListGrantsAsync(svc, ct));
    }

    [Fact]
    public async Task Removing_a_user_removes_the_grants_it_held_and_those_over_it()
    {
        using var data = new TempFolder("rdv-grants-store-");
        await using var store = await SqliteMailStore.OpenAsync(data.Path, CancellationToken.None);
        var ct = CancellationToken.None;
        var svc = (await store.AddUserAsync("svc@example.com", "Svc", "x", ct)).MailboxId;
        var ann = (await store.AddUserAsync("ann@example.com", "Ann", "x", ct)).MailboxId;
        await store.AddGrantAsync(svc, GrantKind.SendAs, ann, ct);
        await store.AddGrantAsync(ann, GrantKind.Impersonation, svc, ct);

        await store.RemoveUserAsync("ann@example.com", ct);

        Assert.Empty(await store.ListGrantsAsync(svc, ct));
        Assert.Empty(await store.ListGrantsOverAsync(svc, ct));
        // A new user at the old address inherits nothing: grants name mailboxes, not addresses.
        var again = (await store.AddUserAsync("ann@example.com", "Ann", "x", ct)).MailboxId;
        Assert.False(await store.HasGrantAsync(svc, GrantKind.SendAs, again, ct));
    }
}
