using Rendezvous.Client;

namespace Rendezvous.Cli;

/// <summary>
/// What every client command works with: an EwsClient signed in as the user, the zone times are read and shown in,
/// and where to write. Built from --url/--user or RDV_URL/RDV_USER; the secret comes from RDV_TOKEN, RDV_PASSWORD,
/// stdin or a prompt, never from an argument (arguments show in ps and in shell history).
/// </summary>
internal sealed class ClientSession : IDisposable
{
    private readonly Lazy<EwsClient> client;

    private ClientSession(Func<EwsClient> connect, Options options, TimeZoneInfo zone, TextWriter stdout, CancellationToken cancellationToken)
    {
        client = new Lazy<EwsClient>(connect);
        Options = options;
        Zone = zone;
        Stdout = stdout;
        CancellationToken = cancellationToken;
    }

    /// <summary>Signs in on first use, so a command reports its usage errors before asking for a password.</summary>
    public EwsClient Client => client.Value;

    public Options Options { get; }

    public TimeZoneInfo Zone { get; }

    public TextWriter Stdout { get; }

    public CancellationToken CancellationToken { get; }

    public bool Json => Options.Has("--json");

    /// <summary>The zone as a Windows id for the server, or null (server's default) when the machine's zone has no known id.</summary>
    public string? ZoneId => Protocol.TimeZones.WindowsId(Zone.Id);

    public static string? UrlOf(Options? options) => options?.Get("--url") ?? Environment.GetEnvironmentVariable("RDV_URL");

    public static string? UserOf(Options? options) => options?.Get("--user") ?? Environment.GetEnvironmentVariable("RDV_USER");

    public static ClientSession Open(Options options, TextReader stdin, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        // Usage errors first: a missing URL should not cost the user a password prompt.
        var zone = Times.Zone(options);
        var url = UrlOf(options) is { Length: > 0 } text ? Endpoint(text) : throw new UsageException("no server: pass --url URL or set RDV_URL (e.g. http://127.0.0.1:5000/EWS/Exchange.asmx)");
        return new ClientSession(
            () => new EwsClient(new EwsClientOptions { Url = url, Credentials = Credentials(options, stdin, stderr) }),
            options,
            zone,
            stdout,
            cancellationToken);
    }

    public void Dispose()
    {
        if (client.IsValueCreated)
        {
            client.Value.Dispose();
        }
    }

    private static Uri Endpoint(string text)
    {
        try
        {
            return EwsClient.EndpointFrom(text);
        }
        catch (Exception e) when (e is UriFormatException or ArgumentException)
        {
            throw new UsageException($"'{text}' (--url or RDV_URL) is not an http(s) URL");
        }
    }

    private static EwsCredentials Credentials(Options options, TextReader stdin, TextWriter prompts)
    {
        if (Environment.GetEnvironmentVariable("RDV_TOKEN") is { Length: > 0 } token)
        {
            return EwsCredentials.Bearer(token);
        }

        var user = UserOf(options) is { Length: > 0 } name ? name : throw new UsageException("no user: pass --user EMAIL or set RDV_USER");
        var password = Environment.GetEnvironmentVariable("RDV_PASSWORD") is { Length: > 0 } fromEnvironment
            ? fromEnvironment
            // The prompt goes to stderr: stdout may be JSON piped to another program.
            : Passwords.Read(options, stdin, prompts, confirm: false);
        return EwsCredentials.Basic(user, password);
    }
}
