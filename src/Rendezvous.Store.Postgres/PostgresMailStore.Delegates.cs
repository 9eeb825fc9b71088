using Npgsql;
using Rendezvous.Domain;

namespace Rendezvous.Store.Postgres;

/// <summary>Delegates (issue 18 §2, migration 4's tables): who acts for a principal, and how the principal's meeting requests are delivered.</summary>
public sealed partial class PostgresMailStore
{
    public async Task<Delegation> GetDelegationAsync(string principalMailboxId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var tx = await connection.BeginSnapshotAsync(cancellationToken);
        string? deliver;
        await using (var setting = connection.Command("SELECT deliver_meeting_requests FROM delegation_settings WHERE principal_id = @p;", tx, ("p", principalMailboxId)))
        {
            deliver = await setting.ExecuteScalarAsync(cancellationToken) as string;
        }

        // In the order they were added, as Exchange lists them.
        var delegates = new List<DelegateEntry>();
        await using (var cmd = connection.Command(
            "SELECT delegate_id, view_private_items, receive_copies FROM delegates WHERE principal_id = @p ORDER BY position;", tx, ("p", principalMailboxId)))
        await using (var reader = await cmd.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                delegates.Add(new DelegateEntry(reader.GetString(0), reader.GetBoolean(1), reader.GetBoolean(2)));
            }
        }

        await tx.CommitAsync(cancellationToken);
        return new Delegation(deliver ?? Delegation.DefaultDeliverMeetingRequests, delegates);
    }

    public async Task<IReadOnlyList<string>> GetPrincipalsOfAsync(string delegateMailboxId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var cmd = connection.Command("SELECT principal_id FROM delegates WHERE delegate_id = @d ORDER BY principal_id COLLATE \"C\";", null, ("d", delegateMailboxId));
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        var principals = new List<string>();
        while (await reader.ReadAsync(cancellationToken))
        {
            principals.Add(reader.GetString(0));
        }

        return principals;
    }

    public async Task<bool> SaveDelegateAsync(string principalMailboxId, DelegateEntry entry, bool add, CancellationToken cancellationToken)
    {
        var done = false;
        await WriteAsync(async (connection, tx) =>
            done = await WriteDelegateAsync(connection, tx, new DelegateWrite(principalMailboxId, entry, add ? DelegateWriteKind.Add : DelegateWriteKind.Update), cancellationToken),
            cancellationToken);
        return done;
    }

    public async Task<bool> RemoveDelegateAsync(string principalMailboxId, string delegateMailboxId, CancellationToken cancellationToken)
    {
        var done = false;
        await WriteAsync(async (connection, tx) =>
            done = await WriteDelegateAsync(connection, tx, new DelegateWrite(principalMailboxId, new DelegateEntry(delegateMailboxId, false, false), DelegateWriteKind.Remove), cancellationToken),
            cancellationToken);
        return done;
    }

    /// <summary>A change set's delegate rows (inside <see cref="ApplyAsync"/>'s savepoint): one not as expected fails the set.</summary>
    private static async Task WriteDelegatesAsync(NpgsqlConnection connection, NpgsqlTransaction tx, ChangeSet changes, CancellationToken cancellationToken)
    {
        foreach (var write in changes.Delegates)
        {
            if (!await WriteDelegateAsync(connection, tx, write, cancellationToken))
            {
                throw new DelegateStateException(write.PrincipalMailboxId, write.Entry.DelegateMailboxId, exists: write.Kind == DelegateWriteKind.Add);
            }
        }

        foreach (var (principal, deliver) in changes.DeliverySettings)
        {
            await WriteDeliverySettingAsync(connection, tx, principal, deliver, cancellationToken);
        }
    }

    /// <summary>Writes one delegate row: false when an add finds it there already, or an update or remove finds none.</summary>
    private static async Task<bool> WriteDelegateAsync(NpgsqlConnection connection, NpgsqlTransaction tx, DelegateWrite write, CancellationToken cancellationToken)
    {
        var (p, entry) = (write.PrincipalMailboxId, write.Entry);
        if (write.Kind == DelegateWriteKind.Add)
        {
            // An add takes the next position: the principal's row is locked first (NO KEY UPDATE: it keeps no insert
            // that references the user waiting), so that two nodes adding at once do not take the same one.
            await using var lockPrincipal = connection.Command("SELECT 1 FROM users WHERE mailbox_id = @p FOR NO KEY UPDATE;", tx, ("p", p));
            await lockPrincipal.ExecuteNonQueryAsync(cancellationToken);
        }

        await using var cmd = write.Kind switch
        {
            DelegateWriteKind.Add => connection.Command(
                """
                INSERT INTO delegates (principal_id, delegate_id, view_private_items, receive_copies, position)
                SELECT @p, @d, @v, @r, COALESCE(MAX(position), 0) + 1 FROM delegates WHERE principal_id = @p
                ON CONFLICT (principal_id, delegate_id) DO NOTHING;
                """,
                tx, ("p", p), ("d", entry.DelegateMailboxId), ("v", entry.ViewPrivateItems), ("r", entry.ReceiveCopiesOfMeetingMessages)),
            DelegateWriteKind.Update => connection.Command(
                "UPDATE delegates SET view_private_items = @v, receive_copies = @r WHERE principal_id = @p AND delegate_id = @d;",
                tx, ("p", p), ("d", entry.DelegateMailboxId), ("v", entry.ViewPrivateItems), ("r", entry.ReceiveCopiesOfMeetingMessages)),
            _ => connection.Command("DELETE FROM delegates WHERE principal_id = @p AND delegate_id = @d;", tx, ("p", p), ("d", entry.DelegateMailboxId)),
        };
        return await cmd.ExecuteNonQueryAsync(cancellationToken) > 0;
    }

    public Task SetDeliverMeetingRequestsAsync(string principalMailboxId, string deliverMeetingRequests, CancellationToken cancellationToken) =>
        WriteAsync((connection, tx) => WriteDeliverySettingAsync(connection, tx, principalMailboxId, deliverMeetingRequests, cancellationToken), cancellationToken);

    private static async Task WriteDeliverySettingAsync(NpgsqlConnection connection, NpgsqlTransaction tx, string principalMailboxId, string deliverMeetingRequests, CancellationToken cancellationToken)
    {
        await using var cmd = connection.Command(
            """
            INSERT INTO delegation_settings (principal_id, deliver_meeting_requests) VALUES (@p, @s)
            ON CONFLICT (principal_id) DO UPDATE SET deliver_meeting_requests = excluded.deliver_meeting_requests;
            """,
            tx, ("p", principalMailboxId), ("s", deliverMeetingRequests));
        await cmd.ExecuteNonQueryAsync(cancellationToken);
    }
}
