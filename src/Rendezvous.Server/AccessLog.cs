using Microsoft.Extensions.Logging;

namespace Rendezvous.Server;

/// <summary>
/// The log category of actions taken in another user's mailbox (issue 18 §5): one Information line each, who acted, in
/// whose mailbox, on which folder, doing what. Kept apart from the request log so that an operator keeps it (the
/// server's console writes it at any minimum level) or sends it elsewhere by its category.
/// </summary>
public sealed class AccessLog
{
    /// <summary>The event of every such line, its own id whatever the category (impersonation, send-as, delegates, permissions).</summary>
    public static readonly EventId Event = new(1800, "MailboxAccess");

    private AccessLog()
    {
    }
}
