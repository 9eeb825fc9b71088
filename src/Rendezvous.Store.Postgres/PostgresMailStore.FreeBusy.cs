using System.Text.Json;
using Npgsql;
using Rendezvous.Domain;
using Rendezvous.Protocol;

namespace Rendezvous.Store.Postgres;

/// <summary>
/// GetUserAvailability's reads of many mailboxes: each a round trip for all of them, where the one-mailbox reads made
/// about six a mailbox, one after the other (issue 19: 108 round trips for 20 mailboxes).
/// </summary>
public sealed partial class PostgresMailStore
{
    // FindUserAsync, GetDistinguishedFolderAsync(calendar), GetRightsAsync (the caller's own entry, else Default's; no
    // row: null), the caller's row among the delegates and GetWorkingHoursAsync, joined; q.n keeps the request's order
    // (and a repeated address its repeats).
    private const string FreeBusyMailboxesSql =
        $"""
        SELECT q.n, u.mailbox_id, u.address, u.display_name, u.password_hash, u.culture,
               f.id, f.mailbox_id, f.parent_id, f.display_name, f.folder_class, f.distinguished_name, f.change_number, f.extended,
               f.total_count, f.unread_count, (SELECT COUNT(*)::integer FROM folders c WHERE c.parent_id = f.id), f.modified_ticks, f.content_ticks,
               r.found, r.can_create_items, r.can_create_subfolders, r.is_folder_owner, r.is_folder_visible, r.is_folder_contact, r.edit_items, r.delete_items, r.read_items,
               d.delegate_id, d.view_private_items, d.receive_copies,
               s.working_hours
        FROM unnest(@a::text[]) WITH ORDINALITY AS q(address, n)
        JOIN users u ON lower(u.address) = lower(q.address)
        LEFT JOIN folders f ON f.mailbox_id = u.mailbox_id AND f.distinguished_name = 'calendar'
        LEFT JOIN LATERAL (
            SELECT true AS found, {SharingRows.PermissionColumns} FROM folder_permissions p
            WHERE p.folder_id = f.id AND p.grantee IN (@c, '{SharingRows.DefaultGrantee}')
            ORDER BY CASE p.grantee WHEN '{SharingRows.DefaultGrantee}' THEN 1 ELSE 0 END
            LIMIT 1) r ON true
        LEFT JOIN delegates d ON d.principal_id = u.mailbox_id AND d.delegate_id = @c
        LEFT JOIN mailbox_settings s ON s.mailbox_id = u.mailbox_id
        ORDER BY q.n;
        """;

    public async Task<IReadOnlyList<FreeBusyMailbox?>> GetFreeBusyMailboxesAsync(IReadOnlyList<string> addresses, string callerMailboxId, CancellationToken cancellationToken)
    {
        var mailboxes = new FreeBusyMailbox?[addresses.Count];
        if (addresses.Count == 0)
        {
            return mailboxes;
        }

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var cmd = connection.Command(FreeBusyMailboxesSql, null, ("a", addresses.ToArray()), ("c", callerMailboxId));
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var user = new UserRecord(reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4))
            {
                Culture = reader.IsDBNull(5) ? DefaultFolders.DefaultCulture : reader.GetString(5),
            };
            var calendar = reader.IsDBNull(6) ? null : ReadFolder(reader, offset: 6);
            var rights = reader.IsDBNull(19) ? null : SharingRows.ReadRights(reader, 20);
            var asDelegate = reader.IsDBNull(28) ? null : new DelegateEntry(reader.GetString(28), reader.GetBoolean(29), reader.GetBoolean(30));
            var hours = reader.IsDBNull(31) ? null : JsonSerializer.Deserialize<WorkingHours>(reader.GetString(31), Json);
            mailboxes[reader.GetInt64(0) - 1] = new FreeBusyMailbox(user, calendar, rights, asDelegate, hours);
        }

        return mailboxes;
    }

    // WindowQuery's rows, with free/busy's part of each calendar item (migration 8) for its data; the folder is the
    // parameter, and a folder's items share one mailbox (so its id is read once).
    private const string FreeBusyWindowQuery =
        "SELECT id, mailbox_id, change_number, COALESCE(free_busy, data), created_seq FROM items" + WindowCondition;

    public async Task<IReadOnlyList<IReadOnlyList<Item>>> GetFreeBusyInWindowsAsync(IReadOnlyList<string> folderIds, DateTime start, DateTime end, CancellationToken cancellationToken)
    {
        var windows = new List<IReadOnlyList<Item>>(folderIds.Count);
        if (folderIds.Count == 0)
        {
            return windows;
        }

        // One statement per folder, as one batch: each keeps the one-folder plan (and its prepared statement).
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var batch = new NpgsqlBatch(connection);
        foreach (var folderId in folderIds)
        {
            var command = new NpgsqlBatchCommand(FreeBusyWindowQuery);
            command.Parameters.Add(new NpgsqlParameter("f", folderId));
            command.Parameters.Add(new NpgsqlParameter("s", start.Ticks));
            command.Parameters.Add(new NpgsqlParameter("e", end.Ticks));
            batch.BatchCommands.Add(command);
        }

        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        do
        {
            var folderId = folderIds[windows.Count];
            var items = new List<Item>();
            string? mailboxId = null;
            while (await reader.ReadAsync(cancellationToken))
            {
                var item = ItemFormat.Deserialize(reader.GetFieldValue<byte[]>(3), ItemFormat.FreeBusy);
                item.Id = reader.GetString(0);
                item.MailboxId = mailboxId ??= reader.GetString(1);
                item.FolderId = folderId;
                item.ChangeNumber = reader.GetInt64(2);
                item.NumberInFolder(reader.GetInt64(4));
                items.Add(item);
            }

            windows.Add(items);
        }
        while (await reader.NextResultAsync(cancellationToken));

        return windows;
    }
}
