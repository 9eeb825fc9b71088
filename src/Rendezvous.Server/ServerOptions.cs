using Rendezvous.Protocol;

namespace Rendezvous.Server;

public sealed class ServerOptions
{
    /// <summary>Where Kestrel listens; port 0 picks a free one.</summary>
    public string Urls { get; set; } = "http://127.0.0.1:5000";

    /// <summary>The folder holding the SQLite database.</summary>
    public string DataDirectory { get; set; } = "rendezvous-data";

    public XmlLimits Limits { get; set; } = new();

    public string Realm { get; set; } = "Rendezvous";

    /// <summary>Connection counts, timeouts and data rates (Kestrel's limits and one per client address).</summary>
    public ConnectionLimits Connections { get; set; } = new();

    /// <summary>Failed sign-in throttling and the PBKDF2 gate.</summary>
    public SignInPolicy SignIn { get; set; } = new();

    public TimeProvider Time { get; set; } = TimeProvider.System;
}
