using Rendezvous.Domain;

namespace Rendezvous.Store;

/// <summary>
/// GetUserAvailability's reads of many mailboxes at once. A SQLite read is no round trip, so these are the one-mailbox
/// reads one after the other, exactly what the service made before.
/// </summary>
public sealed partial class SqliteMailStore
{
    public async Task<IReadOnlyList<IReadOnlyList<Item>>> GetFreeBusyInWindowsAsync(IReadOnlyList<string> folderIds, DateTime start, DateTime end, CancellationToken cancellationToken)
    {
        var windows = new List<IReadOnlyList<Item>>(folderIds.Count);
        foreach (var folderId in folderIds)
        {
            windows.Add(await GetFreeBusyInWindowAsync(folderId, start, end, cancellationToken));
        }

        return windows;
    }

    public async Task<IReadOnlyList<FreeBusyMailbox?>> GetFreeBusyMailboxesAsync(IReadOnlyList<string> addresses, string callerMailboxId, CancellationToken cancellationToken)
    {
        var mailboxes = new List<FreeBusyMailbox?>(addresses.Count);
        foreach (var address in addresses)
        {
            if (await FindUserAsync(address, cancellationToken) is not { } user)
            {
                mailboxes.Add(null);
                continue;
            }

            var calendar = await GetDistinguishedFolderAsync(user.MailboxId, "calendar", cancellationToken);
            var rights = calendar is null ? null : await GetRightsAsync(calendar.Id, callerMailboxId, cancellationToken);
            var asDelegate = (await GetDelegationAsync(user.MailboxId, cancellationToken)).Of(callerMailboxId);
            mailboxes.Add(new FreeBusyMailbox(user, calendar, rights, asDelegate, await GetWorkingHoursAsync(user.MailboxId, cancellationToken)));
        }

        return mailboxes;
    }
}
