using System.Data.Common;
using Rendezvous.Domain;

namespace Rendezvous.Store.Sql;

/// <summary>Delegates (issue 18 §2): who acts for a principal, and how the principal's meeting requests are delivered; both stores' statements.</summary>
internal sealed class DelegateSql
{
    private const string Setting = "SELECT deliver_meeting_requests FROM delegation_settings WHERE principal_id = @p;";

    // In the order they were added, as Exchange lists them.
    private const string Delegates = "SELECT delegate_id, view_private_items, receive_copies FROM delegates WHERE principal_id = @p ORDER BY position;";

    private const string Add =
        """
        INSERT INTO delegates (principal_id, delegate_id, view_private_items, receive_copies, position)
        SELECT @p, @d, @v, @r, COALESCE(MAX(position), 0) + 1 FROM delegates WHERE principal_id = @p
        ON CONFLICT (principal_id, delegate_id) DO NOTHING;
        """;

    private const string Update = "UPDATE delegates SET view_private_items = @v, receive_copies = @r WHERE principal_id = @p AND delegate_id = @d;";
    private const string Remove = "DELETE FROM delegates WHERE principal_id = @p AND delegate_id = @d;";

    private const string SetDelivery =
        """
        INSERT INTO delegation_settings (principal_id, deliver_meeting_requests) VALUES (@p, @s)
        ON CONFLICT (principal_id) DO UPDATE SET deliver_meeting_requests = excluded.deliver_meeting_requests;
        """;

    private readonly SqlDialect sql;
    private readonly string principalsOf;

    // An add takes the next position: where writers run at once, the principal's row is locked first, so that two do not take the same one.
    private readonly string? lockPrincipal;

    public DelegateSql(SqlDialect sql)
    {
        this.sql = sql;
        principalsOf = $"SELECT principal_id FROM delegates WHERE delegate_id = @d ORDER BY {sql.BytewiseOrder("principal_id")};";
        lockPrincipal = sql.LockRow("users", "mailbox_id", "@p");
    }

    /// <summary>A principal's delegation, read in <paramref name="tx"/> (a snapshot where the store takes one for the two reads).</summary>
    public async Task<Delegation> GetAsync(DbConnection connection, DbTransaction? tx, string principalMailboxId, CancellationToken cancellationToken)
    {
        string? deliver;
        await using (var setting = sql.Command(connection, tx, Setting, ("p", principalMailboxId)))
        {
            deliver = await setting.ExecuteScalarAsync(cancellationToken) as string;
        }

        var delegates = new List<DelegateEntry>();
        await using (var cmd = sql.Command(connection, tx, Delegates, ("p", principalMailboxId)))
        await using (var reader = await cmd.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                delegates.Add(new DelegateEntry(reader.GetString(0), reader.GetBoolean(1), reader.GetBoolean(2)));
            }
        }

        return new Delegation(deliver ?? Delegation.DefaultDeliverMeetingRequests, delegates);
    }

    public async Task<IReadOnlyList<string>> PrincipalsOfAsync(DbConnection connection, string delegateMailboxId, CancellationToken cancellationToken)
    {
        await using var cmd = sql.Command(connection, null, principalsOf, ("d", delegateMailboxId));
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        var principals = new List<string>();
        while (await reader.ReadAsync(cancellationToken))
        {
            principals.Add(reader.GetString(0));
        }

        return principals;
    }

    /// <summary>A change set's delegate rows (inside the store's ApplyAsync transaction): one not as expected fails the set.</summary>
    public async Task WriteAsync(DbConnection connection, DbTransaction tx, ChangeSet changes, CancellationToken cancellationToken)
    {
        foreach (var write in changes.Delegates)
        {
            if (!await WriteOneAsync(connection, tx, write, cancellationToken))
            {
                throw new DelegateStateException(write.PrincipalMailboxId, write.Entry.DelegateMailboxId, exists: write.Kind == DelegateWriteKind.Add);
            }
        }

        foreach (var (principal, deliver) in changes.DeliverySettings)
        {
            await SetDeliveryAsync(connection, tx, principal, deliver, cancellationToken);
        }
    }

    /// <summary>Writes one delegate row: false when an add finds it there already, or an update or remove finds none.</summary>
    public async Task<bool> WriteOneAsync(DbConnection connection, DbTransaction tx, DelegateWrite write, CancellationToken cancellationToken)
    {
        var (p, entry) = (write.PrincipalMailboxId, write.Entry);
        if (write.Kind == DelegateWriteKind.Add && lockPrincipal is not null)
        {
            await using var locked = sql.Command(connection, tx, lockPrincipal, ("p", p));
            await locked.ExecuteNonQueryAsync(cancellationToken);
        }

        await using var cmd = write.Kind switch
        {
            DelegateWriteKind.Add => sql.Command(connection, tx, Add,
                ("p", p), ("d", entry.DelegateMailboxId), ("v", entry.ViewPrivateItems), ("r", entry.ReceiveCopiesOfMeetingMessages)),
            DelegateWriteKind.Update => sql.Command(connection, tx, Update,
                ("p", p), ("d", entry.DelegateMailboxId), ("v", entry.ViewPrivateItems), ("r", entry.ReceiveCopiesOfMeetingMessages)),
            _ => sql.Command(connection, tx, Remove, ("p", p), ("d", entry.DelegateMailboxId)),
        };
        return await cmd.ExecuteNonQueryAsync(cancellationToken) > 0;
    }

    public async Task SetDeliveryAsync(DbConnection connection, DbTransaction tx, string principalMailboxId, string deliverMeetingRequests, CancellationToken cancellationToken)
    {
        await using var cmd = sql.Command(connection, tx, SetDelivery, ("p", principalMailboxId), ("s", deliverMeetingRequests));
        await cmd.ExecuteNonQueryAsync(cancellationToken);
    }
}
