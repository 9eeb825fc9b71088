namespace Rendezvous.Domain;

/// <summary>What an administrator lets one account do with other mailboxes (`rdv user grant-...`).</summary>
public enum GrantKind
{
    /// <summary>Act as the mailbox's owner (ExchangeImpersonation), as Exchange's ApplicationImpersonation role.</summary>
    Impersonation,

    /// <summary>Send from the mailbox's address, the message showing no one else (Exchange's Send As permission).</summary>
    SendAs,

    /// <summary>Send for the mailbox's owner, the message naming the sender too (a delegate's Send on Behalf).</summary>
    SendOnBehalf,
}

/// <summary>One right of <paramref name="GranteeMailboxId"/> over <paramref name="PrincipalMailboxId"/> (null: every mailbox).</summary>
public sealed record GrantRecord(string GranteeMailboxId, GrantKind Kind, string? PrincipalMailboxId)
{
    public bool CoversEveryMailbox => PrincipalMailboxId is null;

    /// <summary>Whether the right reaches <paramref name="mailboxId"/>.</summary>
    public bool Covers(string mailboxId) => PrincipalMailboxId is null || PrincipalMailboxId == mailboxId;
}

/// <summary>What an ExchangeImpersonation header gets.</summary>
public enum ImpersonationOutcome
{
    Allowed,

    /// <summary>The caller may not act as that mailbox (or, holding no right over every mailbox, may not learn whether it exists).</summary>
    Denied,

    /// <summary>No mailbox answers to the identifier; said only to a caller that may impersonate every mailbox.</summary>
    NoSuchMailbox,
}

/// <summary>The decisions grants make, as pure functions over the grants an account holds.</summary>
public static class Grants
{
    /// <summary>
    /// Whether an account holding <paramref name="grants"/> may act as <paramref name="targetMailboxId"/> (null: the
    /// header names no mailbox of this server). Only a right over every mailbox learns that a mailbox does not exist:
    /// anyone else is denied alike whether it exists or not, so that the header is no way to probe for addresses.
    /// </summary>
    public static ImpersonationOutcome Impersonation(IEnumerable<GrantRecord> grants, string? targetMailboxId)
    {
        var held = grants.Where(g => g.Kind == GrantKind.Impersonation).ToList();
        if (targetMailboxId is null)
        {
            return held.Any(g => g.CoversEveryMailbox) ? ImpersonationOutcome.NoSuchMailbox : ImpersonationOutcome.Denied;
        }

        return held.Any(g => g.Covers(targetMailboxId)) ? ImpersonationOutcome.Allowed : ImpersonationOutcome.Denied;
    }

    /// <summary>
    /// The right by which an account holding <paramref name="grants"/> sends for <paramref name="principalMailboxId"/>:
    /// send-as before send-on-behalf (an account holding both sends as the principal, as Exchange does), null for none.
    /// </summary>
    public static GrantKind? SendingRight(IEnumerable<GrantRecord> grants, string principalMailboxId)
    {
        var held = grants.Where(g => g.PrincipalMailboxId == principalMailboxId).Select(g => g.Kind).ToHashSet();
        return held.Contains(GrantKind.SendAs) ? GrantKind.SendAs
            : held.Contains(GrantKind.SendOnBehalf) ? GrantKind.SendOnBehalf
            : null;
    }
}
