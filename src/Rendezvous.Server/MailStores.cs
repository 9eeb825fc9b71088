using Rendezvous.Store;
using Rendezvous.Store.Postgres;

namespace Rendezvous.Server;

/// <summary>Which store a server or an admin command works on.</summary>
public enum StoreKind
{
    /// <summary>The embedded default: one SQLite file in the data folder.</summary>
    Sqlite,

    /// <summary>A PostgreSQL database, named by a connection string (several nodes may share it).</summary>
    Postgres,
}

/// <summary>Where the mailboxes are kept: a store kind and, for PostgreSQL, its connection string.</summary>
public sealed record StoreLocation(StoreKind Kind, string DataDirectory, string? Connection = null)
{
    /// <summary>
    /// The location <c>--store</c> and <c>--connection</c> name (else <c>RDV_STORE</c>, <c>RDV_CONNECTION</c>; SQLite in
    /// <paramref name="dataDirectory"/> when neither says otherwise).
    /// </summary>
    public static StoreLocation Parse(string? store, string? connection, string dataDirectory)
    {
        var kind = (store ?? "sqlite").ToUpperInvariant() switch
        {
            "SQLITE" => StoreKind.Sqlite,
            "POSTGRES" or "POSTGRESQL" => StoreKind.Postgres,
            _ => throw new ArgumentException($"unknown store '{store}' (sqlite or postgres)"),
        };
        if (kind == StoreKind.Postgres && string.IsNullOrWhiteSpace(connection))
        {
            throw new ArgumentException("--store postgres needs --connection \"Host=...;Database=...;Username=...\" (or RDV_CONNECTION)");
        }

        return new StoreLocation(kind, dataDirectory, kind == StoreKind.Postgres ? connection : null);
    }

    /// <summary>What a user is told the data is: the SQLite file's folder, or the database without its password.</summary>
    public string Description => Kind == StoreKind.Sqlite ? DataDirectory : PostgresMailStore.Describe(Connection!);
}

/// <summary>The one place that opens a store, for <c>rdv serve</c> and every admin command alike.</summary>
public static class MailStores
{
    /// <summary>Opens the store (applying its pending migrations). <paramref name="maxBytes"/> caps a SQLite file only.</summary>
    public static async Task<IMailStore> OpenAsync(StoreLocation location, CancellationToken cancellationToken, long? maxBytes = null, TimeProvider? time = null) =>
        location.Kind switch
        {
            StoreKind.Postgres => await PostgresMailStore.OpenAsync(location.Connection!, cancellationToken, time),
            _ => await SqliteMailStore.OpenAsync(location.DataDirectory, cancellationToken, maxBytes, time),
        };

    /// <summary>Applies the store's pending migrations and nothing else (<c>rdv migrate</c>).</summary>
    public static async Task MigrateAsync(StoreLocation location, CancellationToken cancellationToken)
    {
        if (location.Kind == StoreKind.Postgres)
        {
            await PostgresMailStore.MigrateAsync(location.Connection!, cancellationToken);
            return;
        }

        // SQLite migrates as it opens.
        await using var store = await SqliteMailStore.OpenAsync(location.DataDirectory, cancellationToken);
    }
}
