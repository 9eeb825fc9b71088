using System.Data.Common;
using Rendezvous.Domain;

namespace Rendezvous.Store.Sql;

/// <summary>
/// Folder permission sets (issue 18): both stores' statements but the read of several folders' sets (SQLite's IN
/// list, PostgreSQL's array), which each store keeps.
/// </summary>
internal sealed class PermissionSql
{
    private const string Rights =
        $"""
        SELECT {SharingRows.PermissionColumns} FROM folder_permissions
        WHERE folder_id = @f AND grantee IN (@m, '{SharingRows.DefaultGrantee}')
        ORDER BY CASE grantee WHEN '{SharingRows.DefaultGrantee}' THEN 1 ELSE 0 END
        LIMIT 1;
        """;

    private const string Set =
        $"""
        SELECT p.folder_id, p.grantee, u.address, u.display_name, {SharingRows.PermissionColumns}
        FROM folder_permissions p LEFT JOIN users u ON u.mailbox_id = p.grantee WHERE p.folder_id = @f;
        """;

    private const string Upsert =
        $"""
        INSERT INTO folder_permissions (folder_id, grantee, {SharingRows.PermissionColumns}) VALUES (@f, @g, @ci, @cs, @o, @v, @c, @e, @d, @r)
        ON CONFLICT (folder_id, grantee) DO UPDATE SET can_create_items = excluded.can_create_items, can_create_subfolders = excluded.can_create_subfolders,
            is_folder_owner = excluded.is_folder_owner, is_folder_visible = excluded.is_folder_visible, is_folder_contact = excluded.is_folder_contact,
            edit_items = excluded.edit_items, delete_items = excluded.delete_items, read_items = excluded.read_items;
        """;

    private readonly SqlDialect sql;

    // Where writers run at once, the folder's row is locked before its set is read or replaced, so that two writes to
    // one set go one after the other (PostgreSQL's READ COMMITTED: without it the later DELETE would miss the earlier
    // write's rows and leave a mix).
    private readonly string? lockFolder;
    private readonly string clear;

    public PermissionSql(SqlDialect sql)
    {
        this.sql = sql;
        lockFolder = sql.LockRow("folders", "id", "@f");
        // One round trip where the lock is a statement of its own.
        clear = lockFolder + "DELETE FROM folder_permissions WHERE folder_id = @f;";
    }

    public async Task<FolderRights?> GetRightsAsync(DbConnection connection, string folderId, string mailboxId, CancellationToken cancellationToken)
    {
        await using var cmd = sql.Command(connection, null, Rights, ("f", folderId), ("m", mailboxId));
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? SharingRows.ReadRights(reader, 0) : null;
    }

    /// <summary>
    /// Replaces each named folder's permission set (inside the store's ApplyAsync transaction, after its folder
    /// inserts), after checking that each set the change set expects (<see cref="ChangeSet.PermissionChecks"/>) is still the stored one.
    /// </summary>
    public async Task WriteAsync(DbConnection connection, DbTransaction tx, ChangeSet changes, CancellationToken cancellationToken)
    {
        foreach (var (folderId, expected) in changes.PermissionChecks)
        {
            if (lockFolder is not null)
            {
                await using var locked = sql.Command(connection, tx, lockFolder, ("f", folderId));
                await locked.ExecuteNonQueryAsync(cancellationToken);
            }

            var sets = new Dictionary<string, IReadOnlyList<PermissionEntry>>(StringComparer.Ordinal);
            await using (var read = sql.Command(connection, tx, Set, ("f", folderId)))
            await using (var reader = await read.ExecuteReaderAsync(cancellationToken))
            {
                await SharingRows.ReadPermissionSetsAsync(reader, sets, cancellationToken);
            }

            if (!SharingRows.SameSet(sets.GetValueOrDefault(folderId), expected))
            {
                throw new ConcurrencyException(folderId);
            }
        }

        foreach (var (folderId, entries) in changes.Permissions)
        {
            await using (var cleared = sql.Command(connection, tx, clear, ("f", folderId)))
            {
                await cleared.ExecuteNonQueryAsync(cancellationToken);
            }

            foreach (var entry in entries)
            {
                var r = entry.Rights;
                await using var cmd = sql.Command(connection, tx, Upsert,
                    ("f", folderId), ("g", SharingRows.GranteeKey(entry)), ("ci", r.CanCreateItems), ("cs", r.CanCreateSubFolders), ("o", r.IsFolderOwner),
                    ("v", r.IsFolderVisible), ("c", r.IsFolderContact), ("e", (int)r.EditItems), ("d", (int)r.DeleteItems), ("r", (int)r.ReadItems));
                await cmd.ExecuteNonQueryAsync(cancellationToken);
            }
        }
    }
}
