using Npgsql;

namespace Rendezvous.Store.Postgres;

/// <summary>
/// The PostgreSQL store's schema, as migrations applied in order at open (or by <c>rdv migrate</c>), each once, under an
/// advisory lock so that several nodes starting at once apply them once. Append a migration; never edit one.
/// Migration 1 is SQLite's schema as of its migration 14, and 2 to 4 its 15 to 17, in PostgreSQL's terms: addresses are matched case-insensitively by
/// lower() indexes (SQLite's COLLATE NOCASE), insertion order is a bigserial (SQLite's rowid), the counts and moves
/// SQLite keeps by triggers are kept by trigger functions.
/// </summary>
internal static class PostgresMigrations
{
    // Any constant: the key of the advisory lock that migrating holds.
    private const long MigrationLock = 0x5244565f4d494752; // "RDV_MIGR"

    private static readonly string[] Migrations =
    [
        // 1: the whole schema of SQLite's migrations 1 to 14.
        """
        CREATE TABLE users (
            mailbox_id text PRIMARY KEY,
            address text NOT NULL,
            display_name text NOT NULL,
            password_hash text NOT NULL,
            culture text
        );
        CREATE UNIQUE INDEX users_address ON users (lower(address));
        CREATE TABLE mailbox_counters (
            mailbox_id text PRIMARY KEY REFERENCES users(mailbox_id) ON DELETE CASCADE,
            value bigint NOT NULL
        );
        CREATE TABLE folders (
            id text PRIMARY KEY,
            mailbox_id text NOT NULL REFERENCES users(mailbox_id) ON DELETE CASCADE,
            parent_id text,
            display_name text NOT NULL,
            folder_class text,
            distinguished_name text,
            change_number bigint NOT NULL,
            extended text,
            sync_seq bigint NOT NULL DEFAULT 0,
            created_seq bigint NOT NULL DEFAULT 0,
            total_count integer NOT NULL DEFAULT 0,
            unread_count integer NOT NULL DEFAULT 0,
            longest_ticks bigint NOT NULL DEFAULT 0,
            modified_ticks bigint NOT NULL DEFAULT 0,
            content_ticks bigint NOT NULL DEFAULT 0
        );
        CREATE INDEX folders_parent ON folders (parent_id);
        CREATE UNIQUE INDEX folders_distinguished ON folders (mailbox_id, distinguished_name) WHERE distinguished_name IS NOT NULL;
        CREATE INDEX folders_sync ON folders (mailbox_id, sync_seq);
        CREATE TABLE items (
            id text PRIMARY KEY,
            mailbox_id text NOT NULL REFERENCES users(mailbox_id) ON DELETE CASCADE,
            folder_id text NOT NULL REFERENCES folders(id) ON DELETE CASCADE,
            kind integer NOT NULL,
            start_ticks bigint,
            end_ticks bigint,
            is_unread integer NOT NULL,
            change_number bigint NOT NULL,
            data text NOT NULL,
            uid text,
            sync_seq bigint NOT NULL,
            created_seq bigint NOT NULL,
            content_seq bigint NOT NULL,
            series_start_ticks bigint,
            series_end_ticks bigint
        );
        CREATE INDEX items_window ON items (folder_id, start_ticks, end_ticks);
        CREATE INDEX items_uid ON items (mailbox_id, uid) WHERE uid IS NOT NULL;
        CREATE INDEX items_sync ON items (folder_id, sync_seq);
        CREATE INDEX items_entered ON items (folder_id, created_seq);
        CREATE INDEX items_series ON items (folder_id, series_start_ticks, series_end_ticks, change_number, id) WHERE series_start_ticks IS NOT NULL;
        -- pos: the order entries were written (SQLite's rowid), which orders the entries of one change. xact: the writing
        -- transaction, by which a notifier tells which entries committed after its cursor (see GetChangedMailboxesAsync).
        CREATE TABLE change_log (
            pos bigserial PRIMARY KEY,
            xact bigint NOT NULL DEFAULT (pg_current_xact_id()::text::bigint),
            mailbox_id text NOT NULL REFERENCES users(mailbox_id) ON DELETE CASCADE,
            seq bigint NOT NULL,
            kind integer NOT NULL,
            is_folder integer NOT NULL,
            id text NOT NULL,
            folder_id text,
            source_id text,
            source_folder_id text,
            source_entered bigint
        );
        CREATE INDEX change_log_seq ON change_log (mailbox_id, seq);
        CREATE INDEX change_log_departures ON change_log (source_folder_id, seq) WHERE is_folder = 0 AND kind IN (4, 6);
        CREATE INDEX change_log_folders ON change_log (mailbox_id, seq) WHERE is_folder = 1;
        CREATE INDEX change_log_xact ON change_log (xact);
        CREATE TABLE secrets (name text PRIMARY KEY, value bytea NOT NULL);
        CREATE TABLE mailbox_settings (
            mailbox_id text PRIMARY KEY REFERENCES users(mailbox_id) ON DELETE CASCADE,
            working_hours text
        );
        -- No foreign key to items, as in SQLite: a move re-points the rows before the old item goes.
        CREATE TABLE attachments (
            item_id text NOT NULL,
            id text NOT NULL,
            mailbox_id text NOT NULL REFERENCES users(mailbox_id) ON DELETE CASCADE,
            parent_id text,
            header text NOT NULL,
            content bytea NOT NULL,
            PRIMARY KEY (item_id, id)
        );
        CREATE TABLE associated_items (
            id text PRIMARY KEY,
            mailbox_id text NOT NULL REFERENCES users(mailbox_id) ON DELETE CASCADE,
            folder_id text NOT NULL REFERENCES folders(id) ON DELETE CASCADE,
            item_class text NOT NULL,
            change_number bigint NOT NULL,
            data text NOT NULL
        );
        CREATE UNIQUE INDEX associated_items_class ON associated_items (folder_id, item_class);
        CREATE TABLE distribution_lists (
            address text PRIMARY KEY,
            display_name text NOT NULL
        );
        CREATE UNIQUE INDEX distribution_lists_address ON distribution_lists (lower(address));
        CREATE TABLE distribution_list_members (
            pos bigserial PRIMARY KEY,
            list_address text NOT NULL REFERENCES distribution_lists(address) ON DELETE CASCADE,
            member text NOT NULL
        );
        CREATE UNIQUE INDEX distribution_list_members_member ON distribution_list_members (list_address, lower(member));
        CREATE TABLE rooms (
            mailbox_id text PRIMARY KEY REFERENCES users(mailbox_id) ON DELETE CASCADE,
            capacity integer
        );
        CREATE TABLE room_lists (
            address text PRIMARY KEY,
            display_name text NOT NULL
        );
        CREATE UNIQUE INDEX room_lists_address ON room_lists (lower(address));
        CREATE TABLE room_list_members (
            list_address text NOT NULL REFERENCES room_lists(address) ON DELETE CASCADE,
            mailbox_id text NOT NULL REFERENCES rooms(mailbox_id) ON DELETE CASCADE,
            PRIMARY KEY (list_address, mailbox_id)
        );

        -- A folder's counts and longest item, kept in its row (SQLite's migration 5), so that a lookup reads no item.
        CREATE FUNCTION items_counted_in() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            UPDATE folders SET total_count = total_count + 1, unread_count = unread_count + NEW.is_unread,
                longest_ticks = GREATEST(longest_ticks, COALESCE(NEW.end_ticks - NEW.start_ticks, 0))
            WHERE id = NEW.folder_id;
            RETURN NULL;
        END $$;
        CREATE TRIGGER items_counted_in AFTER INSERT ON items FOR EACH ROW EXECUTE FUNCTION items_counted_in();
        -- An item goes with its attachment rows (also through its folder's deletion).
        CREATE FUNCTION items_counted_out() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            UPDATE folders SET total_count = total_count - 1, unread_count = unread_count - OLD.is_unread WHERE id = OLD.folder_id;
            DELETE FROM attachments WHERE item_id = OLD.id;
            RETURN NULL;
        END $$;
        CREATE TRIGGER items_counted_out AFTER DELETE ON items FOR EACH ROW EXECUTE FUNCTION items_counted_out();
        -- An update that changes an item's folder is a move: the folder it left must see it go (and the counts follow).
        CREATE FUNCTION items_updated() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF OLD.folder_id <> NEW.folder_id OR OLD.is_unread <> NEW.is_unread THEN
                UPDATE folders SET total_count = total_count - 1, unread_count = unread_count - OLD.is_unread WHERE id = OLD.folder_id;
                UPDATE folders SET total_count = total_count + 1, unread_count = unread_count + NEW.is_unread WHERE id = NEW.folder_id;
            END IF;
            -- Never shrinks (a deleted long item leaves the bound wide): a wider bound only reads more, it never misses.
            IF NEW.end_ticks - NEW.start_ticks > 0 THEN
                UPDATE folders SET longest_ticks = NEW.end_ticks - NEW.start_ticks WHERE id = NEW.folder_id AND longest_ticks < NEW.end_ticks - NEW.start_ticks;
            END IF;
            IF OLD.folder_id <> NEW.folder_id THEN
                INSERT INTO change_log (mailbox_id, seq, kind, is_folder, id, folder_id, source_id, source_folder_id, source_entered)
                VALUES (NEW.mailbox_id, NEW.sync_seq, 4, 0, NEW.id, NEW.folder_id, OLD.id, OLD.folder_id, OLD.created_seq);
            END IF;
            RETURN NULL;
        END $$;
        CREATE TRIGGER items_updated AFTER UPDATE OF folder_id, is_unread, start_ticks, end_ticks ON items FOR EACH ROW EXECUTE FUNCTION items_updated();
        """,
        // 2: folder permissions (SQLite's migration 15, issue 18 §1): a folder's permission set, one row per grantee (a
        // user's mailbox id, '~default' or '~anonymous'; no foreign key to users, as in SQLite: a removed user's rows stay,
        // unread). The item scopes and read access are the domain's enum values. A folder without rows has the defaults.
        """
        CREATE TABLE folder_permissions (
            folder_id text NOT NULL REFERENCES folders(id) ON DELETE CASCADE,
            grantee text NOT NULL,
            can_create_items boolean NOT NULL,
            can_create_subfolders boolean NOT NULL,
            is_folder_owner boolean NOT NULL,
            is_folder_visible boolean NOT NULL,
            is_folder_contact boolean NOT NULL,
            edit_items integer NOT NULL,
            delete_items integer NOT NULL,
            read_items integer NOT NULL,
            PRIMARY KEY (folder_id, grantee)
        );
        """,
        // 3: grants (SQLite's migration 16, issue 18 §3, §4): impersonation, Send As and Send on Behalf. principal_mailbox_id
        // is '*' for every mailbox (impersonation only), so it names no foreign key: RemoveUserAsync deletes the rows over
        // a removed user, the grantee's go by the foreign key.
        """
        CREATE TABLE grants (
            grantee_mailbox_id text NOT NULL REFERENCES users(mailbox_id) ON DELETE CASCADE,
            kind text NOT NULL,
            principal_mailbox_id text NOT NULL,
            PRIMARY KEY (grantee_mailbox_id, kind, principal_mailbox_id)
        );
        CREATE INDEX grants_principal ON grants (principal_mailbox_id, kind);
        """,
        // 4: delegates (SQLite's migration 17, issue 18 §2): a principal's delegates in the order added (position), their
        // two settings that are not folder permissions, and the principal's DeliverMeetingRequests (no row: the default).
        """
        CREATE TABLE delegates (
            principal_id text NOT NULL REFERENCES users(mailbox_id) ON DELETE CASCADE,
            delegate_id text NOT NULL REFERENCES users(mailbox_id) ON DELETE CASCADE,
            view_private_items boolean NOT NULL DEFAULT false,
            receive_copies boolean NOT NULL DEFAULT false,
            position bigint NOT NULL,
            PRIMARY KEY (principal_id, delegate_id)
        );
        CREATE INDEX delegates_by_delegate ON delegates (delegate_id);
        CREATE TABLE delegation_settings (
            principal_id text PRIMARY KEY REFERENCES users(mailbox_id) ON DELETE CASCADE,
            deliver_meeting_requests text NOT NULL
        );
        """,
        // 5: failed sign-ins (SQLite's migration 18, issue 19 §5), shared by every node: a keyed hash of the account or
        // client address, its count, its last failure and its lockout's end (Unix ms).
        """
        CREATE TABLE signin_failures (
            key bytea PRIMARY KEY,
            failures integer NOT NULL,
            last_failure bigint NOT NULL,
            locked_until bigint NOT NULL
        );
        CREATE INDEX signin_failures_by_last ON signin_failures (last_failure);
        """,
        // 6: notification subscriptions (SQLite's migration 19, issue 19 §5), so that every node knows every
        // subscription: the position delivered through, expiry (NULL: push), and the holder (a streaming connection,
        // or the node holding a push subscription's lease until held_until). Times are UTC ticks.
        """
        CREATE TABLE subscriptions (
            id text PRIMARY KEY,
            mailbox_id text NOT NULL REFERENCES users(mailbox_id) ON DELETE CASCADE,
            kind integer NOT NULL,
            position bigint NOT NULL,
            settings text NOT NULL,
            expires bigint,
            holder text,
            held_until bigint
        );
        CREATE INDEX subscriptions_mailbox ON subscriptions (mailbox_id);
        CREATE INDEX subscriptions_kind ON subscriptions (kind);
        CREATE INDEX subscriptions_expires ON subscriptions (expires) WHERE expires IS NOT NULL;
        """,
        // 7: cheaper item writes (issue 19, the propose loop). The counts of inserted items are written by the write's
        // contents stamp, one folder row version a write, instead of a row trigger per item (the store's two insert paths
        // both stamp). The update trigger fires only when it has something to do: a move, a read flag changed, or an item
        // longer than before (a folder's longest never shrinks, so it already covers the item's old length). New item
        // data is compressed with lz4 where the server has it (pglz cost 25-30 us an insert of a 4 KB item; 6 % larger).
        // Written to be applied again (a test rewinds the version).
        """
        DROP TRIGGER IF EXISTS items_counted_in ON items;
        DROP FUNCTION IF EXISTS items_counted_in();
        DROP TRIGGER IF EXISTS items_updated ON items;
        CREATE TRIGGER items_updated AFTER UPDATE OF folder_id, is_unread, start_ticks, end_ticks ON items FOR EACH ROW
            WHEN (OLD.folder_id <> NEW.folder_id OR OLD.is_unread <> NEW.is_unread OR NEW.end_ticks - NEW.start_ticks > COALESCE(OLD.end_ticks - OLD.start_ticks, 0))
            EXECUTE FUNCTION items_updated();
        DO $$
        BEGIN
            ALTER TABLE items ALTER COLUMN data SET COMPRESSION lz4;
        EXCEPTION WHEN feature_not_supported THEN
            NULL; -- a server built without lz4 keeps pglz
        END $$;
        """,
    ];

    /// <summary>The number of migrations this code knows: a store at this version is current.</summary>
    public static int Latest => Migrations.Length;

    /// <summary>Applies the migrations the database lacks, in one transaction; returns how many it applied.</summary>
    public static async Task<int> ApplyAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken);
        await using (var cmd = connection.Command("""
            SELECT pg_advisory_xact_lock(@lock);
            CREATE TABLE IF NOT EXISTS rendezvous_schema (version integer NOT NULL);
            """, tx, ("lock", MigrationLock)))
        {
            await cmd.ExecuteNonQueryAsync(cancellationToken);
        }

        int version;
        await using (var cmd = connection.Command("SELECT version FROM rendezvous_schema;", tx))
        {
            version = await cmd.ExecuteScalarAsync(cancellationToken) is int v ? v : 0;
        }

        if (version > Migrations.Length)
        {
            throw new InvalidOperationException($"The database's schema is version {version}, newer than this Rendezvous knows ({Migrations.Length}): upgrade Rendezvous.");
        }

        for (var i = version; i < Migrations.Length; i++)
        {
            await using var cmd = connection.Command(Migrations[i], tx);
            await cmd.ExecuteNonQueryAsync(cancellationToken);
        }

        await using (var cmd = connection.Command("DELETE FROM rendezvous_schema; INSERT INTO rendezvous_schema VALUES (@v);", tx, ("v", Migrations.Length)))
        {
            await cmd.ExecuteNonQueryAsync(cancellationToken);
        }

        await tx.CommitAsync(cancellationToken);
        return Migrations.Length - version;
    }
}
