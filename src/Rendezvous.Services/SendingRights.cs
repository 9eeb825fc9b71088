using Rendezvous.Domain;
using Rendezvous.Protocol;
using Rendezvous.Store;

namespace Rendezvous.Services;

/// <summary>
/// One action taken in or for a mailbox not the actor's own (issue 18 §5): <paramref name="Access"/> says by which right
/// ("impersonation", "send-as", "send-on-behalf"), <paramref name="Actor"/> who acted, <paramref name="Mailbox"/> as
/// or for whom. The host writes each as one structured log line with the operation.
/// </summary>
public sealed record AccessEvent(string Access, string Actor, string Mailbox);

/// <summary>Who a message goes out as: its From, and its Sender (the same address unless sent on someone's behalf).</summary>
public sealed record Sending(EmailAddress From, EmailAddress Sender, GrantKind? Right)
{
    public bool OnBehalf => Right == GrantKind.SendOnBehalf;
}

/// <summary>
/// The one check every sending path makes (a message's CreateItem or SendItem, meeting messages sent from another's
/// mailbox): may the session's user send as <c>From</c>, and how the message then names them.
/// </summary>
public static class SendingRights
{
    /// <summary>
    /// The From and Sender of a message the session's user sends claiming <paramref name="from"/> and
    /// <paramref name="sender"/> (null: not said, the user themself). Another mailbox in From needs the user's send-as
    /// grant for it (From and Sender both that mailbox: the message shows no one else, as Exchange's Send As) or their
    /// send-on-behalf grant (From that mailbox, Sender the user); otherwise, or when Sender names anyone but the user
    /// or that mailbox, ErrorSendAsDenied and nothing is sent. Each send for another is given to
    /// <see cref="Session.Audit"/>.
    /// </summary>
    public static async Task<Sending> DecideAsync(Session session, EmailAddress? from, EmailAddress? sender)
    {
        var me = new EmailAddress(session.User.DisplayName, session.Address);
        if (from is null || from.Is(session.Address))
        {
            if (sender is not null && !sender.Is(session.Address))
            {
                throw Denied(session, sender.Address);
            }

            return new Sending(me, me, null);
        }

        var principal = await session.Store.FindUserAsync(from.Address, session.Cancellation);
        if (principal is null)
        {
            throw Denied(session, from.Address);
        }

        return await ForAsync(session, principal, sender);
    }

    /// <summary>
    /// <see cref="DecideAsync"/> for a message sent for <paramref name="principal"/>, a mailbox of this server (a
    /// meeting message a delegate sends from the principal's calendar; the principal themself needs no right).
    /// </summary>
    public static async Task<Sending> ForAsync(Session session, UserRecord principal, EmailAddress? sender = null)
    {
        var me = new EmailAddress(session.User.DisplayName, session.Address);
        var principalAddress = new EmailAddress(principal.DisplayName, principal.Address);
        if (principal.MailboxId == session.MailboxId)
        {
            return new Sending(me, me, null);
        }

        var grants = await session.Store.ListGrantsAsync(session.MailboxId, session.Cancellation);
        var right = Grants.SendingRight(grants, principal.MailboxId);
        if (right is null)
        {
            throw Denied(session, principal.Address);
        }

        var sending = right == GrantKind.SendAs
            ? new Sending(principalAddress, principalAddress, right)
            : new Sending(principalAddress, me, right);
        if (sender is not null && !sender.Is(sending.Sender.Address) && !sender.Is(session.Address))
        {
            throw Denied(session, sender.Address);
        }

        session.Audit(new AccessEvent(right == GrantKind.SendAs ? "send-as" : "send-on-behalf", session.Address, principal.Address));
        return sending;
    }

    private static DomainException Denied(Session session, string address) =>
        new(ErrorCode.SendAsDenied, $"{session.Address} may not send as {address}: sending as another mailbox needs its send-as or send-on-behalf right.");
}
