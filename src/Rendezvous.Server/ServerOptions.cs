using Rendezvous.Domain;
using Rendezvous.Edge;
using Rendezvous.Protocol;

namespace Rendezvous.Server;

public sealed class ServerOptions
{
    /// <summary>Where Kestrel listens; port 0 picks a free one.</summary>
    public string Urls { get; set; } = "http://127.0.0.1:5000";

    /// <summary>
    /// The base URL the server gives out (autodiscover answers, anything naming the server), e.g. the address of a TLS
    /// terminator or load balancer in front of it; null: the first URL listened on.
    /// </summary>
    public string? PublicUrl { get; set; }

    /// <summary>The PEM certificate (and its chain) for the https:// URLs of <see cref="Urls"/>.</summary>
    public string? CertificatePath { get; set; }

    /// <summary>The PEM private key of <see cref="CertificatePath"/> (null: the key is in the certificate file).</summary>
    public string? KeyPath { get; set; }

    /// <summary>
    /// Listen on plain http:// beyond loopback even though Basic sign-in then crosses the network in clear text
    /// (warned at start); without it such a listener is refused at start.
    /// </summary>
    public bool AllowInsecureBasic { get; set; }

    /// <summary>The folder holding the SQLite database.</summary>
    public string DataDirectory { get; set; } = "rendezvous-data";

    /// <summary>
    /// The store: SQLite in <see cref="DataDirectory"/> (null, the default) or another location (PostgreSQL). The
    /// data directory is used for nothing else.
    /// </summary>
    public StoreLocation? Store { get; set; }

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

    /// <summary>The networks (CIDR) whose clients may read /metrics; loopback by default. Empty: nobody.</summary>
    public IReadOnlyList<string> MetricsAllowedNetworks { get; set; } = ["127.0.0.0/8", "::1/128"];

    /// <summary>
    /// Plain http:// requests to the EWS path from beyond loopback are redirected (308, which keeps the POST) to the
    /// https:// address: <see cref="PublicUrl"/> when it is https, else the https:// listener's port on the request's host.
    /// </summary>
    public bool HttpsRedirect { get; set; }

    /// <summary>How long /health/ready waits for the store's trivial read before it answers 503.</summary>
    public TimeSpan ReadinessTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How long a stop (SIGTERM, Ctrl-C) waits for the requests in flight once it stops accepting new ones; those still
    /// running then are aborted. Streaming connections are closed at once, with ConnectionStatus Closed.
    /// </summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>One Information line per request in the console log (<c>Rendezvous.Requests</c>); the metrics count requests either way.</summary>
    public bool RequestLog { get; set; } = true;

    /// <summary>Where and how often the request lines are written when the server writes its own console log.</summary>
    public RequestLogOutput RequestLogOutput { get; set; } = new();

    /// <summary>The console log as JSON lines (one object a line, the request log's fields as properties) instead of text.</summary>
    public bool JsonLog { get; set; }

    /// <summary>Opens the store to serve; null: the SQLite store in <see cref="DataDirectory"/> (an embedding host or a test gives its own).</summary>
    public Func<CancellationToken, Task<Rendezvous.Store.IMailStore>>? OpenStore { get; set; }

    /// <summary>The operations the endpoint dispatches to; null: <see cref="EwsOperations.Default"/> (tests add their own).</summary>
    public IReadOnlyDictionary<string, EwsOperation>? OperationTable { get; set; }
}
