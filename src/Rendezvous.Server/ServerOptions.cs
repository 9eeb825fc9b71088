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

    public TimeProvider Time { get; set; } = TimeProvider.System;
}
