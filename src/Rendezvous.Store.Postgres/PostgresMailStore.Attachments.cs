using System.Data;
using System.Text;
using Npgsql;
using NpgsqlTypes;
using Rendezvous.Domain;
using Rendezvous.Store.Sql;

namespace Rendezvous.Store.Postgres;

/// <summary>
/// Attachments: one row each (bytea), keyed by the root item and the attachment's local id. Bytes go in from their
/// stream as a streamed parameter and come out through a sequential reader's stream, so a 20 MB attachment is never one
/// array in this process.
/// </summary>
public sealed partial class PostgresMailStore
{
    private const string IsItemAttachment = "(header::jsonb ->> 'Kind') = 'Item'";

    public async Task<StoredAttachment?> GetAttachmentAsync(string itemId, string attachmentId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var cmd = connection.Command($"""
            SELECT mailbox_id, header, octet_length(content)::bigint, CASE WHEN {IsItemAttachment} THEN content END
            FROM attachments WHERE item_id = @i AND id = @a;
            """, null, ("i", itemId), ("a", attachmentId));
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }

        var header = ItemFormat.DeserializeAttachment(Encoding.UTF8.GetBytes(reader.GetString(1)));
        var attached = reader.IsDBNull(3) ? null : ItemFormat.Deserialize(reader.GetFieldValue<byte[]>(3));
        return new StoredAttachment(itemId, reader.GetString(0), header, reader.GetInt64(2), attached);
    }

    public async Task<Stream?> OpenAttachmentAsync(string itemId, string attachmentId, CancellationToken cancellationToken)
    {
        var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        try
        {
            var stream = await ContentStream.OpenAsync(connection, null, itemId, attachmentId, connection, cancellationToken);
            if (stream is null)
            {
                await connection.DisposeAsync();
            }

            return stream;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    public async Task<IAttachmentSource> OpenAttachmentSourceAsync(IReadOnlyCollection<string> itemIds, CancellationToken cancellationToken)
    {
        var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        NpgsqlTransaction? tx = null;
        try
        {
            // One snapshot from the listing to the last byte written: an attachment deleted meanwhile is still read whole.
            tx = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken);
            var rows = new Dictionary<(string, string), Item?>();
            await using (var cmd = connection.Command($"SELECT item_id, id, CASE WHEN {IsItemAttachment} THEN content END FROM attachments WHERE item_id = ANY(@i);",
                tx, ("i", itemIds.ToArray())))
            await using (var reader = await cmd.ExecuteReaderAsync(cancellationToken))
            {
                while (await reader.ReadAsync(cancellationToken))
                {
                    rows[(reader.GetString(0), reader.GetString(1))] = reader.IsDBNull(2) ? null : ItemFormat.Deserialize(reader.GetFieldValue<byte[]>(2));
                }
            }

            return new AttachmentSource(connection, tx, rows);
        }
        catch
        {
            if (tx is not null)
            {
                await tx.DisposeAsync();
            }

            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>Attachments of some items in one snapshot; a file is read when opened, one at a time (the connection's one reader).</summary>
    private sealed class AttachmentSource(NpgsqlConnection connection, NpgsqlTransaction tx, Dictionary<(string, string), Item?> rows) : IAttachmentSource
    {
        private bool disposed;

        public Stream? OpenFile(string rootItemId, string attachmentId)
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            return rows.TryGetValue((rootItemId, attachmentId), out var attached) && attached is null
                ? ContentStream.Open(connection, tx, rootItemId, attachmentId)
                : null;
        }

        public Item? AttachedItem(string rootItemId, string attachmentId) =>
            rows.TryGetValue((rootItemId, attachmentId), out var attached) ? attached?.Clone() : null;

        public async ValueTask DisposeAsync()
        {
            if (!disposed)
            {
                disposed = true;
                await tx.DisposeAsync(); // a read: rolled back, which ends the snapshot
                await connection.DisposeAsync();
            }
        }
    }

    /// <summary>
    /// An attachment's bytes as the server sends them: a sequential reader's stream over the row. Disposing it ends the
    /// query, and gives back the connection when it owns one.
    /// </summary>
    private sealed class ContentStream : Stream
    {
        private const string Query = "SELECT octet_length(content)::bigint, content FROM attachments WHERE item_id = @i AND id = @a;";

        private readonly NpgsqlCommand command;
        private readonly NpgsqlDataReader reader;
        private readonly Stream content;
        private readonly NpgsqlConnection? owned;
        private bool disposed;

        private ContentStream(NpgsqlCommand command, NpgsqlDataReader reader, long length, NpgsqlConnection? owned)
        {
            this.command = command;
            this.reader = reader;
            this.owned = owned;
            Length = length;
            content = reader.GetStream(1);
        }

        public static async Task<ContentStream?> OpenAsync(NpgsqlConnection connection, NpgsqlTransaction? tx, string itemId, string attachmentId, NpgsqlConnection? owned, CancellationToken cancellationToken)
        {
            var cmd = connection.Command(Query, tx, ("i", itemId), ("a", attachmentId));
            NpgsqlDataReader? reader = null;
            try
            {
                reader = await cmd.ExecuteReaderAsync(CommandBehavior.SequentialAccess | CommandBehavior.SingleRow, cancellationToken);
                if (!await reader.ReadAsync(cancellationToken))
                {
                    await reader.DisposeAsync();
                    await cmd.DisposeAsync();
                    return null;
                }

                return new ContentStream(cmd, reader, reader.GetInt64(0), owned);
            }
            catch
            {
                if (reader is not null)
                {
                    await reader.DisposeAsync();
                }

                await cmd.DisposeAsync();
                throw;
            }
        }

        /// <summary>The synchronous open that <see cref="IAttachmentSource.OpenFile"/> asks for (a query on a connection already open).</summary>
        public static ContentStream? Open(NpgsqlConnection connection, NpgsqlTransaction tx, string itemId, string attachmentId)
        {
            var cmd = connection.Command(Query, tx, ("i", itemId), ("a", attachmentId));
            NpgsqlDataReader? reader = null;
            try
            {
                reader = cmd.ExecuteReader(CommandBehavior.SequentialAccess | CommandBehavior.SingleRow);
                if (!reader.Read())
                {
                    reader.Dispose();
                    cmd.Dispose();
                    return null;
                }

                return new ContentStream(cmd, reader, reader.GetInt64(0), null);
            }
            catch
            {
                reader?.Dispose();
                cmd.Dispose();
                throw;
            }
        }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length { get; }

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => content.Read(buffer, offset, count);

        public override int Read(Span<byte> buffer) => content.Read(buffer);

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => content.ReadAsync(buffer, cancellationToken);

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => content.ReadAsync(buffer, offset, count, cancellationToken);

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing && !disposed)
            {
                disposed = true;
                content.Dispose();
                reader.Dispose();
                command.Dispose();
                owned?.Dispose();
            }

            base.Dispose(disposing);
        }

        public override async ValueTask DisposeAsync()
        {
            if (!disposed)
            {
                disposed = true;
                await content.DisposeAsync();
                await reader.DisposeAsync();
                await command.DisposeAsync();
                if (owned is not null)
                {
                    await owned.DisposeAsync();
                }
            }

            GC.SuppressFinalize(this);
        }
    }

    private static readonly AttachmentSql Attachments = new(PostgresDialect.Instance);

    /// <summary>The attachment rows of a change set, before its deletions (<see cref="AttachmentSql.WriteAsync"/>).</summary>
    private static Task WriteAttachmentsAsync(NpgsqlConnection connection, NpgsqlTransaction tx, ChangeSet changes, HashSet<string> deleted, CancellationToken cancellationToken) =>
        Attachments.WriteAsync(connection, tx, changes, deleted,
            static (c, t, add, ct) => AddAttachmentAsync((NpgsqlConnection)c, (NpgsqlTransaction)t, add, ct), cancellationToken);

    /// <summary>One new attachment: an attached item in the store's item format, or the bytes streamed from their source.</summary>
    private static async Task AddAttachmentAsync(NpgsqlConnection connection, NpgsqlTransaction tx, AttachmentAdd add, CancellationToken cancellationToken)
    {
        var (header, content) = add.Attachment;
        await using var cmd = connection.Command("""
            INSERT INTO attachments (item_id, id, mailbox_id, parent_id, header, content) VALUES (@i, @a, @m, @p::text, @h, @c);
            """, tx, ("i", add.Item.Id), ("a", header.Id), ("m", add.Item.MailboxId), ("p", header.ParentId),
            ("h", Encoding.UTF8.GetString(ItemFormat.SerializeAttachment(header))));
        if (content.Item is { } attached)
        {
            cmd.Parameters.Add(new NpgsqlParameter("c", NpgsqlDbType.Bytea) { Value = Encoding.UTF8.GetBytes(ItemFormat.Serialize(attached)) });
            await cmd.ExecuteNonQueryAsync(cancellationToken);
            return;
        }

        if (content.Length == 0)
        {
            cmd.Parameters.Add(new NpgsqlParameter("c", NpgsqlDbType.Bytea) { Value = Array.Empty<byte>() });
            await cmd.ExecuteNonQueryAsync(cancellationToken);
            return;
        }

        if (content.Length > int.MaxValue)
        {
            throw new InvalidOperationException("An attachment's content is longer than the store takes.");
        }

        // Npgsql sends at most Size bytes from the stream, as it reads it. The count read says whether the content was as
        // long as it said (a shorter one fails the whole write, which rolls back); what is left after means it was longer.
        await using var source = new CountingStream(content.Open!());
        cmd.Parameters.Add(new NpgsqlParameter("c", NpgsqlDbType.Bytea) { Value = source, Size = (int)content.Length });
        await cmd.ExecuteNonQueryAsync(cancellationToken);
        if (source.Count != content.Length)
        {
            throw new InvalidOperationException("An attachment's content is shorter than it said.");
        }

        if (source.ReadByte() != -1)
        {
            throw new InvalidOperationException("An attachment's content is longer than it said.");
        }
    }

    /// <summary>A read-only stream that counts the bytes read through it.</summary>
    private sealed class CountingStream(Stream inner) : Stream
    {
        public long Count { get; private set; }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => Count; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Counted(inner.Read(buffer, offset, count));

        public override int Read(Span<byte> buffer) => Counted(inner.Read(buffer));

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            Counted(await inner.ReadAsync(buffer, cancellationToken));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        private int Counted(int read)
        {
            Count += read;
            return read;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }

        public override async ValueTask DisposeAsync()
        {
            await inner.DisposeAsync();
            GC.SuppressFinalize(this);
        }
    }
}
