using Rendezvous.Domain;
using Rendezvous.Edge;
using Rendezvous.Protocol;

namespace Rendezvous.Server;

public sealed class ServerOptions
{
    /// <summary>Where Kestrel listens; port 0 picks a free one.</summary>
    public string Urls { get; set; } = "http://127.0.0.1:5000";

    /// <summary>The folder holding the SQLite database.</summary>
    public string DataDirectory { get; set; } = "rendezvous-data";

    public XmlLimits Limits { get; set; } = new();

    /// <summary>The largest the database may grow, in bytes (null: no limit but the disk). Writes past it get ErrorInsufficientResources.</summary>
    public long? MaxStoreBytes { get; set; }

    /// <summary>The work and memory one request may take (ids, items, changes, shapes, restrictions, find pages, response).</summary>
    public RequestLimits RequestLimits { get; set; } = new();

    /// <summary>How large an attachment may be and how many an item may hold (a large one also needs <see cref="XmlLimits.MaxRequestBytes"/>).</summary>
    public Services.AttachmentLimits Attachments { get; set; } = new();

    public string Realm { get; set; } = "Rendezvous";

    /// <summary>Connection counts, timeouts and data rates (Kestrel's limits and one per client address).</summary>
    public ConnectionLimits Connections { get; set; } = new();

    /// <summary>Failed sign-in throttling and the PBKDF2 gate.</summary>
    public SignInPolicy SignIn { get; set; } = new();

    public TimeProvider Time { get; set; } = TimeProvider.System;

    /// <summary>Subscriptions: polling, keep-alives, lifetimes, push retries and where pushes may go.</summary>
    public Services.NotificationOptions Notifications { get; set; } = new();

    /// <summary>The operations the endpoint dispatches to; null: <see cref="EwsOperations.Default"/> (tests add their own).</summary>
    public IReadOnlyDictionary<string, EwsOperation>? OperationTable { get; set; }
}
