using Npgsql;
using Rendezvous.Domain;
using Rendezvous.Store.Sql;

namespace Rendezvous.Store.Postgres;

/// <summary>
/// Folder permission sets (issue 18, migration 2's table), as <see cref="SqliteMailStore"/> keeps them: one row per folder
/// and grantee, a grantee being a user's mailbox id, <see cref="SharingRows.DefaultGrantee"/> or <see cref="SharingRows.AnonymousGrantee"/>. A
/// folder without rows keeps Exchange's defaults (<see cref="FolderPermissions.Defaults"/>). The rows go with their folder
/// (the foreign key); a removed user's rows stay, unread (the join below drops them).
/// </summary>
public sealed partial class PostgresMailStore
{
    private static readonly PermissionSql Permissions = new(PostgresDialect.Instance);

    public async Task<IReadOnlyList<PermissionEntry>?> GetPermissionsAsync(string folderId, CancellationToken cancellationToken) =>
        (await GetPermissionsAsync([folderId], cancellationToken)).GetValueOrDefault(folderId);

    public async Task<IReadOnlyDictionary<string, IReadOnlyList<PermissionEntry>>> GetPermissionsAsync(IReadOnlyCollection<string> folderIds, CancellationToken cancellationToken)
    {
        var sets = new Dictionary<string, IReadOnlyList<PermissionEntry>>(StringComparer.Ordinal);
        if (folderIds.Count == 0)
        {
            return sets;
        }

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        // Users by address as SQLite orders them (its NOCASE column): lower() in bytewise order.
        await using var cmd = connection.Command($"""
            SELECT p.folder_id, p.grantee, u.address, u.display_name, {SharingRows.PermissionColumns}
            FROM folder_permissions p LEFT JOIN users u ON u.mailbox_id = p.grantee
            WHERE p.folder_id = ANY(@f)
            ORDER BY p.folder_id, CASE p.grantee WHEN '{SharingRows.DefaultGrantee}' THEN 0 WHEN '{SharingRows.AnonymousGrantee}' THEN 1 ELSE 2 END, lower(u.address) COLLATE "C";
            """, null, ("f", folderIds.ToArray()));
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        await SharingRows.ReadPermissionSetsAsync(reader, sets, cancellationToken);
        return sets;
    }

    public async Task<FolderRights?> GetRightsAsync(string folderId, string mailboxId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await Permissions.GetRightsAsync(connection, folderId, mailboxId, cancellationToken);
    }

    /// <summary>Replaces each named folder's permission set (inside <see cref="ApplyAsync"/>'s transaction): <see cref="PermissionSql.WriteAsync"/>.</summary>
    private static Task WritePermissionsAsync(NpgsqlConnection connection, NpgsqlTransaction tx, ChangeSet changes, CancellationToken cancellationToken) =>
        Permissions.WriteAsync(connection, tx, changes, cancellationToken);

}
