using System.Globalization;

namespace Rendezvous.Cli;

/// <summary>
/// The command line: positional words, known flags and known valued options (<c>--x v</c> or <c>--x=v</c>).
/// Anything else starting with '-' is a usage error, so a typo never passes silently. Every option can also come from
/// the environment and from a configuration file (<see cref="ConfigFile"/>), for every command and for any option
/// added to <see cref="Flags"/> or <see cref="Valued"/>: <c>--some-option</c> is <c>RDV_SOME_OPTION</c> and the key
/// <c>some-option</c> of the file named by <c>--config FILE</c> (or <c>RDV_CONFIG</c>). The command line wins over
/// the environment, which wins over the file.
/// </summary>
internal sealed class Options
{
    private static readonly HashSet<string> Flags =
    [
        "--password-stdin", "--reset", "--allow-insecure-basic", "--json", "--accept", "--tentative", "--decline", "--no-proposals",
        "--log-json", "--https-redirect", "--no-request-log",
    ];

    private static readonly HashSet<string> Valued =
    [
        "--urls", "--data", "--name", "--max-request-bytes", "--max-depth", "--max-batch", "--max-find", "--max-response-item-bytes", "--max-large-requests",
        "--max-connections", "--max-connections-per-client", "--idle-timeout", "--header-timeout", "--min-data-rate", "--start", "--end", "--days", "--tz",
        "--url", "--user", "--from", "--to", "--subject", "--id", "--message", "--optional", "--location", "--duration", "--occurrence",
        "--max-attachment-bytes", "--max-attachments", "--capacity", "--culture", "--public-url", "--cert", "--key", "--out", "--for",
        "--config", "--metrics-allow", "--shutdown-timeout", "--store", "--connection", "--push-allow", "--push-lease",
    ];

    private readonly Dictionary<string, string> values = [];
    private readonly HashSet<string> flags = [];

    public List<string> Positional { get; } = [];

    public string Data => Get("--data") ?? "rendezvous-data";

    /// <summary>The store the command works on: <c>--store</c>/<c>RDV_STORE</c> and <c>--connection</c>/<c>RDV_CONNECTION</c>, else SQLite in <see cref="Data"/>.</summary>
    public Server.StoreLocation Store
    {
        get
        {
            try
            {
                return Server.StoreLocation.Parse(Get("--store") ?? Environment.GetEnvironmentVariable("RDV_STORE"),
                    Get("--connection") ?? Environment.GetEnvironmentVariable("RDV_CONNECTION"), Data);
            }
            catch (ArgumentException e)
            {
                throw new UsageException(e.Message);
            }
        }
    }

    public string? Get(string name) => values.GetValueOrDefault(name);

    public string Require(string name, string what) =>
        Get(name) ?? throw new UsageException($"{name} {what} is required");

    public bool Has(string flag) => flags.Contains(flag);

    public long? GetNumber(string name) =>
        Get(name) is not { } text ? null
        : long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0 ? n
        : throw new UsageException($"{name} needs a positive whole number");

    /// <summary>A whole number that may be 0 (for "no limit").</summary>
    public long? GetCount(string name) =>
        Get(name) is not { } text ? null
        : long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n
        : throw new UsageException($"{name} needs a whole number (0 for no limit)");

    /// <summary>A comma-separated list ("a@x,b@x"), blanks dropped.</summary>
    public IReadOnlyList<string> GetList(string name) =>
        Get(name) is { } text ? text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) : [];

    /// <summary>The environment variable standing for <paramref name="option"/>: --max-find is RDV_MAX_FIND.</summary>
    public static string EnvironmentName(string option) => "RDV_" + option[2..].Replace('-', '_').ToUpperInvariant();

    /// <summary>
    /// The command line, then what it leaves unset from the environment (<paramref name="environment"/>, the process's
    /// own by default) and then from the configuration file.
    /// </summary>
    public static Options Parse(string[] args, Func<string, string?>? environment = null)
    {
        var options = ParseCommandLine(args);
        if (options.Positional is ["help"])
        {
            return options;
        }

        environment ??= Environment.GetEnvironmentVariable;
        var fromEnvironment = (string option) => environment(EnvironmentName(option)) is { Length: > 0 } value ? value : null;
        var configPath = options.Get("--config") ?? fromEnvironment("--config");
        var file = configPath is null ? new Dictionary<string, string>() : ConfigFile.Read(configPath, Flags.Contains, Valued.Contains);
        foreach (var option in Valued)
        {
            if (!options.values.ContainsKey(option) && (fromEnvironment(option) ?? file.GetValueOrDefault(option)) is { } value)
            {
                options.values[option] = value;
            }
        }

        foreach (var flag in Flags)
        {
            if (options.flags.Contains(flag))
            {
                continue;
            }

            var (value, source) = fromEnvironment(flag) is { } e ? (e, EnvironmentName(flag)) : (file.GetValueOrDefault(flag), configPath + ": " + flag[2..]);
            if (value is not null && ConfigFile.Switch(value, source))
            {
                options.flags.Add(flag);
            }
        }

        return options;
    }

    private static Options ParseCommandLine(string[] args)
    {
        var options = new Options();
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            if (arg is "-h" or "--help")
            {
                options.Positional.Clear();
                options.Positional.Add("help");
                return options;
            }

            if (Flags.Contains(arg))
            {
                options.flags.Add(arg);
            }
            else if (Valued.Contains(arg))
            {
                options.values[arg] = i + 1 < args.Length ? args[++i] : throw new UsageException($"{arg} needs a value");
            }
            else if (arg.StartsWith("--", StringComparison.Ordinal) && arg.Contains('=', StringComparison.Ordinal) && Valued.Contains(arg[..arg.IndexOf('=', StringComparison.Ordinal)]))
            {
                var eq = arg.IndexOf('=', StringComparison.Ordinal);
                options.values[arg[..eq]] = arg[(eq + 1)..];
            }
            else if (arg.StartsWith('-'))
            {
                throw new UsageException($"unknown option {arg}");
            }
            else
            {
                options.Positional.Add(arg);
            }
        }

        return options;
    }
}

/// <summary>The command line is wrong: exit 2 with the usage text.</summary>
internal sealed class UsageException(string message) : Exception(message);

/// <summary>The command could not do its job: exit 1 with one line, then <see cref="Details"/> (e.g. the candidates) indented.</summary>
internal sealed class CommandException(string message, IReadOnlyList<string>? details = null) : Exception(message)
{
    public IReadOnlyList<string> Details { get; } = details ?? [];
}
