using Rendezvous.Protocol;

namespace Rendezvous.Domain;

/// <summary>
/// A mailbox's out-of-office settings (UserOofSettings): its state (Disabled, Enabled, or Scheduled between
/// <see cref="Start"/> and <see cref="End"/>), who outside the organisation gets a reply (None, Known: senders in the
/// mailbox's contacts, All), and the two replies. <see cref="Answered"/> is who has had a reply in the current period;
/// a new setting starts a new period.
/// </summary>
public sealed record OofSettings(string State, string ExternalAudience, DateTime? Start, DateTime? End, string InternalReply, string ExternalReply)
{
    public const string Disabled = SchemaValues.OofState.Disabled;
    public const string Enabled = SchemaValues.OofState.Enabled;
    public const string Scheduled = SchemaValues.OofState.Scheduled;

    public const string AudienceNone = SchemaValues.ExternalAudience.None;
    public const string AudienceKnown = SchemaValues.ExternalAudience.Known;
    public const string AudienceAll = SchemaValues.ExternalAudience.All_;

    /// <summary>What a mailbox that never set its out-of-office has: disabled, replies to all, empty replies.</summary>
    public static readonly OofSettings Default = new(Disabled, AudienceAll, null, null, "", "");

    /// <summary>The senders (SMTP addresses, lower case) answered in this period.</summary>
    public IReadOnlyList<string> Answered { get; init; } = [];

    /// <summary>Whether replies are sent at <paramref name="now"/>: enabled, or scheduled and within its window.</summary>
    public bool IsActive(DateTime now) =>
        State == Enabled || (State == Scheduled && Start is { } start && End is { } end && start <= now && now < end);
}

/// <summary>Which reply a delivered message gets.</summary>
public enum OofReply
{
    None,
    Internal,
    External,
}

/// <summary>
/// Exchange's automatic reply rules as a pure decision: a mailbox whose out-of-office is active answers each sender once
/// per period, an internal sender with the internal reply and an external one with the external reply as its audience
/// allows; never itself, never an automatic message (another automatic reply, a delivery report), so two mailboxes out
/// of office do not answer each other forever.
/// </summary>
public static class OofRules
{
    /// <summary>The ItemClass prefixes of automatic messages (Exchange's out-of-office and rule replies, reports).</summary>
    private static readonly string[] AutomaticClasses = ["IPM.Note.Rules.", "REPORT."];

    /// <summary>The ItemClass of an automatic reply, as Exchange gives it.</summary>
    public const string ReplyClass = "IPM.Note.Rules.OofTemplate.Microsoft";

    /// <summary>Whether a message is automatic (and so gets no automatic reply).</summary>
    public static bool IsAutomatic(string itemClass) =>
        AutomaticClasses.Any(prefix => itemClass.StartsWith(prefix, StringComparison.OrdinalIgnoreCase));

    /// <param name="settings">The recipient's settings.</param>
    /// <param name="now">When the message is delivered.</param>
    /// <param name="recipient">The recipient's address.</param>
    /// <param name="sender">The sender's address.</param>
    /// <param name="senderIsInternal">Whether the sender is of the organisation (a domain of the server's mailboxes).</param>
    /// <param name="senderIsKnown">Whether the sender is in the recipient's contacts (for the Known audience).</param>
    /// <param name="itemClass">The delivered message's ItemClass.</param>
    public static OofReply Decide(OofSettings settings, DateTime now, string recipient, string sender, bool senderIsInternal, bool senderIsKnown, string itemClass)
    {
        if (!settings.IsActive(now) || sender.Length == 0 || sender.Equals(recipient, StringComparison.OrdinalIgnoreCase) || IsAutomatic(itemClass)
            || settings.Answered.Contains(sender.ToLowerInvariant(), StringComparer.Ordinal))
        {
            return OofReply.None;
        }

        return ReplyFor(settings, now, senderIsInternal, senderIsKnown);
    }

    /// <summary>The reply an active out-of-office gives a sender, whoever was answered already (a mail tip shows it).</summary>
    public static OofReply ReplyFor(OofSettings settings, DateTime now, bool senderIsInternal, bool senderIsKnown)
    {
        if (!settings.IsActive(now))
        {
            return OofReply.None;
        }

        if (senderIsInternal)
        {
            return settings.InternalReply.Length > 0 ? OofReply.Internal : OofReply.None;
        }

        var audience = settings.ExternalAudience == OofSettings.AudienceAll || (settings.ExternalAudience == OofSettings.AudienceKnown && senderIsKnown);
        return audience && settings.ExternalReply.Length > 0 ? OofReply.External : OofReply.None;
    }
}
