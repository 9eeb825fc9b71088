using Rendezvous.Domain;
using Rendezvous.Store;

namespace Rendezvous.Cli;

/// <summary>rdv user grant-*, revoke-* and grants: the rights one account holds over other mailboxes, on the data folder directly.</summary>
internal static class GrantCommands
{
    public static string Name(GrantKind kind) => kind switch
    {
        GrantKind.Impersonation => "impersonation",
        GrantKind.SendAs => "send-as",
        _ => "send-on-behalf",
    };

    public static async Task<int> GrantAsync(Options options, string account, GrantKind kind, TextWriter stdout, CancellationToken cancellationToken)
    {
        var principals = options.GetList("--for");
        if (principals.Count == 0 && kind != GrantKind.Impersonation)
        {
            throw new UsageException($"rdv user grant-{Name(kind)} needs --for EMAIL: sending as someone names them");
        }

        await using var store = await AdminCommands.OpenStoreAsync(options, cancellationToken);
        var grantee = await UserAsync(store, account, cancellationToken);
        if (principals.Count == 0)
        {
            var added = await store.AddGrantAsync(grantee.MailboxId, kind, null, cancellationToken);
            stdout.WriteLine(added ? $"{account} may impersonate every mailbox" : $"{account} may impersonate every mailbox already");
            return 0;
        }

        // Every address is checked before any is granted: a typo grants nothing.
        var mailboxes = new List<UserRecord>();
        foreach (var principal in principals)
        {
            var user = await UserAsync(store, principal, cancellationToken);
            if (user.MailboxId == grantee.MailboxId)
            {
                throw new CommandException($"{account} needs no right over its own mailbox");
            }

            mailboxes.Add(user);
        }

        foreach (var user in mailboxes)
        {
            var added = await store.AddGrantAsync(grantee.MailboxId, kind, user.MailboxId, cancellationToken);
            stdout.WriteLine($"{account}: {Name(kind)} for {user.Address}{(added ? "" : " (already)")}");
        }

        return 0;
    }

    public static async Task<int> RevokeAsync(Options options, string account, GrantKind kind, TextWriter stdout, CancellationToken cancellationToken)
    {
        await using var store = await AdminCommands.OpenStoreAsync(options, cancellationToken);
        var grantee = await UserAsync(store, account, cancellationToken);
        var principals = options.GetList("--for");
        if (principals.Count == 0)
        {
            var removed = await store.RemoveGrantsAsync(grantee.MailboxId, kind, null, cancellationToken);
            stdout.WriteLine($"{account}: {removed} {Name(kind)} grant{(removed == 1 ? "" : "s")} revoked");
            return 0;
        }

        var held = await store.ListGrantsAsync(grantee.MailboxId, cancellationToken);
        foreach (var principal in principals)
        {
            var user = await UserAsync(store, principal, cancellationToken);
            if (await store.RemoveGrantsAsync(grantee.MailboxId, kind, user.MailboxId, cancellationToken) == 0)
            {
                throw new CommandException($"{account} holds no {Name(kind)} grant for {user.Address}");
            }

            stdout.WriteLine($"{account}: {Name(kind)} for {user.Address} revoked");
        }

        if (held.Any(g => g.Kind == kind && g.CoversEveryMailbox))
        {
            // Revoking one mailbox does not narrow a grant over all of them: say so rather than leave a false belief.
            stdout.WriteLine($"{account} still may impersonate every mailbox: revoke that with `rdv user revoke-impersonation {account}`");
        }

        return 0;
    }

    public static async Task<int> ListAsync(Options options, string account, TextWriter stdout, CancellationToken cancellationToken)
    {
        await using var store = await AdminCommands.OpenStoreAsync(options, cancellationToken);
        var grantee = await UserAsync(store, account, cancellationToken);
        var lines = new List<(string Kind, string Over)>();
        foreach (var grant in await store.ListGrantsAsync(grantee.MailboxId, cancellationToken))
        {
            var over = grant.PrincipalMailboxId is { } id
                ? (await store.FindUserByMailboxAsync(id, cancellationToken))?.Address ?? id
                : "every mailbox";
            lines.Add((Name(grant.Kind), over));
        }

        // By kind, then address: the store orders by mailbox id, which means nothing to a reader.
        foreach (var (kind, over) in lines.OrderBy(l => l.Kind, StringComparer.Ordinal).ThenBy(l => l.Over, StringComparer.OrdinalIgnoreCase))
        {
            stdout.WriteLine($"{kind}\t{over}");
        }

        return 0;
    }

    private static async Task<UserRecord> UserAsync(IMailStore store, string address, CancellationToken cancellationToken)
    {
        AdminCommands.CheckAddress(address);
        return await store.FindUserAsync(address, cancellationToken) ?? throw new CommandException($"no user {address}");
    }
}
